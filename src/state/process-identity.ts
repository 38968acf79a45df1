// A pid alone does not name a process: after a reboot or a long uptime another program can
// have the same pid. The boot id plus the pid's start time (field 22 of /proc/PID/stat) does.

import { readFileSync } from 'node:fs';

function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return 'unknown-boot';
  }
}

function startTicks(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** `boot:pid:start`, or undefined when no such process runs. */
export function processIdentity(pid: number): string | undefined {
  const start = startTicks(pid);
  return start === undefined ? undefined : `${bootId()}:${pid}:${start}`;
}

export function ownIdentity(): string {
  return processIdentity(process.pid) ?? `unknown:${process.pid}:0`;
}

/** True when the process that had this identity still runs (same boot, same pid, same start). */
export function stillRunning(identity: string | undefined, pid: number): boolean {
  if (!identity) return processIdentity(pid) !== undefined;
  return processIdentity(pid) === identity;
}
