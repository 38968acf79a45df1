// Small process helpers for the test harness (no dependency on src/).
import { spawn } from 'node:child_process';
import { accessSync, constants as fsc, readdirSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface CommandResult {
  /** Exit code; null when the process was killed by a signal or could not start. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** Set when the program could not be started (ENOENT, EACCES). */
  spawnError?: string;
}

export interface CommandOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Written to stdin, which is then closed. stdin is /dev/null otherwise. */
  input?: string | Buffer;
  /** SIGKILL after this long (default 120 s). */
  timeoutMs?: number;
}

/** Runs a program (no shell) and collects its output. Never rejects. */
export function runCommand(file: string, args: readonly string[], opts: CommandOptions = {}): Promise<CommandResult> {
  return new Promise((resolvePromise) => {
    const timeoutMs = opts.timeoutMs ?? 120_000;
    const child = spawn(file, [...args], {
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    let spawnError: string | undefined;
    let settled = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    if (opts.input !== undefined && child.stdin) {
      child.stdin.on('error', () => { /* EPIPE when the program does not read stdin */ });
      child.stdin.end(opts.input);
    }
    const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const r: CommandResult = {
        code, signal, timedOut,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      };
      if (spawnError !== undefined) r.spawnError = spawnError;
      resolvePromise(r);
    };
    child.on('error', (e) => {
      spawnError = e.message;
      finish(null, null);
    });
    child.on('close', (code, signal) => finish(code, signal));
  });
}

/** Like runCommand but throws (with stderr) unless the exit code is 0. */
export async function runChecked(file: string, args: readonly string[], opts: CommandOptions = {}): Promise<CommandResult> {
  const r = await runCommand(file, args, opts);
  if (r.code !== 0) {
    const why = r.spawnError ?? (r.timedOut ? 'timed out' : r.signal ? `killed by ${r.signal}` : `exit ${r.code}`);
    throw new Error(`${file} ${args.join(' ')}: ${why}\n${r.stderr.trim() || r.stdout.trim()}`);
  }
  return r;
}

function isExecutable(p: string): boolean {
  try {
    accessSync(p, fsc.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Path of an executable found on PATH plus the sbin dirs (root tools), or null. */
export function which(name: string, extraDirs: readonly string[] = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']): string | null {
  if (name.includes('/')) return isExecutable(name) ? name : null;
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...extraDirs];
  for (const d of dirs) {
    const p = join(d, name);
    if (isExecutable(p)) return p;
  }
  return null;
}

/** The first existing executable among the candidates, else `which(fallbackName)`. */
export function firstExecutable(candidates: readonly string[], fallbackName?: string): string | null {
  for (const c of candidates) if (isExecutable(c)) return c;
  return fallbackName ? which(fallbackName) : null;
}

export interface ProcEntry {
  pid: number;
  /** argv as read from /proc/PID/cmdline. */
  argv: string[];
  /** Short name from /proc/PID/comm. */
  comm: string;
}

/** Every process visible in /proc (kernel threads have an empty argv). */
export function listProcesses(): ProcEntry[] {
  const result: ProcEntry[] = [];
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return result;
  }
  for (const n of names) {
    if (!/^\d+$/.test(n)) continue;
    try {
      const raw = readFileSync(`/proc/${n}/cmdline`, 'utf8');
      const argv = raw.split('\0');
      if (argv.length && argv[argv.length - 1] === '') argv.pop();
      let comm = '';
      try {
        comm = readFileSync(`/proc/${n}/comm`, 'utf8').trim();
      } catch { /* exited */ }
      result.push({ pid: Number(n), argv, comm });
    } catch {
      /* the process exited while we looked */
    }
  }
  return result;
}

/** True while the pid exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // state is the field after the ")" that closes comm
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls until the pid is gone (or a zombie); returns false on timeout. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (!isAlive(pid)) return true;
    await sleep(100);
  }
  return !isAlive(pid);
}

/** Sends a signal, ignoring "no such process". */
export function signalPid(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Thrown by a pollUntil callback to stop polling at once (e.g. the daemon exited). */
export class PollAbort extends Error {}

/**
 * Calls `fn` until it returns something other than undefined/false/null, at most `timeoutMs`.
 * Throws `<label>: not reached within N ms` (plus the last error `fn` threw) on timeout;
 * errors thrown by `fn` are retried, except PollAbort, which ends the wait with `<label>: <message>`.
 */
export async function pollUntil<T>(
  fn: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  opts: { timeoutMs: number; intervalMs?: number; label?: string },
): Promise<T> {
  const end = Date.now() + opts.timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== null && v !== false) return v;
    } catch (e) {
      if (e instanceof PollAbort) throw new Error(`${opts.label ?? 'condition'}: ${e.message}`);
      lastError = e;
    }
    if (Date.now() >= end) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`${opts.label ?? 'condition'}: not reached within ${opts.timeoutMs} ms${why}`);
    }
    await sleep(opts.intervalMs ?? 200);
  }
}
