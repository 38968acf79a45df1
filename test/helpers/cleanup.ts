// Cleanup utilities for e2e tests: kill leftovers, bound waits, and a registry of
// cleanup actions that runs in after() even when a test failed half way.
import { after } from 'node:test';
import { listProcesses, ProcEntry, signalPid, sleep } from './proc.js';

/** Rejects with `<label> timed out after N ms` when the promise takes longer. */
export function withTimeout<T>(promise: Promise<T>, ms: number, label = 'operation'): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${label} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Processes (other than this one and its ancestors) whose cmdline contains `substr`.
 * When `substr` is an absolute path, it only matches as a whole path component:
 * "/tmp/gvw-ab12" matches "/tmp/gvw-ab12/x" and "--root=/tmp/gvw-ab12" but not "/tmp/gvw-ab123".
 */
export function processesMatching(substr: string, opts: { names?: readonly string[] } = {}): ProcEntry[] {
  if (!substr) throw new Error('processesMatching: empty pattern would match everything');
  const re = substr.startsWith('/') ? new RegExp(`${escapeRegExp(substr.replace(/\/+$/, ''))}(?=/|$|[^A-Za-z0-9._-])`) : null;
  const self = new Set([process.pid, process.ppid]);
  return listProcesses().filter((p) => {
    if (self.has(p.pid) || p.argv.length === 0) return false;
    const line = p.argv.join(' ');
    const hit = re ? re.test(line) : line.includes(substr);
    if (!hit) return false;
    if (opts.names && !opts.names.some((n) => p.comm.includes(n) || (p.argv[0] ?? '').includes(n))) return false;
    return true;
  });
}

/**
 * Kills every process whose cmdline mentions `substr` (see processesMatching) and waits
 * until they are gone. Returns the pids that were signalled.
 */
export async function killProcessesMatching(
  substr: string,
  opts: { signal?: NodeJS.Signals; names?: readonly string[]; waitMs?: number } = {},
): Promise<number[]> {
  const killed = new Set<number>();
  const signal = opts.signal ?? 'SIGKILL';
  const filter = opts.names ? { names: opts.names } : {};
  const softEnd = Date.now() + (signal === 'SIGKILL' ? 0 : opts.waitMs ?? 5_000);
  const hardEnd = softEnd + 3_000;
  // Loop: a dying parent can leave children that only show up afterwards.
  for (;;) {
    const victims = processesMatching(substr, filter);
    if (victims.length === 0) break;
    const now = Date.now();
    if (now > hardEnd) break; // unkillable (D state): the caller checks what is left
    const sig: NodeJS.Signals = now > softEnd ? 'SIGKILL' : signal;
    for (const v of victims) {
      if (signalPid(v.pid, sig)) killed.add(v.pid);
    }
    await sleep(150);
  }
  return [...killed];
}

export type CleanupFn = () => unknown | Promise<unknown>;

/** Cleanup actions run last-in first-out; every action runs even when an earlier one fails. */
export class CleanupRegistry {
  private readonly items: { label: string; fn: CleanupFn }[] = [];
  private running: Promise<void> | null = null;

  constructor(private readonly perActionTimeoutMs = 120_000) {}

  /** Registers an action; returns a function that unregisters it (e.g. after a manual cleanup). */
  add(label: string, fn: CleanupFn): () => void {
    const item = { label, fn };
    this.items.push(item);
    return () => {
      const i = this.items.indexOf(item);
      if (i >= 0) this.items.splice(i, 1);
    };
  }

  get size(): number {
    return this.items.length;
  }

  /** Runs (and forgets) every registered action. Throws an AggregateError if some failed. */
  async run(): Promise<void> {
    if (this.running) return this.running;
    this.running = (async () => {
      const errors: Error[] = [];
      while (this.items.length > 0) {
        const item = this.items.pop()!;
        try {
          await withTimeout(Promise.resolve().then(item.fn), this.perActionTimeoutMs, `cleanup "${item.label}"`);
        } catch (e) {
          const err = e instanceof Error ? e : new Error(String(e));
          err.message = `cleanup "${item.label}" failed: ${err.message}`;
          errors.push(err);
        }
      }
      if (errors.length === 1) throw errors[0];
      if (errors.length > 1) throw new AggregateError(errors, errors.map((e) => e.message).join('; '));
    })().finally(() => {
      this.running = null;
    });
    return this.running;
  }
}

/**
 * A registry whose actions run in node:test's `after()` of the current suite (or file).
 * Call it at module or describe() level, not inside a test.
 */
export function cleanupAfter(perActionTimeoutMs?: number): CleanupRegistry {
  const reg = new CleanupRegistry(perActionTimeoutMs);
  after(() => reg.run());
  return reg;
}
