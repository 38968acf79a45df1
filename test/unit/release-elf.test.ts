import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { checkElf, ElfError } from '../../src/release/elf.js';
import { sharedDir } from '../helpers/paths.js';
import { aarch64Elf, x86Elf } from '../helpers/release-unit-http.js';

describe('checkElf', () => {
  test('accepts a real x86_64 program for x86_64', async () => {
    const b = await x86Elf();
    const info = checkElf(b.subarray(0, 64), b.length, 'x86_64');
    assert.equal(info.arch, 'x86_64');
    assert.equal(info.machine, 62);
  });

  test('refuses an x86_64 program for an aarch64 machine', async () => {
    const b = await x86Elf();
    assert.throws(() => checkElf(b.subarray(0, 64), b.length, 'aarch64'), { message: 'ELF for x86_64, this machine needs aarch64' });
  });

  test('refuses an aarch64 program for an x86_64 machine', async () => {
    const b = await aarch64Elf();
    assert.throws(() => checkElf(b.subarray(0, 64), b.length, 'x86_64'), (e: unknown) => {
      assert.ok(e instanceof ElfError);
      assert.equal(e.problem, 'wrong-arch');
      assert.equal(e.message, 'ELF for aarch64, this machine needs x86_64');
      return true;
    });
  });

  test('case C3: the 9-byte "Not Found" body is not an ELF executable (9 bytes)', async () => {
    const body = await readFile(join(sharedDir(), 'cases/download-404-body.bin'));
    assert.equal(body.length, 9);
    assert.throws(() => checkElf(body, body.length, 'x86_64'), { message: 'not an ELF executable (9 bytes)' });
  });

  test('an empty file is not an ELF executable (0 bytes)', () => {
    assert.throws(() => checkElf(Buffer.alloc(0), 0, 'x86_64'), { message: 'not an ELF executable (0 bytes)' });
  });

  test('refuses a 32-bit ELF', async () => {
    const b = Buffer.from((await x86Elf()).subarray(0, 64));
    b[4] = 1;
    assert.throws(() => checkElf(b, 1000, 'x86_64'), /32-bit ELF; gVisor needs a 64-bit build/);
  });

  test('refuses an ELF for an architecture gVisor does not ship, naming it', async () => {
    const b = Buffer.from((await x86Elf()).subarray(0, 64));
    b.writeUInt16LE(243, 18);
    assert.throws(() => checkElf(b, 1000, 'x86_64'), { message: 'ELF for riscv64, this machine needs x86_64' });
  });

  test('refuses a file cut inside the ELF header', async () => {
    const b = (await x86Elf()).subarray(0, 40);
    assert.throws(() => checkElf(b, 40, 'x86_64'), /ELF header is cut short \(40 bytes\)/);
  });
});
