// Case C4: the machine's arch name comes from Node, dpkg or uname; release URLs use x86_64/aarch64.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { toReleaseArch } from '../../src/release/arch.js';

describe('toReleaseArch', () => {
  const table: [string, string, 'x86_64' | 'aarch64'][] = [
    ['x64', "Node's process.arch", 'x86_64'],
    ['arm64', "Node's process.arch and dpkg", 'aarch64'],
    ['amd64', 'dpkg --print-architecture', 'x86_64'],
    ['x86_64', 'uname -m', 'x86_64'],
    ['aarch64', 'uname -m', 'aarch64'],
  ];
  for (const [machine, from, want] of table) {
    test(`maps ${machine} (${from}) to ${want}`, () => {
      assert.equal(toReleaseArch(machine, 'linux'), want);
    });
  }

  test('tolerates the trailing newline of `uname -m` output', () => {
    assert.equal(toReleaseArch('x86_64\n', 'linux'), 'x86_64');
  });

  for (const machine of ['ia32', 's390x', 'arm', 'ppc64', 'riscv64', 'i686', 'X64', '']) {
    test(`refuses ${JSON.stringify(machine)}, naming it and the builds gVisor ships`, () => {
      assert.throws(() => toReleaseArch(machine, 'linux'), (e: Error) => {
        assert.ok(e.message.includes(`"${machine}"`), e.message);
        assert.match(e.message, /gVisor ships only x86_64 and aarch64 Linux builds/);
        return true;
      });
    });
  }

  for (const platform of ['darwin', 'win32', 'freebsd']) {
    test(`refuses the ${platform} platform even on a known arch`, () => {
      assert.throws(() => toReleaseArch('arm64', platform), (e: Error) => {
        assert.ok(e.message.includes(`"${platform}"`), e.message);
        assert.match(e.message, /gVisor ships only x86_64 and aarch64 Linux builds/);
        return true;
      });
    });
  }

  test('defaults the platform to the one Node runs on', () => {
    if (process.platform === 'linux') assert.equal(toReleaseArch('x64'), 'x86_64');
    else assert.throws(() => toReleaseArch('x64'));
  });
});
