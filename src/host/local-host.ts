import { createHash } from 'node:crypto';
import { constants as fsc, createReadStream, readdirSync, readFileSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { formatArgv, RunLog } from '../log/run-log.js';
import type { Journal } from '../state/journal.js';
import { processIdentity } from '../state/process-identity.js';
import {
  DryRunRefusal, FileInfo, Host, HttpResponse, ProcessInfo, RunOptions, RunResult, WriteOptions, WriteResult,
} from './host.js';

export interface LocalHostOptions {
  /** Treat this directory as '/' for every file read or written (not for /proc). */
  root?: string;
  dryRun?: boolean;
  log: RunLog;
  /** Previous contents of every file the wizard replaces are copied below here. */
  backupDir?: string | null;
  /** Where every change is recorded for undo (none for dry runs and for undo itself). */
  journal?: Pick<Journal, 'record'> | null;
}

/** The real machine, as seen through --root and dry-run. */
export class LocalHost implements Host {
  readonly root: string;
  readonly dryRun: boolean;
  /** The step whose actions are being logged; set by the step engine. */
  step: string | undefined;
  private readonly log: RunLog;
  private readonly backupDir: string | null;
  private readonly journal: Pick<Journal, 'record'> | null;

  constructor(opts: LocalHostOptions) {
    this.root = opts.root && opts.root !== '/' ? opts.root.replace(/\/+$/, '') : '/';
    this.dryRun = opts.dryRun ?? false;
    this.log = opts.log;
    this.backupDir = opts.backupDir ?? null;
    this.journal = opts.journal ?? null;
  }

  resolve(machinePath: string): string {
    if (!isAbsolute(machinePath)) throw new Error(`internal: machine path must be absolute: ${machinePath}`);
    // /proc, /sys and /dev describe the running kernel, not files: never re-rooted.
    if (this.root === '/' || /^\/(proc|sys|dev)(\/|$)/.test(machinePath)) return machinePath;
    return join(this.root, machinePath);
  }

  async readFile(p: string): Promise<Buffer | null> {
    try {
      return await fs.readFile(this.resolve(p));
    } catch (e) {
      if (isNotFound(e)) return null;
      throw e;
    }
  }

  async readText(p: string): Promise<string | null> {
    const b = await this.readFile(p);
    return b === null ? null : b.toString('utf8');
  }

  async stat(p: string): Promise<FileInfo | null> {
    try {
      const s = await fs.stat(this.resolve(p));
      return { mode: s.mode & 0o7777, uid: s.uid, gid: s.gid, size: s.size, mtimeMs: s.mtimeMs, isFile: s.isFile(), isDirectory: s.isDirectory() };
    } catch (e) {
      if (isNotFound(e)) return null;
      throw e;
    }
  }

  async listDir(p: string): Promise<string[]> {
    try {
      return (await fs.readdir(this.resolve(p))).sort();
    } catch (e) {
      if (isNotFound(e)) return [];
      throw e;
    }
  }

  async writeFileAtomic(p: string, data: string | Buffer, opts: WriteOptions = {}): Promise<WriteResult> {
    if (this.dryRun) throw new DryRunRefusal(`write ${p}`);
    const real = await this.followSymlink(this.resolve(p));
    const old = await this.stat(p);
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let backupPath: string | undefined;
    if (old) {
      const current = await fs.readFile(real);
      if (current.equals(buf)) return { path: p, created: false, changed: false };
      backupPath = await this.backup(p, current, old.mode);
    } else {
      await this.mkdirRecorded(dirname(p));
    }
    const mode = old ? old.mode : (opts.mode ?? 0o644);
    await this.writeAndRename(real, buf, mode, old ? { uid: old.uid, gid: old.gid } : null, opts.validate);
    this.journal?.record({ step: this.step, action: 'write', path: p, created: !old, backup: backupPath, sha256: sha256(buf) });
    this.log.info(`${old ? 'wrote' : 'created'} ${p}${backupPath ? ` (previous content saved as ${backupPath})` : ''}`, this.step);
    return { path: p, backupPath, created: !old, changed: true };
  }

  async installFile(fromRealPath: string, p: string, mode: number): Promise<WriteResult> {
    if (this.dryRun) throw new DryRunRefusal(`install ${p}`);
    const real = this.resolve(p);
    await this.mkdirRecorded(dirname(p));
    const old = await this.stat(p);
    let backupPath: string | undefined;
    if (old?.isFile) backupPath = await this.backup(p, await fs.readFile(real), old.mode);
    // Copy next to the target first so the final rename never crosses filesystems.
    const tmp = join(dirname(real), `.${basename(real)}.gvw-tmp-${process.pid}`);
    try {
      await fs.copyFile(fromRealPath, tmp);
      await fs.chmod(tmp, mode);
      const fh = await fs.open(tmp, 'r');
      try { await fh.sync(); } finally { await fh.close(); }
      await fs.rename(tmp, real);
    } catch (e) {
      await fs.rm(tmp, { force: true });
      throw e;
    }
    await syncDir(dirname(real));
    if (this.journal) this.journal.record({ step: this.step, action: 'install', path: p, created: !old, backup: backupPath, sha256: await sha256OfFile(real) });
    this.log.info(`installed ${p} (mode ${mode.toString(8)})${backupPath ? `, previous file saved as ${backupPath}` : ''}`, this.step);
    return { path: p, backupPath, created: !old, changed: true };
  }

  async mkdirp(p: string, mode = 0o755): Promise<void> {
    if (this.dryRun) throw new DryRunRefusal(`create directory ${p}`);
    await this.mkdirRecorded(p, mode);
  }

  async removeFile(p: string): Promise<void> {
    if (this.dryRun) throw new DryRunRefusal(`remove ${p}`);
    const old = await this.stat(p);
    // Saved first like any replaced file, so undo can put it back.
    const backupPath = old?.isFile ? await this.backup(p, await fs.readFile(this.resolve(p)), old.mode) : undefined;
    await fs.rm(this.resolve(p), { force: true });
    if (old) this.journal?.record({ step: this.step, action: 'remove', path: p, created: false, backup: backupPath });
    this.log.info(`removed ${p}`, this.step);
  }

  /** mkdir -p that records the folders it created (the top-most one), so undo can remove them when empty. */
  private async mkdirRecorded(p: string, mode = 0o755): Promise<void> {
    const first = await fs.mkdir(this.resolve(p), { recursive: true, mode });
    if (first === undefined || !this.journal) return;
    const machine = this.root === '/' ? first : first.slice(this.root.length) || '/';
    this.journal.record({ step: this.step, action: 'mkdir', path: machine, created: true });
  }

  async makeTempDir(prefix: string): Promise<string> {
    const base = process.env.TMPDIR || tmpdir();
    await sweepStaleTempDirs(base, prefix);
    // The pid in the name lets a later run tell a killed run's leftovers (a partial download) from a live one's.
    return fs.mkdtemp(join(base, `${prefix}-${process.pid}-`));
  }

  async removeTempDir(realPath: string): Promise<void> {
    await fs.rm(realPath, { recursive: true, force: true });
  }

  async run(argv: string[], opts: RunOptions = {}): Promise<RunResult> {
    if (argv.length === 0) throw new Error('internal: empty argv');
    if (this.dryRun && !opts.readOnly) throw new DryRunRefusal(`run ${formatArgv(argv)}`);
    const step = this.step;
    this.log.write('cmd', formatArgv(argv), step);
    const started = Date.now();
    const [file, ...args] = argv as [string, ...string[]];
    // Loaded on first use: execa's module graph is the largest part of the wizard's start-up
    // after Ink, and the TUI's first frame does not need it.
    const { execa } = await loadExeca();
    const child = execa(file, args, {
      reject: false,
      timeout: opts.timeoutMs,
      env: opts.env as Record<string, string> | undefined,
      extendEnv: true,
      input: opts.input,
      stdin: opts.input === undefined ? 'ignore' : undefined,
      cwd: opts.cwd,
      cancelSignal: opts.signal,
      forceKillAfterDelay: 3000,
      stripFinalNewline: false,
      // The output is kept here, bounded (see RunResult.stdout): execa would buffer all of it.
      buffer: false,
    });
    const kept = { stdout: new KeptOutput(), stderr: new KeptOutput() };
    const onLine = (stream: 'stdout' | 'stderr') => {
      let partial = '';
      // A chunk can end inside a multi-byte UTF-8 character: decode across chunks.
      const decoder = new StringDecoder('utf8');
      return (chunk: Buffer | string) => {
        const text = partial + (typeof chunk === 'string' ? chunk : decoder.write(chunk));
        const lines = text.split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) this.emitLine(stream, line, step, opts);
      };
    };
    const outLine = onLine('stdout');
    const errLine = onLine('stderr');
    const keep = (stream: 'stdout' | 'stderr', line: (chunk: Buffer | string) => void) => (chunk: Buffer | string) => {
      kept[stream].add(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
      line(chunk);
    };
    child.stdout?.on('data', keep('stdout', outLine));
    child.stderr?.on('data', keep('stderr', errLine));
    const r = await child;
    // Flush a last line that had no newline.
    outLine('\n'); errLine('\n');
    const stdout = kept.stdout.text();
    const stderr = kept.stderr.text();
    const spawnError = r.exitCode === undefined && !r.timedOut && !r.isCanceled ? (r.cause as Error | undefined)?.message ?? r.shortMessage : undefined;
    const result: RunResult = {
      argv,
      exitCode: r.exitCode ?? null,
      stdout,
      stderr,
      timedOut: Boolean(r.timedOut),
      spawnError,
      ok: r.exitCode === 0 && !r.timedOut,
    };
    const ms = Date.now() - started;
    const how = result.timedOut ? `timed out after ${opts.timeoutMs} ms` : spawnError ? `could not start: ${spawnError}` : r.isCanceled ? 'cancelled' : `exit ${result.exitCode}`;
    this.log.write('exit', `${how} (${ms} ms): ${formatArgv(argv)}`, step, true);
    return result;
  }

  private emitLine(stream: 'stdout' | 'stderr', line: string, step: string | undefined, opts: RunOptions): void {
    if (line === '') return;
    this.log.write(stream === 'stdout' ? 'out' : 'err', line, step, opts.quiet);
    opts.onLine?.(stream, line);
  }

  async listProcesses(): Promise<ProcessInfo[]> {
    // Read synchronously: /proc answers from memory, and a few hundred small reads cost ~2 ms
    // this way against ~30 ms as awaited reads (detection and the check look several times).
    const out: ProcessInfo[] = [];
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      try {
        const raw = readFileSync(`/proc/${name}/cmdline`);
        if (raw.length === 0) continue; // kernel threads
        const argv = raw.toString('utf8').split('\0');
        if (argv[argv.length - 1] === '') argv.pop();
        out.push({ pid: Number(name), argv });
      } catch {
        // The process ended while we looked: ignore it.
      }
    }
    return out;
  }

  async processEnv(pid: number): Promise<Record<string, string> | null> {
    try {
      const raw = await fs.readFile(`/proc/${pid}/environ`, 'utf8');
      const env: Record<string, string> = {};
      for (const kv of raw.split('\0')) {
        const i = kv.indexOf('=');
        if (i > 0) env[kv.slice(0, i)] = kv.slice(i + 1);
      }
      return env;
    } catch {
      return null;
    }
  }

  async signal(pid: number, signal: NodeJS.Signals): Promise<void> {
    if (this.dryRun) throw new DryRunRefusal(`send ${signal} to pid ${pid}`);
    this.log.write('cmd', `kill -s ${signal.replace(/^SIG/, '')} ${pid}`, this.step);
    process.kill(pid, signal);
  }

  async fetch(url: string, opts: { signal?: AbortSignal } = {}): Promise<HttpResponse> {
    const res = await fetch(url, { signal: opts.signal, redirect: 'follow' });
    return {
      status: res.status,
      statusText: res.statusText,
      headers: res.headers,
      // The web stream itself (async iterable): wrapping it in a Node stream cost a quarter
      // of a download's CPU time (scripts/bench.mjs).
      body: res.body as AsyncIterable<Uint8Array> | null,
    };
  }

  /** The copy keeps the file's mode (a restored binary stays executable); the folder is root-only. */
  /**
   * A config that is a symlink (to a file managed elsewhere) is edited where it points, so the
   * link stays a link. Under --root a link is not followed (its target may lie outside DIR).
   */
  private async followSymlink(real: string): Promise<string> {
    if (this.root !== '/') return real;
    try {
      return (await fs.lstat(real)).isSymbolicLink() ? await fs.realpath(real) : real;
    } catch {
      return real;
    }
  }

  private async backup(p: string, content: Buffer, mode: number): Promise<string | undefined> {
    if (!this.backupDir) return undefined;
    // A file changed twice in one run keeps both earlier contents: undo steps back through each.
    let target = join(this.backupDir, p);
    for (let n = 1; await exists(target); n++) target = `${join(this.backupDir, p)}.${n}`;
    await fs.mkdir(dirname(target), { recursive: true, mode: 0o700 });
    await fs.writeFile(target, content, { mode: 0o600 });
    await fs.chmod(target, mode & 0o777);
    return target;
  }

  private async writeAndRename(real: string, buf: Buffer, mode: number, owner: { uid: number; gid: number } | null, validate?: (tmp: string) => Promise<void>): Promise<void> {
    const tmp = join(dirname(real), `.${basename(real)}.gvw-tmp-${process.pid}`);
    try {
      const fh = await fs.open(tmp, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_TRUNC, 0o600);
      try {
        await fh.writeFile(buf);
        await fh.chmod(mode);
        if (owner && process.getuid?.() === 0) await fh.chown(owner.uid, owner.gid);
        await fh.sync();
      } finally {
        await fh.close();
      }
      if (validate) await validate(tmp);
      await fs.rename(tmp, real);
    } catch (e) {
      await fs.rm(tmp, { force: true });
      throw e;
    }
    await syncDir(dirname(real));
  }
}

