// Debian's runsc ships no containerd-shim-runsc-v1, so containerd runs it through the runc
// shim (runtime io.containerd.runc.v2 with BinaryName / `ctr run --runc-binary PATH`). The
// shim calls the binary like runc: `BIN --root R --log L --log-format json <command> ...`;
// runsc flags such as --network=host (needed by runsc 0.0~20221219 on this kernel) have no
// place there, so a wrapper puts them in front. runsc parses all global flags before the
// subcommand in any order, so `exec runsc --network=host "$@"` works (the sandbox then shows
// `runsc-sandbox --root=… --log=… --log-format=json --network=host … boot …`).
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { shQuote } from './private-containerd.js';

/**
 * Writes DIR/NAME (default DIR/runsc-wrapper, mode 0755) that execs `runscPath FLAGS... "$@"`
 * and returns its path. It is deliberately not called `runsc`, so a dir holding it can be on
 * PATH without hiding the real runsc from the wizard's detection.
 */
export function makeRunscWrapper(
  dir: string,
  runscPath = '/usr/bin/runsc',
  flags: readonly string[] = ['--network=host'],
  name = 'runsc-wrapper',
): string {
  for (const f of flags) {
    if (!f.startsWith('-')) throw new Error(`makeRunscWrapper: ${JSON.stringify(f)} is not a flag (global runsc flags only; use --flag=value)`);
  }
  mkdirSync(dir, { recursive: true });
  const p = join(dir, name);
  writeFileSync(p, [
    '#!/bin/sh',
    '# runsc with global flags in front of the runc-style arguments of the caller',
    '# (written by test/helpers/runsc-wrapper.ts).',
    `exec ${[runscPath, ...flags].map(shQuote).join(' ')} "$@"`,
    '',
  ].join('\n'), { mode: 0o755 });
  chmodSync(p, 0o755);
  return p;
}
