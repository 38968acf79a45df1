// Downloading one release file and proving it is the right one, in one pass:
// the bytes are hashed (sha512) while they are written, the file is never read back.
//
// Order of checks (case C3): HTTP status, then ELF magic (from the first bytes) and
// size (Content-Length against what arrived), then the sha512. Any failure deletes
// the partial file. Network errors, 5xx answers and truncated bodies are retried with
// exponential backoff; 4xx answers, wrong content and checksum mismatches are not.

import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import type { ReleaseArch } from '../detect/facts.js';
import type { Host, HttpResponse } from '../host/host.js';
import { checkElf, ELF_HEADER_BYTES, ElfError } from './elf.js';
import { isSha512Hex, preview } from './sha512.js';

export interface Progress {
  bytes: number;
  /** From Content-Length, when the server sent one. */
  total?: number;
  bytesPerSecond: number;
  etaSeconds?: number;
}

export interface VerifyOptions {
  /** 128 hex digits; without it the hash is only computed and returned. */
  expectedSha512?: string;
  /**
   * Which published checksum the file is checked against: 'sha512' (gVisor's .sha512 files, the default:
   * expectedSha512) or 'sha256' (nerdctl's SHA256SUMS, the CNI plugins' .sha256: expectedSha256).
   */
  algorithm?: 'sha512' | 'sha256';
  /** With algorithm 'sha256': 64 hex digits; without it the hash is only computed and returned. */
  expectedSha256?: string;
  /** With expectElf: the ELF must be built for this arch. */
  arch?: ReleaseArch;
  expectElf: boolean;
  /** Called at most 10 times a second, plus once when the file is complete. */
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
}

export interface RetryOptions {
  /** Extra attempts after the first, on transient errors only. Default 3. */
  retries?: number;
  /** Wait before the first retry, doubled for each further one. Default 500 ms. */
  backoffMs?: number;
  /** Told about each retry (for the log). */
  onRetry?: (info: { attempt: number; delayMs: number; error: ReleaseError }) => void;
}

export interface DownloadOptions extends VerifyOptions, RetryOptions {}

export interface DownloadResult {
  bytes: number;
  /** Lowercase hex. */
  sha512: string;
  /** Lowercase hex, with algorithm 'sha256'. */
  sha256?: string;
}

export type ReleaseErrorKind =
  | 'not-found' // 404/410 or a missing file in --from-dir
  | 'http' // any other unexpected HTTP status
  | 'network' // could not connect, connection reset, …
  | 'truncated' // fewer bytes than announced
  | 'not-elf' // not a usable 64-bit ELF program
  | 'wrong-arch' // ELF for another architecture
  | 'checksum' // sha512 (or sha256) mismatch
  | 'bad-checksum-file' // a .sha512 file we cannot use
  | 'archive' // the release tarball cannot be read or is unsafe
  | 'missing' // a file the release should contain is not there
  | 'cancelled'
  | 'io'; // writing the file here failed

