// Runs the single-file bundle's program (scripts/bundle.mjs), compiled from V8's code cache
// when an earlier run left one.
//
// Why (issue 6, first frame): before the TUI can draw, V8 parses and compiles the ~1 MB
// program (React, Ink, the wizard): ~40 ms of every start, more than Node's own start-up.
// Code V8 compiled on an earlier run is loaded instead (measured on a 2-vCPU EPYC: first frame
// 172 ms -> ~130 ms, a bare `node -e 0` 62 ms). The cache is two files in
// <state-dir>/compile-cache/: the program's text (so the compressed copy in the bundle need not
// be unpacked, ~4 ms) and V8's code for it after a sha256 digest of both, named after the
// build, Node's version and the arch.
//
// Safety: cached code runs as code, so a cache is used only from a folder and files owned by
// this user that no one else can write, and written only below folders that are this user's
// alone and not reached through a symlink. V8 rejects code made by another V8 or for other
// flags but does not check the bytes: the digest does (damaged code crashed the wizard). Either
// way the program is then compiled as usual. Commands that
// record a run in the state folder (the TUI, apply, run, resume, undo, check) write the cache
// when it is missing or was rejected, as they exit; read-only commands and dry runs only read
// it. GVW_COMPILE_CACHE=off leaves it alone; GVW_COMPILE_CACHE=trace says on stderr what was done.

import { chmodSync, lstatSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { replacePrivateFile } from '../util/private-file.js';
import type { ParsedCli } from './args.js';

/** Starts the comment at the end of the bundle that holds the program (scripts/bundle.mjs). */
// Node shows this line when the file is cut short (an unterminated comment is a SyntaxError).
export const PACKED_MARK = '/* gvisor-wizard program (brotli, base64). A SyntaxError here means this file was cut short: copy it again.';

export interface BundledProgram {
  /** Identifies the program's text (a hash made when bundling). */
  build: string;
  /** Length of the program's text, checked against the cached copy. */
  length: number;
  /** The bundle's own URL (import.meta.url of the entry). */
  fileUrl: string;
}

const WRITERS: ReadonlySet<string> = new Set(['tui', 'apply', 'run', 'resume', 'undo', 'check']);

/** Where the cache of this build lives and whether this command may write it. */
export function cachePlan(cli: ParsedCli, build: string, env: NodeJS.ProcessEnv = process.env) {
  const dir = join(cli.options.stateDir, 'compile-cache');
  const stem = `program-${build}`;
  return {
    enabled: env.GVW_COMPILE_CACHE !== 'off',
    trace: env.GVW_COMPILE_CACHE === 'trace',
    mayWrite: WRITERS.has(cli.command) && !cli.dryRun,
    dir,
    stem,
    sourceFile: join(dir, `${stem}.js`),
    codeFile: join(dir, `${stem}-node${process.versions.node}-${process.arch}.v8`),
  };
}

/** Why `path` must not be trusted, or undefined: owned by this user, writable by no one else. */
export function untrusted(path: string, kind: 'dir' | 'file'): string | undefined {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return `${path} does not exist`;
  }
  if (kind === 'dir' ? !st.isDirectory() : !st.isFile()) return `${path} is not a ${kind === 'dir' ? 'folder' : 'plain file'}`;
  const uid = process.geteuid?.();
  if (uid !== undefined && st.uid !== uid) return `${path} belongs to uid ${st.uid}, not ${uid}`;
  if (st.mode & 0o022) return `${path} can be written by others (mode ${(st.mode & 0o777).toString(8)})`;
  return undefined;
}

/** The digest kept at the start of the code file: sha256 of the program's text and V8's code. */
function digest(require: NodeRequire, source: Buffer, code: Uint8Array): Buffer {
  return (require('node:crypto') as typeof import('node:crypto')).createHash('sha256').update(source).update(code).digest();
}
const DIGEST_BYTES = 32;

function readCache(plan: ReturnType<typeof cachePlan>, length: number, require: NodeRequire): { source: string; code: Buffer } | { why: string } {
  const bad = untrusted(plan.dir, 'dir') ?? untrusted(plan.sourceFile, 'file') ?? untrusted(plan.codeFile, 'file');
  if (bad) return { why: bad };
  try {
    const source = readFileSync(plan.sourceFile);
    if (source.length !== length) return { why: `${plan.sourceFile} has ${source.length} bytes, not ${length}` };
    const file = readFileSync(plan.codeFile);
    const code = file.subarray(DIGEST_BYTES);
    // V8 checks versions and lengths but, in release builds, not the bytes: damaged code would
    // crash the wizard (seen: ReferenceError, a V8 fatal error, a segfault), so the digest does.
    if (file.length <= DIGEST_BYTES || !digest(require, source, code).equals(file.subarray(0, DIGEST_BYTES))) return { why: `${plan.codeFile} is damaged (its digest does not match)` };
    // The program is ASCII (scripts/bundle.mjs checks), so latin1 is the exact, fastest decoding.
    return { source: source.toString('latin1'), code };
  } catch (e) {
    return { why: (e as Error).message };
  }
}

