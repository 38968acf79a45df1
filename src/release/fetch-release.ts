// Fetch one gVisor release into a work directory and verify it.
//
// gVisor's bucket has had two layouts:
//   (a) loose:   runsc, containerd-shim-runsc-v1, each with <file>.sha512
//   (b) tarball: gvisor.tar.bz2 + gvisor.tar.bz2.sha512 holding runsc,
//                containerd-shim-runsc-v1 and gvisor-bin/ (helpers that must stay
//                next to runsc), at the top of the archive or under one top folder.
// (b)'s .sha512 is tried first; only a "not found" answer falls back to (a).

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import * as fs from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { ReleaseArch } from '../detect/facts.js';
import type { Host } from '../host/host.js';
import { isReleaseError, ReleaseError, type Progress } from './download.js';
import { checkElf, ELF_HEADER_BYTES, ElfError } from './elf.js';
import { parseSha512 } from './sha512.js';
import type { ReleaseSource } from './source.js';

export const RUNSC = 'runsc';
export const SHIM = 'containerd-shim-runsc-v1';
export const TARBALL = 'gvisor.tar.bz2';
export const HELPERS_DIR = 'gvisor-bin';

export interface FetchReleaseOptions {
  /** When false, a release without containerd-shim-runsc-v1 is accepted (shim reported absent). */
  requireShim: boolean;
  signal?: AbortSignal;
  /** Progress of each file as it arrives (file is the release file name). */
  onProgress?: (file: string, p: Progress) => void;
}

export interface FetchedBinary {
  /** Real path inside workDir, ready for host.installFile. */
  realPath: string;
  sha512: string;
  size: number;
}

export interface FetchedRelease {
  layout: 'loose' | 'tarball';
  runsc: FetchedBinary;
  shim?: FetchedBinary;
  /** Real path of gvisor-bin/ (tarball layout): install it next to runsc. */
  helpersDir?: string;
  /** Every URL (or --from-dir path) that was used. */
  urls: string[];
  /** Things the operator should hear about (a missing shim, …). */
  notes: string[];
}

/**
 * Fetch and verify the release offered by `source` for `arch` into `workDir` (a real
 * path, e.g. from host.makeTempDir). Throws ReleaseError; files this call created in
 * workDir are removed on failure.
 */
export async function fetchRelease(
  host: Host,
  source: ReleaseSource,
  arch: ReleaseArch,
  workDir: string,
  opts: FetchReleaseOptions,
): Promise<FetchedRelease> {
  const created: string[] = [];
  try {
    const tarSha = await readChecksum(source, TARBALL, opts.signal);
    if (tarSha) return await fetchTarball(host, source, arch, workDir, opts, tarSha, created);
    return await fetchLoose(source, arch, workDir, opts, created);
  } catch (e) {
    for (const p of created.reverse()) await fs.rm(p, { recursive: true, force: true }).catch(() => undefined);
    throw e;
  }
}

interface Checksum { hash: string; url: string }

