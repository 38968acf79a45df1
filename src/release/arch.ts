// Which gVisor build a machine needs. gVisor publishes Linux builds for two
// architectures only, and its bucket names them the way `uname -m` does.
// Node (process.arch), dpkg (--print-architecture) and uname each spell them
// differently, so every accepted spelling is listed here explicitly (case C4).

import type { ReleaseArch } from '../detect/facts.js';

export type { ReleaseArch };

/** Every spelling we accept, and the release arch it means. */
export const ARCH_ALIASES: Readonly<Record<string, ReleaseArch>> = Object.freeze({
  // Node's process.arch
  x64: 'x86_64',
  arm64: 'aarch64', // also dpkg's name for 64-bit ARM
  // dpkg --print-architecture
  amd64: 'x86_64',
  // uname -m
  x86_64: 'x86_64',
  aarch64: 'aarch64',
});

export const RELEASE_ARCHES: readonly ReleaseArch[] = ['x86_64', 'aarch64'];

/**
 * Map an architecture name from Node, dpkg or uname to the name used in gVisor's
 * release URLs. Refuses anything else, and any platform other than Linux.
 * `platform` defaults to Node's process.platform.
 */
export function toReleaseArch(machine: string, platform: string = process.platform): ReleaseArch {
  const p = platform.trim().toLowerCase();
  if (p !== 'linux') {
    throw new Error(
      `unsupported platform "${platform}": gVisor ships only x86_64 and aarch64 Linux builds. ` +
        'Run the wizard on the Linux machine that will run the containers.',
    );
  }
  const m = machine.trim();
  const arch = Object.prototype.hasOwnProperty.call(ARCH_ALIASES, m) ? ARCH_ALIASES[m] : undefined;
  if (!arch) {
    throw new Error(
      `unsupported architecture "${machine}": gVisor ships only x86_64 and aarch64 Linux builds ` +
        '(known as x64/amd64/x86_64 and arm64/aarch64). This machine cannot run runsc; ' +
        'use a 64-bit x86 or ARM host.',
    );
  }
  return arch;
}

/** A spelling of `arch` for messages: "aarch64 (arm64)". */
export function describeArch(arch: ReleaseArch): string {
  return arch === 'x86_64' ? 'x86_64 (amd64)' : 'aarch64 (arm64)';
}