/**
 * Why `dir` is not a private folder of ours reached without a symbolic link, or undefined.
 * With `create`, a missing one is made (0700); one that exists is never changed.
 */
function privateFolder(dir: string, create: boolean): string | undefined {
  if (create) {
    try {
      mkdirSync(dir, { mode: 0o700 });
      chmodSync(dir, 0o700); // mkdir's mode is masked by the umask
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return (e as Error).message;
    }
  }
  return untrusted(dir, 'dir') ?? (realpathSync(dir) === dir ? undefined : `${dir} is reached through a symbolic link`);
}

function writeCache(plan: ReturnType<typeof cachePlan>, source: string, code: Buffer, require: NodeRequire): string {
  // Only below folders that are ours alone and reached without a symbolic link: never into a
  // folder the wizard refused (a practice DIR of another user, a symlinked state folder).
  const stateDir = dirname(plan.dir);
  const bad = privateFolder(dirname(stateDir), false) ?? privateFolder(stateDir, true) ?? privateFolder(plan.dir, true);
  if (bad) return `not written: ${bad}`;
  // Other builds' files (an older copy of the wizard) are of no use any more.
  for (const name of readdirSync(plan.dir)) if (name.startsWith('program-') && !name.startsWith(plan.stem)) rmSync(join(plan.dir, name), { force: true });
  // Not fsync'd: a file torn by a crash fails the digest and is made again.
  const text = Buffer.from(source, 'latin1');
  replacePrivateFile(plan.sourceFile, text);
  replacePrivateFile(plan.codeFile, Buffer.concat([digest(require, text, code), code]));
  return `written to ${plan.dir} (${code.length} bytes of code)`;
}

/**
 * The program from the comment at the end of the bundle. A comment, not a string literal: V8
 * skips a comment quickly but makes a string of a literal, ~5 ms for these ~380 KB on every
 * start (--version included), even when the cache makes the literal unnecessary.
 */
function unpack(fileUrl: string, require: NodeRequire): string {
  const path = new URL(fileUrl).pathname;
  const damaged = `${path} is damaged: the program at its end is missing or cut short. Copy the file again (npm run bundle makes it).`;
  const file = readFileSync(new URL(fileUrl), 'latin1');
  // On a line of its own: the entry's code holds the mark too, as this constant.
  const at = file.lastIndexOf(`\n${PACKED_MARK}`);
  const end = at < 0 ? -1 : file.indexOf('*/', at);
  if (end < 0) throw new Error(damaged);
  // Lines of base64: Buffer.from skips the line breaks.
  const packed = Buffer.from(file.slice(at + 1 + PACKED_MARK.length, end), 'base64');
  try {
    return (require('node:zlib') as typeof import('node:zlib')).brotliDecompressSync(packed).toString('latin1');
  } catch {
    throw new Error(damaged);
  }
}

/** Compiles and runs the program; resolves when its top level has finished. */
export async function runBundledProgram(cli: ParsedCli, p: BundledProgram): Promise<void> {
  const require = createRequire(p.fileUrl);
  const vm = require('node:vm') as typeof import('node:vm');
  const plan = cachePlan(cli, p.build);
  const say = (what: string) => { if (plan.trace) process.stderr.write(`gvisor-wizard: compile cache: ${what}\n`); };

  const cached = plan.enabled ? readCache(plan, p.length, require) : { why: 'off (GVW_COMPILE_CACHE=off)' };
  let source: string;
  try {
    source = 'source' in cached ? cached.source : unpack(p.fileUrl, require);
  } catch (e) {
    process.stderr.write(`gvisor-wizard: error: ${(e as Error).message}\n`);
    process.exit(1);
  }
  const script = new vm.Script(`(async function (__gvwRequire, require, __gvwFileUrl) {"use strict";${source}\n})`, {
    filename: `${p.fileUrl}#program`,
    cachedData: 'code' in cached ? cached.code : undefined,
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const used = 'code' in cached && !script.cachedDataRejected;
  say(used ? `used ${plan.codeFile}` : 'code' in cached ? `rejected by V8: ${plan.codeFile}` : `none: ${cached.why}`);
  if (plan.enabled && !used && plan.mayWrite) {
    // At exit the code V8 compiled while running (React, Ink, the first screens) is in the
    // cache too. (Made at the first pause instead, it held half as much and the first frame came
    // ~15 ms later.)
    process.once('exit', () => {
      try {
        say(writeCache(plan, source, script.createCachedData(), require));
      } catch (e) {
        say(`not written: ${(e as Error).message}`); // only slower next time
      }
    });
  }
  // `require` twice: as the program's own way to Node's modules, and for esbuild's require() shim.
  await (script.runInThisContext() as (...a: unknown[]) => Promise<void>)(require, require, p.fileUrl);
}