/** The checksum for `file`, or null when its .sha512 is not there. */
async function readChecksum(source: ReleaseSource, file: string, signal?: AbortSignal): Promise<Checksum | null> {
  const name = `${file}.sha512`;
  const url = source.locate(name);
  let text: string;
  try {
    text = await source.readText(name, { signal });
  } catch (e) {
    if (isReleaseError(e, 'not-found')) return null;
    throw e;
  }
  let entry;
  try {
    entry = parseSha512(text, url, file);
  } catch (e) {
    throw new ReleaseError('bad-checksum-file', (e as Error).message, url, { cause: e });
  }
  if (entry.name !== undefined && entry.name.replace(/^.*\//, '') !== file) {
    throw new ReleaseError(
      'bad-checksum-file',
      `checksum file ${url} is for "${entry.name}", not for ${file}: the files of the release are mixed up. Fetch ${name} again from the same release.`,
      url,
    );
  }
  return { hash: entry.hash, url };
}

async function fetchLoose(
  source: ReleaseSource, arch: ReleaseArch, workDir: string, opts: FetchReleaseOptions, created: string[],
): Promise<FetchedRelease> {
  const urls: string[] = [];
  const notes: string[] = [];
  const runscSum = await readChecksum(source, RUNSC, opts.signal);
  if (!runscSum) {
    throw new ReleaseError(
      'not-found',
      `no gVisor release at ${source.location}: neither ${TARBALL}.sha512 nor ${RUNSC}.sha512 is there. ` +
        (source.kind === 'dir'
          ? `Copy the release files (${RUNSC}, ${RUNSC}.sha512, ${SHIM}, ${SHIM}.sha512, or ${TARBALL} and ${TARBALL}.sha512) into that directory.`
          : 'Check --release (the date must be a published release) and the architecture, or the --mirror URL.'),
      source.locate(`${RUNSC}.sha512`),
    );
  }
  urls.push(runscSum.url);
  const runsc = await fetchBinary(source, RUNSC, runscSum, arch, workDir, opts, created);
  urls.push(source.locate(RUNSC));

  let shim: FetchedBinary | undefined;
  const shimSum = await readChecksum(source, SHIM, opts.signal);
  if (shimSum) {
    urls.push(shimSum.url);
    shim = await fetchBinary(source, SHIM, shimSum, arch, workDir, opts, created);
    urls.push(source.locate(SHIM));
  } else if (opts.requireShim) {
    throw new ReleaseError(
      'missing',
      `this release has no ${SHIM} (${source.locate(`${SHIM}.sha512`)} is not there), and containerd needs it to run runsc. ` +
        (source.kind === 'dir' ? `Copy ${SHIM} and ${SHIM}.sha512 into ${source.location}, ` : 'Choose another --release or mirror, ') +
        'or use docker only.',
      source.locate(SHIM),
    );
  } else {
    notes.push(`${SHIM} is not part of this release (${source.location}); it was not fetched.`);
  }
  return shim ? { layout: 'loose', runsc, shim, urls, notes } : { layout: 'loose', runsc, urls, notes };
}

async function fetchBinary(
  source: ReleaseSource, name: string, sum: Checksum, arch: ReleaseArch, workDir: string, opts: FetchReleaseOptions, created: string[],
): Promise<FetchedBinary> {
  const dest = join(workDir, name);
  created.push(dest);
  const r = await source.fetchFile(name, dest, {
    expectedSha512: sum.hash,
    expectElf: true,
    arch,
    signal: opts.signal,
    onProgress: opts.onProgress && ((p) => opts.onProgress!(name, p)),
  });
  return { realPath: dest, sha512: r.sha512, size: r.bytes };
}

async function fetchTarball(
  host: Host, source: ReleaseSource, arch: ReleaseArch, workDir: string, opts: FetchReleaseOptions, sum: Checksum, created: string[],
): Promise<FetchedRelease> {
  const urls = [sum.url];
  const notes: string[] = [];
  const tarUrl = source.locate(TARBALL);
  const tarball = join(workDir, TARBALL);
  created.push(tarball);
  await source.fetchFile(TARBALL, tarball, {
    expectedSha512: sum.hash,
    expectElf: false,
    signal: opts.signal,
    onProgress: opts.onProgress && ((p) => opts.onProgress!(TARBALL, p)),
  });
  urls.push(tarUrl);

  // List first: refuse members that would land outside the extraction directory.
  const list = await host.run(['tar', '-tjf', tarball], { readOnly: true, signal: opts.signal, timeoutMs: 300_000 });
  if (!list.ok) throw tarFailure('read', tarUrl, list);
  const members = list.stdout.split('\n').filter((l) => l !== '');
  const bad = members.filter(unsafeMember);
  if (bad.length > 0) {
    throw new ReleaseError(
      'archive',
      `refusing ${tarUrl}: it has members outside its own folder (${bad.slice(0, 5).map((m) => JSON.stringify(m)).join(', ')}` +
        `${bad.length > 5 ? `, and ${bad.length - 5} more` : ''}). A release archive never has absolute paths or "..": ` +
        'this one was not made by gVisor. Nothing was extracted; check the mirror or --from-dir file.',
      tarUrl,
    );
  }

  const outDir = join(workDir, 'gvisor-extracted');
  created.push(outDir);
  await fs.rm(outDir, { recursive: true, force: true });
  await fs.mkdir(outDir, { mode: 0o700 });
  const x = await host.run(['tar', '-xjf', tarball, '-C', outDir, '--no-same-owner', '--no-same-permissions'], { readOnly: true, signal: opts.signal, timeoutMs: 300_000 });
  if (!x.ok) throw tarFailure('extract', tarUrl, x);
  await checkTree(outDir, tarUrl);

  const base = await findBase(outDir, tarUrl, members);
  const runsc = await inspectBinary(join(base, RUNSC), `${RUNSC} in ${tarUrl}`, arch, tarUrl, true);
  const shim = await inspectBinary(join(base, SHIM), `${SHIM} in ${tarUrl}`, arch, tarUrl, opts.requireShim);
  if (!shim) notes.push(`${SHIM} is not in ${tarUrl}; it was not fetched.`);
  const helpers = join(base, HELPERS_DIR);
  const helpersInfo = await fs.lstat(helpers).catch(() => null);
  let helpersDir: string | undefined;
  if (helpersInfo?.isDirectory()) helpersDir = await fs.realpath(helpers);
  else notes.push(`${tarUrl} has no ${HELPERS_DIR}/ folder; only runsc${shim ? ' and the shim' : ''} will be installed.`);

  const out: FetchedRelease = { layout: 'tarball', runsc: runsc!, urls, notes };
  if (shim) out.shim = shim;
  if (helpersDir) out.helpersDir = helpersDir;
  return out;
}

/** True for a tar member name that could land outside the extraction folder: absolute, or with a `..` component. */
export function unsafeMember(name: string): boolean {
  if (name.startsWith('/')) return true;
  return name.split('/').some((seg) => seg === '..');
}

function tarFailure(what: 'read' | 'extract', tarUrl: string, r: { stderr: string; spawnError?: string; exitCode: number | null; timedOut: boolean }): ReleaseError {
  const detail = r.spawnError ?? (r.stderr.trim().split('\n').slice(-3).join(' / ') || `exit code ${r.exitCode}`);
  const needBzip2 = /bzip2/i.test(detail) && /(not found|cannot exec|no such file)/i.test(detail);
  const hint = r.spawnError
    ? 'Install tar (apt-get install tar) and try again.'
    : needBzip2
      ? 'Install bzip2 (apt-get install bzip2) and try again.'
      : 'The archive is damaged or not a bzip2 tar file; try again, or check the mirror or --from-dir file.';
  return new ReleaseError('archive', `could not ${what} ${tarUrl}: ${detail}. ${hint}`, tarUrl);
}

/** After extraction: only files, folders and symlinks that stay inside `root`. `what` names the archive's kind in messages. */
export async function checkTree(root: string, tarUrl: string, what = 'a gVisor release'): Promise<void> {
  const realRoot = await fs.realpath(root);
  const walk = async (dir: string): Promise<void> => {
    for (const name of await fs.readdir(dir)) {
      const p = join(dir, name);
      const st = await fs.lstat(p);
      const rel = relative(root, p);
      if (st.isDirectory()) await walk(p);
      else if (st.isSymbolicLink()) {
        const target = await fs.realpath(p).catch(() => null);
        if (target === null || (target !== realRoot && !target.startsWith(realRoot + sep))) {
          throw new ReleaseError('archive', `refusing ${tarUrl}: member ${rel} is a link to ${await fs.readlink(p)}, outside the archive. Check the mirror or --from-dir file.`, tarUrl);
        }
      } else if (!st.isFile()) {
        throw new ReleaseError('archive', `refusing ${tarUrl}: member ${rel} is a device, socket or pipe, which ${what} never contains. Check the mirror or --from-dir file.`, tarUrl);
      }
    }
  };
  await walk(root);
}

/** runsc at the top of the archive, or under its one top folder. */
async function findBase(outDir: string, tarUrl: string, members: string[]): Promise<string> {
  const top = await fs.readdir(outDir);
  if (top.includes(RUNSC)) return outDir;
  if (top.length === 1) {
    const only = join(outDir, top[0]!);
    if ((await fs.lstat(only)).isDirectory() && (await fs.readdir(only)).includes(RUNSC)) return only;
  }
  const shown = members.slice(0, 8).join(', ');
  throw new ReleaseError(
    'missing',
    `${tarUrl} has no ${RUNSC} at its top or under one top folder (it holds: ${shown || 'nothing'}${members.length > 8 ? ', …' : ''}). ` +
      'It is not a gVisor release archive; check the mirror or --from-dir file, or pick another --release.',
    tarUrl,
  );
}

/** Check an extracted program (one read: header, size and sha512 together). */
async function inspectBinary(path: string, label: string, arch: ReleaseArch, tarUrl: string, required: boolean): Promise<FetchedBinary | undefined> {
  const st = await fs.stat(path).catch(() => null);
  if (!st) {
    if (!required) return undefined;
    throw new ReleaseError('missing', `${tarUrl} does not contain ${label.split(' ')[0]}; the archive is incomplete. Pick another --release or check the mirror.`, tarUrl);
  }
  if (!st.isFile()) throw new ReleaseError('archive', `${label} is not a regular file; the archive is not a gVisor release.`, tarUrl);
  const realPath = await fs.realpath(path);
  const { sha512, size, header } = await hashStream(createReadStream(realPath));
  try {
    checkElf(header, size, arch);
  } catch (e) {
    if (!(e instanceof ElfError)) throw e;
    throw new ReleaseError(e.problem === 'wrong-arch' ? 'wrong-arch' : 'not-elf', `${label}: ${e.message}. Nothing was installed; check the mirror, --from-dir file or architecture.`, tarUrl);
  }
  return { realPath, sha512, size };
}

async function hashStream(stream: AsyncIterable<Buffer | Uint8Array>): Promise<{ sha512: string; size: number; header: Buffer }> {
  const hash = createHash('sha512');
  let size = 0;
  const head: Buffer[] = [];
  let headLen = 0;
  for await (const chunk of stream) {
    const buf = Buffer.from(chunk);
    if (headLen < ELF_HEADER_BYTES) {
      const part = buf.subarray(0, ELF_HEADER_BYTES - headLen);
      head.push(part);
      headLen += part.length;
    }
    hash.update(buf);
    size += buf.length;
  }
  return { sha512: hash.digest('hex'), size, header: Buffer.concat(head) };
}

/**
 * sha512 of an installed file (machine path, read through the Host), or null when
 * it does not exist: "already installed and identical → skip".
 */
export async function sha512OfFile(host: Host, machinePath: string): Promise<string | null> {
  const buf = await host.readFile(machinePath);
  return buf === null ? null : createHash('sha512').update(buf).digest('hex');
}
