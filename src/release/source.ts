// Where release files come from: gVisor's bucket or a mirror over HTTP, or a local
// directory for air-gapped labs (--from-dir DIR, the files sitting directly in DIR
// with the names they have in the bucket). Both deliver a file through the same
// single verifying pass (receiveVerified).

import { posix } from 'node:path';
import type { ReleaseArch } from '../detect/facts.js';
import type { Host } from '../host/host.js';
import { DEFAULT_BUCKET, normalizeBaseUrl, parseRelease, releaseDirUrl, type Release } from './channel.js';
import {
  downloadVerified, fetchText, receiveVerified, ReleaseError,
  type DownloadResult, type RetryOptions, type VerifyOptions,
} from './download.js';

export interface ReleaseSource {
  readonly kind: 'http' | 'dir';
  /** The directory URL or directory path, for messages. */
  readonly location: string;
  /** Full URL or path of one file of the release. */
  locate(name: string): string;
  /** A small text file (a .sha512). Throws ReleaseError kind 'not-found' when it is absent. */
  readText(name: string, opts?: { signal?: AbortSignal }): Promise<string>;
  /** Deliver a file to destRealPath with every check of receiveVerified. */
  fetchFile(name: string, destRealPath: string, opts: VerifyOptions): Promise<DownloadResult>;
}

/** gVisor's bucket or a mirror: `dirUrl` is the release directory for one arch (releaseDirUrl). */
export class HttpReleaseSource implements ReleaseSource {
  readonly kind = 'http' as const;
  readonly location: string;

  constructor(private readonly host: Host, dirUrl: string, private readonly retry: RetryOptions = {}) {
    this.location = normalizeBaseUrl(dirUrl);
  }

  locate(name: string): string {
    return `${this.location}/${encodeURIComponent(name)}`;
  }

  readText(name: string, opts: { signal?: AbortSignal } = {}): Promise<string> {
    return fetchText(this.host, this.locate(name), { ...this.retry, signal: opts.signal });
  }

  fetchFile(name: string, destRealPath: string, opts: VerifyOptions): Promise<DownloadResult> {
    return downloadVerified(this.host, this.locate(name), destRealPath, { ...this.retry, ...opts });
  }
}

/**
 * Files already on this machine (--from-dir). `dir` is an absolute machine path, read
 * through the Host (so it is found under --root like every other path). Each file is
 * read once, and checked exactly like a download.
 */
export class LocalDirSource implements ReleaseSource {
  readonly kind = 'dir' as const;
  readonly location: string;

  constructor(private readonly host: Host, dir: string) {
    if (!posix.isAbsolute(dir)) throw new Error(`--from-dir needs an absolute path, got "${dir}"`);
    this.location = posix.normalize(dir).replace(/(.)\/+$/, '$1');
  }

  locate(name: string): string {
    return posix.join(this.location, name);
  }

  async readText(name: string): Promise<string> {
    const buf = await this.read(name);
    if (buf.length > 64 * 1024) {
      throw new ReleaseError('bad-checksum-file', `${this.locate(name)} is larger than 64 KiB, so it is not a checksum file. Put the ${name} file of the release there.`, this.locate(name));
    }
    return buf.toString('utf8');
  }

  async fetchFile(name: string, destRealPath: string, opts: VerifyOptions): Promise<DownloadResult> {
    const buf = await this.read(name);
    return receiveVerified({ body: slices(buf), contentLength: buf.length }, this.locate(name), destRealPath, opts);
  }

  private async read(name: string): Promise<Buffer> {
    const path = this.locate(name);
    const info = await this.host.stat(path);
    if (!info) {
      throw new ReleaseError(
        'not-found',
        `file not found: ${path}. Copy the release files into ${this.location} under their bucket names ` +
          `(for example runsc and runsc.sha512 from ${DEFAULT_BUCKET}/release/latest/x86_64/).`,
        path,
      );
    }
    if (!info.isFile) throw new ReleaseError('not-found', `${path} is not a regular file. Put the release file ${name} there.`, path);
    const buf = await this.host.readFile(path);
    if (buf === null) throw new ReleaseError('not-found', `file not found: ${path} (it disappeared while being read).`, path);
    return buf;
  }
}

/** Hand a buffer over in 1 MiB pieces so progress reports and ELF checks behave as for a download. */
async function* slices(buf: Buffer): AsyncGenerator<Uint8Array> {
  const step = 1 << 20;
  for (let i = 0; i < buf.length; i += step) yield buf.subarray(i, i + step);
}

export interface SourceChoice {
  /** --release: latest (default), nightly, YYYYMMDD[.N]. */
  release?: string | Release;
  /** --mirror URL: replaces the bucket base. */
  mirror?: string;
  /** --from-dir DIR: files already on this machine. */
  fromDir?: string;
  retry?: RetryOptions;
}

/** Build the source the operator chose. --mirror and --from-dir exclude each other. */
export function chooseSource(host: Host, arch: ReleaseArch, c: SourceChoice): ReleaseSource {
  if (c.fromDir !== undefined && c.mirror !== undefined) {
    throw new Error('--from-dir and --mirror cannot be used together: choose files on this machine (--from-dir) or a server (--mirror).');
  }
  if (c.fromDir !== undefined) return new LocalDirSource(host, c.fromDir);
  const release = typeof c.release === 'object' ? c.release : parseRelease(c.release ?? 'latest');
  return new HttpReleaseSource(host, releaseDirUrl(c.mirror ?? DEFAULT_BUCKET, release, arch), c.retry);
}