/** Every failure of this module. `source` is the URL or file path concerned. */
export class ReleaseError extends Error {
  constructor(
    readonly kind: ReleaseErrorKind,
    message: string,
    readonly source: string,
    readonly opts: { transient?: boolean; status?: number; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'ReleaseError';
  }
  get transient(): boolean { return this.opts.transient ?? false; }
  get status(): number | undefined { return this.opts.status; }
}

export function isReleaseError(e: unknown, kind?: ReleaseErrorKind): e is ReleaseError {
  return e instanceof ReleaseError && (kind === undefined || e.kind === kind);
}

const WHAT_NEXT = 'Check --release and the architecture, or the --mirror URL; on a machine without internet access use --from-dir DIR.';

/**
 * Download `url` to `destRealPath` (a real path, normally inside host.makeTempDir()),
 * checking status, ELF header, size and sha512 on the way. Throws ReleaseError;
 * on any failure nothing is left at `destRealPath`.
 */
export async function downloadVerified(host: Host, url: string, destRealPath: string, opts: DownloadOptions): Promise<DownloadResult> {
  checkExpectedHash(opts.expectedSha512, url);
  checkExpectedSha256(opts, url);
  return withRetries(url, opts, async () => {
    const res = await open(host, url, opts.signal);
    return receiveVerified({ body: res.body, contentLength: contentLength(res) }, url, destRealPath, opts);
  });
}

/** Fetch a small text file (a .sha512), with the same status checks and retries. */
export async function fetchText(
  host: Host,
  url: string,
  opts: RetryOptions & { signal?: AbortSignal; maxBytes?: number } = {},
): Promise<string> {
  const max = opts.maxBytes ?? 64 * 1024;
  return withRetries(url, opts, async () => {
    const res = await open(host, url, opts.signal);
    const parts: Buffer[] = [];
    let n = 0;
    try {
      for await (const chunk of res.body ?? []) {
        n += chunk.byteLength;
        if (n > max) {
          throw new ReleaseError('bad-checksum-file', `${url} is larger than ${max} bytes, so it is not a checksum file; the server answered with something else. ${WHAT_NEXT}`, url);
        }
        parts.push(Buffer.from(chunk));
      }
    } catch (e) {
      throw streamError(e, url, n, contentLength(res), opts.signal);
    }
    const total = contentLength(res);
    if (total !== undefined && n < total) throw truncated(url, n, total);
    return Buffer.concat(parts).toString('utf8');
  });
}

/** A response-like input for receiveVerified: a byte stream and its announced length. */
export interface IncomingBody {
  body: AsyncIterable<Uint8Array> | null;
  contentLength?: number;
}

/**
 * The single pass shared by HTTP downloads and --from-dir copies: write `input` to
 * `dest` while hashing it, check ELF header, size and sha512. `label` (URL or path)
 * is named in every error. Deletes `dest` on failure.
 */
export async function receiveVerified(input: IncomingBody, label: string, dest: string, opts: VerifyOptions): Promise<DownloadResult> {
  checkExpectedHash(opts.expectedSha512, label);
  checkExpectedSha256(opts, label);
  guardBody(input.body);
  const total = input.contentLength;
  const hash = createHash('sha512');
  const hash256 = opts.algorithm === 'sha256' ? createHash('sha256') : undefined;
  const head: Buffer[] = [];
  let headLen = 0;
  let elfDone = !opts.expectElf;
  let received = 0;
  const started = Date.now();
  let lastReport = 0;
  const report = (force: boolean) => {
    if (!opts.onProgress) return;
    const now = Date.now();
    if (!force && now - lastReport < 100) return;
    lastReport = now;
    const secs = Math.max((now - started) / 1000, 0.001);
    const bytesPerSecond = received / secs;
    const p: Progress = { bytes: received, bytesPerSecond };
    if (total !== undefined) {
      p.total = total;
      if (bytesPerSecond > 0) p.etaSeconds = Math.max(total - received, 0) / bytesPerSecond;
    }
    opts.onProgress(p);
  };
  const elfCheck = (atEnd: boolean) => {
    elfDone = true;
    const header = Buffer.concat(head, headLen);
    const size = atEnd ? received : total ?? received;
    try {
      checkElf(header, size, opts.arch, { sizeIsLowerBound: !atEnd && total === undefined });
    } catch (e) {
      if (!(e instanceof ElfError)) throw e;
      throw elfFailure(e, label, header, opts.arch);
    }
  };

  let fh: fs.FileHandle | undefined;
  try {
    if (opts.signal?.aborted) throw cancelled(label);
    try {
      fh = await fs.open(dest, 'w', opts.expectElf ? 0o700 : 0o600);
    } catch (e) {
      throw new ReleaseError('io', `cannot write ${dest}: ${(e as Error).message}. Check free space and permissions of the temporary directory (TMPDIR).`, label, { cause: e });
    }
    const writer = new BatchedWriter(fh, dest, label);
    try {
      for await (const chunk of input.body ?? []) {
        if (opts.signal?.aborted) throw cancelled(label);
        const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
        received += buf.length;
        if (!elfDone) {
          head.push(buf.subarray(0, ELF_HEADER_BYTES - headLen));
          headLen = Math.min(headLen + buf.length, ELF_HEADER_BYTES);
          if (headLen >= ELF_HEADER_BYTES) elfCheck(false);
        }
        hash.update(buf);
        hash256?.update(buf);
        if (writer.add(buf)) await writer.flush();
        report(false);
      }
      await writer.end();
    } catch (e) {
      throw streamError(e, label, received, total, opts.signal);
    }
    // ELF magic and size first; then the hash.
    if (!elfDone) elfCheck(true);
    if (total !== undefined && received !== total) {
      if (received < total) throw truncated(label, received, total);
      throw new ReleaseError('truncated', `${label}: received ${received} bytes but the server announced ${total}; the transfer was garbled. Try again.`, label, { transient: true });
    }
    const sha512 = hash.digest('hex');
    const expected = opts.expectedSha512?.toLowerCase();
    if (expected !== undefined && sha512 !== expected) {
      throw new ReleaseError(
        'checksum',
        `sha512 mismatch for ${label}: expected ${expected}, got ${sha512}. ` +
          'The file is damaged or does not belong to this checksum (a stale mirror, a rewriting proxy, or a mixed-up --from-dir). ' +
          'Nothing was installed; try again, or fetch the file and its .sha512 from the same release.',
        label,
      );
    }
    const sha256 = hash256?.digest('hex');
    const expected256 = opts.expectedSha256?.toLowerCase();
    if (sha256 !== undefined && expected256 !== undefined && sha256 !== expected256) {
      throw new ReleaseError(
        'checksum',
        `sha256 mismatch for ${label}: expected ${expected256}, got ${sha256}. ` +
          'The file is damaged or does not belong to this checksum (a stale mirror, a rewriting proxy, or a mixed-up --from-dir). ' +
          'Nothing was installed; try again, or fetch the file and its checksum file from the same release.',
        label,
      );
    }
    await fh.close();
    fh = undefined;
    report(true);
    return sha256 === undefined ? { bytes: received, sha512 } : { bytes: received, sha512, sha256 };
  } catch (e) {
    await fh?.close().catch(() => undefined);
    await fs.rm(dest, { force: true }).catch(() => undefined);
    throw e;
  }
}

/** Bytes collected before they are written: a few large writes instead of one per network chunk. */
const WRITE_BATCH_BYTES = 1024 * 1024;

/**
 * Writes the chunks of a download in order, in batches of about 1 MiB, with one write in
 * flight while the next batch arrives and is hashed: the loop does not wait for the disk
 * after every chunk.
 */
class BatchedWriter {
  private batch: Buffer[] = [];
  private bytes = 0;
  private inFlight: Promise<void> | undefined;
  private failed: ReleaseError | undefined;

