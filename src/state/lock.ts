// One wizard at a time may change a machine: `<state-dir>/lock`, created with O_EXCL, holds
// who has it. A lock whose process is gone (kill -9, crash, reboot) is stale: it is named,
// explained and taken over; a live one stops the second wizard with who holds it.

import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ownIdentity, stillRunning } from './process-identity.js';

export const LOCK_FILE = 'lock';

interface LockOwner {
  pid: number;
  proc: string;
  command: string;
  startedAt: string;
}

export class LockHeldError extends Error {
  constructor(readonly file: string, readonly owner: LockOwner) {
    super(`another gvisor-wizard (pid ${owner.pid}, \`${owner.command}\`, started ${owner.startedAt}) is changing this machine`);
    this.name = 'LockHeldError';
  }
  get next(): string {
    return `Wait for it to finish (or stop it), then run this again. The lock is ${this.file}; it is released when that process ends.`;
  }
}

export interface HeldLock {
  file: string;
  /** Set when a stale lock was taken over: what it was, for the log. */
  tookOver?: string;
  release(): void;
}

function readOwner(file: string): LockOwner | null {
  try {
    const o = JSON.parse(readFileSync(file, 'utf8')) as LockOwner;
    return typeof o.pid === 'number' ? o : null;
  } catch {
    return null;
  }
}

/** Takes the lock or throws LockHeldError; a stale lock is replaced and reported in `tookOver`. */
export function acquireLock(stateDir: string, command: string): HeldLock {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const file = join(stateDir, LOCK_FILE);
  const me: LockOwner = { pid: process.pid, proc: ownIdentity(), command, startedAt: new Date().toISOString() };
  let tookOver: string | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(file, 'wx', 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = readOwner(file);
      if (owner && stillRunning(owner.proc, owner.pid)) {
        if (owner.pid === process.pid) throw new Error(`internal: lock ${file} taken twice by this process`);
        throw new LockHeldError(file, owner);
      }
      // Gone (or unreadable: a crash between create and write): stale.
      tookOver = owner
        ? `a stale lock from pid ${owner.pid} (\`${owner.command}\`, started ${owner.startedAt}) was left by a process that no longer runs (killed, crashed or the machine rebooted); taking it over`
        : `an unreadable lock file ${file} (a crash while it was written) was replaced`;
      try { unlinkSync(file); } catch { /* someone else removed it first */ }
      continue;
    }
    writeSync(fd, `${JSON.stringify(me)}\n`);
    closeSync(fd);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      process.off('exit', release);
      // Only our own lock: never remove one another process took over meanwhile.
      if (readOwner(file)?.proc === me.proc) {
        try { unlinkSync(file); } catch { /* already gone */ }
      }
    };
    process.on('exit', release);
    return { file, tookOver, release };
  }
  throw new Error(`could not take the lock ${file}: it keeps changing (another wizard starting at the same time?)`);
}
