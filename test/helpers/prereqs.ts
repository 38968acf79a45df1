// What the e2e tests need on the machine, and how a test reacts when it is missing:
// skip on a developer machine, fail loudly in CI (where .ci/setup-host.sh installs it).
import { closeSync, openSync, readSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { busyboxPath } from './busybox-image.js';
import { firstExecutable, which } from './proc.js';

export type Prereq = 'root' | 'dockerd' | 'docker-cli' | 'containerd' | 'runsc' | 'runc' | 'busybox' | 'tar' | 'bzip2';

export const ALL_PREREQS: readonly Prereq[] = ['root', 'dockerd', 'docker-cli', 'containerd', 'runsc', 'runc', 'busybox', 'tar', 'bzip2'];

/** True when the file is an ELF without a PT_INTERP segment (statically linked). */
export function isStaticElf(path: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const b = Buffer.alloc(4096);
    const n = readSync(fd, b, 0, b.length, 0);
    if (n < 64 || b.readUInt32BE(0) !== 0x7f454c46 || b[4] !== 2) return false;
    const phoff = Number(b.readBigUInt64LE(32));
    const phentsize = b.readUInt16LE(54);
    const phnum = b.readUInt16LE(56);
    for (let i = 0; i < phnum; i++) {
      const off = phoff + i * phentsize;
      if (off + 4 > n) return false; // headers beyond what we read: do not guess
      if (b.readUInt32LE(off) === 3 /* PT_INTERP */) return false;
    }
    return true;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function check(p: Prereq): string | null {
  switch (p) {
    case 'root':
      return process.getuid?.() === 0 ? null : 'root (run as uid 0)';
    case 'dockerd':
      return which('dockerd') ? null : 'dockerd (docker.io)';
    case 'docker-cli':
      return firstExecutable(['/usr/bin/docker']) ? null : '/usr/bin/docker (docker.io)';
    case 'containerd':
      return which('containerd') && which('containerd-shim-runc-v2') ? null : 'containerd + containerd-shim-runc-v2 (containerd)';
    case 'runsc':
      return firstExecutable(['/usr/bin/runsc'], 'runsc') ? null : 'runsc';
    case 'runc':
      return which('runc') ? null : 'runc';
    case 'busybox': {
      const b = busyboxPath();
      if (!b) return 'busybox (busybox-static)';
      return isStaticElf(b) ? null : `a static busybox (${b} is dynamically linked; install busybox-static)`;
    }
    case 'tar':
      return which('tar') ? null : 'tar';
    case 'bzip2':
      return which('bzip2') ? null : 'bzip2';
  }
}

/** Checks the machine for what the e2e tests use (all of it unless `only` is given). */
export function e2ePrereqs(only: readonly Prereq[] = ALL_PREREQS): { ok: boolean; missing: string[] } {
  const missing = only.map(check).filter((m): m is string => m !== null);
  return { ok: missing.length === 0, missing };
}

/** CI is set to something other than "", "0" or "false". */
export function inCI(): boolean {
  const v = process.env.CI;
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

function message(missing: string[]): string {
  return `missing: ${missing.join(', ')}; run .ci/setup-host.sh`;
}

/**
 * Call first in an e2e test: `if (!requireE2E(t)) return;`. When something is missing it
 * throws under CI (CI must have installed it) and skips the test otherwise.
 */
export function requireE2E(t: TestContext, only?: readonly Prereq[]): boolean {
  const r = e2ePrereqs(only);
  if (r.ok) return true;
  if (inCI()) throw new Error(`e2e prerequisites ${message(r.missing)} (CI is set, so this fails instead of skipping)`);
  t.skip(message(r.missing));
  return false;
}

/**
 * For `describe(name, { skip: e2eSkip() }, ...)` / `test(name, { skip: e2eSkip() }, ...)`:
 * false when everything is there, a skip reason otherwise; throws under CI.
 */
export function e2eSkip(only?: readonly Prereq[]): string | false {
  const r = e2ePrereqs(only);
  if (r.ok) return false;
  if (inCI()) throw new Error(`e2e prerequisites ${message(r.missing)} (CI is set, so this fails instead of skipping)`);
  return message(r.missing);
}