  constructor(private readonly fh: fs.FileHandle, private readonly dest: string, private readonly label: string) {}

  /** Queues a chunk; true when a batch is full and flush() should be awaited. */
  add(buf: Buffer): boolean {
    this.batch.push(buf);
    this.bytes += buf.length;
    return this.bytes >= WRITE_BATCH_BYTES;
  }

  /** Waits for the write in flight (if any), then starts writing the batch. */
  async flush(): Promise<void> {
    await this.inFlight;
    if (this.failed) throw this.failed;
    if (this.bytes === 0) return;
    const bufs = this.batch;
    const bytes = this.bytes;
    this.batch = [];
    this.bytes = 0;
    // Caught at once (no unhandled rejection); the error is thrown by the next flush or end.
    this.inFlight = writeAll(this.fh, bufs, bytes, this.dest, this.label).catch((e: ReleaseError) => { this.failed = e; });
  }

  /** Writes what is left and waits until everything is on its way to the disk. */
  async end(): Promise<void> {
    await this.flush();
    await this.inFlight;
    if (this.failed) throw this.failed;
  }
}

async function writeAll(fh: fs.FileHandle, bufs: Buffer[], bytes: number, dest: string, label: string): Promise<void> {
  try {
    let done = (await fh.writev(bufs)).bytesWritten;
    if (done < bytes) {
      // A short write (rare): the rest from one buffer.
      const all = Buffer.concat(bufs, bytes);
      while (done < bytes) done += (await fh.write(all, done, bytes - done)).bytesWritten;
    }
  } catch (e) {
    throw new ReleaseError('io', `cannot write ${dest} while fetching ${label}: ${(e as Error).message}. Check free space in the temporary directory (TMPDIR).`, label, { cause: e });
  }
}

/** Fetch and check the status; the body is released on any non-200 answer. */
async function open(host: Host, url: string, signal?: AbortSignal): Promise<HttpResponse> {
  if (signal?.aborted) throw cancelled(url);
  let res: HttpResponse;
  try {
    res = await host.fetch(url, { signal });
  } catch (e) {
    if (signal?.aborted) throw cancelled(url);
    throw new ReleaseError('network', `could not download ${url}: ${networkDetail(e)}. ${reachHint()}`, url, { transient: true, cause: e });
  }
  guardBody(res.body);
  if (res.status === 200) return res;
  await discard(res.body);
  throw statusError(url, res.status, res.statusText);
}

function statusError(url: string, status: number, statusText: string): ReleaseError {
  const http = `HTTP ${status}${statusText ? ` ${statusText}` : ''}`;
  if (status === 404 || status === 410) {
    return new ReleaseError('not-found', `download failed: ${url} answered ${http}: the file is not there. ${WHAT_NEXT}`, url, { status });
  }
  if (status === 401 || status === 403) {
    return new ReleaseError('http', `download failed: ${url} answered ${http}: access refused. Check the --mirror URL, or a proxy/firewall in the way.`, url, { status });
  }
  if (status >= 500) {
    return new ReleaseError('http', `download failed: ${url} answered ${http}: the server had a problem. Try again later, or use --mirror URL / --from-dir DIR.`, url, { status, transient: true });
  }
  return new ReleaseError('http', `download failed: ${url} answered ${http} instead of the file. ${WHAT_NEXT}`, url, { status, transient: status === 408 || status === 429 });
}

function streamError(e: unknown, label: string, received: number, total: number | undefined, signal?: AbortSignal): ReleaseError {
  if (e instanceof ReleaseError) return e;
  if (signal?.aborted) return cancelled(label);
  if (total !== undefined && received < total) return truncated(label, received, total, e);
  return new ReleaseError('network', `download of ${label} broke off after ${received} bytes: ${networkDetail(e)}. ${reachHint()}`, label, { transient: true, cause: e });
}

function truncated(label: string, received: number, total: number, cause?: unknown): ReleaseError {
  return new ReleaseError(
    'truncated',
    `${label} is truncated: received ${received} of ${total} bytes (Content-Length). The connection broke off; try again, or use --mirror URL / --from-dir DIR.`,
    label,
    { transient: true, cause },
  );
}

function cancelled(label: string): ReleaseError {
  return new ReleaseError('cancelled', `download of ${label} was cancelled; nothing was installed.`, label);
}

function elfFailure(e: ElfError, label: string, header: Buffer, arch: ReleaseArch | undefined): ReleaseError {
  if (e.problem === 'wrong-arch') {
    return new ReleaseError(
      'wrong-arch',
      `${label}: ${e.message}. The file belongs to another architecture's release: use the ${arch ?? 'matching'} build ` +
        `(the …/${arch ?? '<arch>'}/ folder of the release, or the right files in --from-dir). Nothing was installed.`,
      label,
    );
  }
  let hint = '';
  if (e.problem === 'not-elf') {
    const text = header.toString('latin1');
    hint = /^[\x09\x0a\x0d\x20-\x7e]+$/.test(text) && text.trim() !== ''
      ? ` It starts with ${preview(text, 40)}: the server answered with an error page or text instead of the program.`
      : ' It is not a Linux program.';
  }
  return new ReleaseError('not-elf', `${label}: ${e.message}.${hint} Nothing was installed; check the URL, mirror or --from-dir file.`, label);
}

function contentLength(res: HttpResponse): number | undefined {
  // Node's fetch decompresses Content-Encoding; then Content-Length counts the compressed bytes.
  const enc = res.headers.get('content-encoding');
  if (enc && enc.toLowerCase() !== 'identity') return undefined;
  const v = res.headers.get('content-length');
  if (v === null || !/^\d+$/.test(v.trim())) return undefined;
  return Number(v.trim());
}

/**
 * A Node stream body can fail (connection dropped) before anyone iterates it, e.g.
 * while the destination file is being opened; without a listener that 'error' event
 * would crash the process. Iteration still sees the error.
 */
function guardBody(body: AsyncIterable<Uint8Array> | null): void {
  const emitter = body as { on?: (event: string, fn: (e: unknown) => void) => unknown } | null;
  if (emitter && typeof emitter.on === 'function') emitter.on('error', () => undefined);
}

async function discard(body: AsyncIterable<Uint8Array> | null): Promise<void> {
  if (!body) return;
  const d = body as { destroy?: () => void };
  if (typeof d.destroy === 'function') {
    d.destroy();
    return;
  }
  try {
    await body[Symbol.asyncIterator]().return?.();
  } catch {
    // Releasing the connection is best effort.
  }
}

function networkDetail(e: unknown): string {
  const err = e as { message?: string; code?: string; cause?: { code?: string; message?: string } };
  const code = err?.cause?.code ?? err?.code;
  const msg = err?.cause?.message ?? err?.message ?? String(e);
  return code && !msg.includes(code) ? `${code} (${msg})` : msg;
}

function reachHint(): string {
  return 'Check this machine\'s network and DNS (Node\'s fetch does not use HTTP_PROXY/HTTPS_PROXY); or use --mirror URL, or --from-dir DIR with files copied here.';
}

function checkExpectedHash(h: string | undefined, label: string): void {
  if (h !== undefined && !isSha512Hex(h)) {
    throw new ReleaseError('bad-checksum-file', `internal: expected sha512 for ${label} is not 128 hex digits: ${preview(h)}`, label);
  }
}

function checkExpectedSha256(opts: VerifyOptions, label: string): void {
  if (opts.expectedSha256 !== undefined && opts.algorithm !== 'sha256') {
    throw new ReleaseError('bad-checksum-file', `internal: expectedSha256 for ${label} needs algorithm 'sha256'`, label);
  }
  const h = opts.expectedSha256;
  if (h !== undefined && !/^[0-9a-fA-F]{64}$/.test(h)) {
    throw new ReleaseError('bad-checksum-file', `internal: expected sha256 for ${label} is not 64 hex digits: ${preview(h)}`, label);
  }
}

/** Run `attempt` again on transient ReleaseErrors, waiting backoffMs, 2×, 4×, … in between. */
export async function withRetries<T>(
  label: string,
  opts: RetryOptions & { signal?: AbortSignal },
  attempt: () => Promise<T>,
): Promise<T> {
  const retries = Math.max(0, opts.retries ?? 3);
  let delay = opts.backoffMs ?? 500;
  for (let i = 0; ; i++) {
    try {
      return await attempt();
    } catch (e) {
      if (!(e instanceof ReleaseError) || !e.transient) throw e;
      if (i >= retries) {
        if (i === 0) throw e;
        throw new ReleaseError(e.kind, `${e.message} (gave up after ${i + 1} attempts)`, e.source, { ...e.opts, cause: e.opts.cause ?? e });
      }
      opts.onRetry?.({ attempt: i + 1, delayMs: delay, error: e });
      await sleep(delay, opts.signal, label);
      delay *= 2;
    }
  }
}

function sleep(ms: number, signal: AbortSignal | undefined, label: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(cancelled(label));
    const onAbort = () => {
      clearTimeout(t);
      reject(cancelled(label));
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