async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await fs.open(dir, 'r');
    try { await fh.sync(); } finally { await fh.close(); }
  } catch {
    // Some filesystems refuse fsync on directories; the rename is still atomic.
  }
}

/** What a RunResult keeps of one output stream: all of it up to 1 MiB, else its first and last 512 KiB. */
export class KeptOutput {
  static readonly HALF = 512 * 1024;
  private head: Buffer[] = [];
  private headBytes = 0;
  private tail: Buffer[] = [];
  private tailBytes = 0;
  private dropped = 0;

  add(chunk: Buffer): void {
    const half = KeptOutput.HALF;
    if (this.headBytes < half) {
      const take = Math.min(chunk.length, half - this.headBytes);
      this.head.push(chunk.subarray(0, take));
      this.headBytes += take;
      chunk = chunk.subarray(take);
    }
    if (chunk.length === 0) return;
    this.tail.push(chunk);
    this.tailBytes += chunk.length;
    // Drop whole chunks from the front while the rest still holds the last 512 KiB.
    while (this.tail.length > 1 && this.tailBytes - this.tail[0]!.length >= half) {
      const first = this.tail.shift()!;
      this.tailBytes -= first.length;
      this.dropped += first.length;
    }
  }

  text(): string {
    if (this.headBytes + this.tailBytes <= 2 * KeptOutput.HALF && this.dropped === 0) {
      return Buffer.concat([...this.head, ...this.tail]).toString('utf8');
    }
    const tail = Buffer.concat(this.tail);
    const cut = tail.length - KeptOutput.HALF;
    const omitted = this.dropped + cut;
    return `${Buffer.concat(this.head).toString('utf8')}\n[... ${omitted} bytes of output not kept in memory; the log file has all of it ...]\n${tail.subarray(cut).toString('utf8')}`;
  }
}

let execaModule: Promise<typeof import('execa')> | undefined;
function loadExeca(): Promise<typeof import('execa')> {
  return (execaModule ??= import('execa'));
}

/** Removes `<prefix>-<pid>-*` folders whose process is gone (kill -9 leaves its temp folder behind). */
async function sweepStaleTempDirs(base: string, prefix: string): Promise<void> {
  let names: string[];
  try {
    names = await fs.readdir(base);
  } catch {
    return;
  }
  const own = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-(\\d+)-`);
  for (const n of names) {
    const pid = Number(own.exec(n)?.[1]);
    if (!pid || pid === process.pid || processIdentity(pid) !== undefined) continue;
    await fs.rm(join(base, n), { recursive: true, force: true }).catch(() => {});
  }
}

async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(() => true, () => false);
}

function sha256(buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex');
}

export async function sha256OfFile(realPath: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(realPath, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

function isNotFound(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
