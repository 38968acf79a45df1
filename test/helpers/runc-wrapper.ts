// The negative case: a program called "runsc" that is really runc, so a container
// "under gVisor" actually runs on the host kernel. The wizard's proof must catch it.
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { which } from './proc.js';

export interface FakeRunscOptions {
  /** runc to exec (default: runc found on PATH/sbin, else "runc"). */
  runcPath?: string;
  /** Drop gVisor-only global flags (--network=host, --platform=…, …) that runc would
   *  reject, so the fake starts containers instead of failing (default true). With
   *  false the script is exactly `exec runc "$@"`. */
  dropRunscFlags?: boolean;
}

/** gVisor global flags that runc does not know. */
const RUNSC_ONLY_FLAGS = [
  '--network=*', '--platform=*', '--file-access=*', '--overlay', '--overlay2=*', '--debug-log=*',
  '--strace', '--strace-syscalls=*', '--nvproxy', '--nvproxy=*', '--host-uds=*', '--gso=*',
  '--rootless', '--rootless=*', '--directfs=*', '--ignore-cgroups', '--ignore-cgroups=*', '--debug-command=*',
];

/** Writes DIR/runsc (mode 0755) and returns its path. */
export function makeFakeRunscThatIsRunc(dir: string, opts: FakeRunscOptions = {}): string {
  const runc = opts.runcPath ?? which('runc') ?? 'runc';
  const q = `'${runc.replace(/'/g, `'\\''`)}'`;
  const lines = ['#!/bin/sh', '# Fake "runsc" made by the test harness: it is runc, so containers run on the host kernel.'];
  if (opts.dropRunscFlags ?? true) {
    lines.push(
      'n=$#',
      'while [ "$n" -gt 0 ]; do',
      '  a=$1; shift; n=$((n - 1))',
      '  case "$a" in',
      `    ${RUNSC_ONLY_FLAGS.join('|')}) ;;`,
      '    *) set -- "$@" "$a" ;;',
      '  esac',
      'done',
    );
  }
  lines.push(`exec ${q} "$@"`, '');
  const p = join(dir, 'runsc');
  writeFileSync(p, lines.join('\n'), { mode: 0o755 });
  chmodSync(p, 0o755);
  return p;
}
