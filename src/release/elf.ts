// A quick look at the first bytes of a download: is it a 64-bit ELF program for
// this machine's architecture? Catches an error page saved as `runsc` (case C3)
// and a binary for the wrong architecture, before anything is installed.

import type { ReleaseArch } from '../detect/facts.js';

/** Bytes needed for every check below (the 64-bit ELF header is 64 bytes long). */
export const ELF_HEADER_BYTES = 64;

const EM_X86_64 = 62;
const EM_AARCH64 = 183;

const MACHINE_NAMES: Record<number, string> = {
  3: 'i386 (32-bit x86)',
  8: 'mips',
  20: 'ppc (32-bit PowerPC)',
  21: 'ppc64',
  22: 's390',
  40: 'arm (32-bit ARM)',
  43: 'sparc64',
  [EM_X86_64]: 'x86_64',
  [EM_AARCH64]: 'aarch64',
  243: 'riscv64',
  258: 'loongarch64',
};

export const ELF_MACHINE: Readonly<Record<ReleaseArch, number>> = { x86_64: EM_X86_64, aarch64: EM_AARCH64 };

export type ElfProblem = 'not-elf' | 'not-64-bit' | 'big-endian' | 'not-executable' | 'truncated-header' | 'wrong-arch';

/** Why a file is not a usable program; `message` is short and meant to follow "<file>: ". */
export class ElfError extends Error {
  constructor(readonly problem: ElfProblem, message: string, readonly foundArch?: string) {
    super(message);
    this.name = 'ElfError';
  }
}

export interface ElfInfo {
  /** The release arch the file is built for, when it is one gVisor ships. */
  arch?: ReleaseArch;
  machine: number;
  machineName: string;
  /** 2 = static executable (ET_EXEC), 3 = position-independent (ET_DYN). */
  type: number;
}

export interface CheckElfOptions {
  /** `size` is only a lower bound (the rest was not read): the message says "at least". */
  sizeIsLowerBound?: boolean;
}

/**
 * Check the first bytes of a file (`header`, ideally ≥ 64 bytes) and its total `size`.
 * With `arch`, the file must be built for it. Throws ElfError with wording such as
 * `not an ELF executable (9 bytes)` or `ELF for aarch64, this machine needs x86_64`.
 */
export function checkElf(header: Buffer, size: number, arch?: ReleaseArch, opts: CheckElfOptions = {}): ElfInfo {
  const sizeText = `${opts.sizeIsLowerBound ? 'at least ' : ''}${size} byte${size === 1 ? '' : 's'}`;
  if (header.length < 4 || header[0] !== 0x7f || header[1] !== 0x45 || header[2] !== 0x4c || header[3] !== 0x46) {
    throw new ElfError('not-elf', `not an ELF executable (${sizeText})`);
  }
  if (header.length < 20) {
    throw new ElfError('truncated-header', `ELF header is cut short (${sizeText}); the file is truncated`);
  }
  const cls = header[4];
  if (cls !== 2) {
    throw new ElfError('not-64-bit', `${cls === 1 ? '32-bit' : `unknown class ${cls}`} ELF; gVisor needs a 64-bit build`);
  }
  if (header[5] !== 1) {
    throw new ElfError('big-endian', 'big-endian ELF; gVisor ships only little-endian x86_64 and aarch64 builds');
  }
  const type = header.readUInt16LE(16);
  const machine = header.readUInt16LE(18);
  const machineName = MACHINE_NAMES[machine] ?? `machine type ${machine}`;
  const found: ReleaseArch | undefined = machine === EM_X86_64 ? 'x86_64' : machine === EM_AARCH64 ? 'aarch64' : undefined;
  if (type !== 2 && type !== 3) {
    const what = type === 1 ? 'a relocatable object' : type === 4 ? 'a core dump' : `ELF type ${type}`;
    throw new ElfError('not-executable', `ELF file is ${what}, not an executable`);
  }
  if (arch !== undefined && found !== arch) {
    throw new ElfError('wrong-arch', `ELF for ${found ?? machineName}, this machine needs ${arch}`, found ?? machineName);
  }
  if (header.length < ELF_HEADER_BYTES && size < ELF_HEADER_BYTES) {
    throw new ElfError('truncated-header', `ELF header is cut short (${sizeText}); the file is truncated`);
  }
  return found ? { arch: found, machine, machineName, type } : { machine, machineName, type };
}
