import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { COMMAND_HELP, MAIN_HELP } from '../../src/cli/help.js';
import { main } from '../../src/cli/main.js';
import { repoRoot } from '../helpers/paths.js';

interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs main(argv) with process.stdout/stderr.write replaced. The writes are captured only
 * while main runs synchronously (every path tested here writes before its first await), so
 * the test runner's own reports on stdout are never swallowed.
 */
async function run(argv: string[]): Promise<Captured> {
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write;
  const err = process.stderr.write;
  process.stdout.write = ((chunk: string | Uint8Array) => { stdout += String(chunk); return true; }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => { stderr += String(chunk); return true; }) as typeof process.stderr.write;
  let pending: Promise<number>;
  try {
    pending = main(argv);
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
  const code = await pending;
  return { code, stdout, stderr };
}

const pkgVersion = (JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as { version: string }).version;

describe('main', () => {
  it('given --version, when run, then the package version is printed and the exit code is 0', async () => {
    const r = await run(['--version']);
    assert.deepEqual(r, { code: 0, stdout: `gvisor-wizard ${pkgVersion}\n`, stderr: '' });
  });

  it('given -V, when run, then the version is printed too', async () => {
    assert.equal((await run(['-V'])).stdout, `gvisor-wizard ${pkgVersion}\n`);
  });

  it('given --help, when run, then the main usage is printed and the exit code is 0', async () => {
    const r = await run(['--help']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, MAIN_HELP);
    assert.match(r.stdout, /^gvisor-wizard: /);
    assert.match(r.stdout, /Usage:/);
  });

  it('given plan --help, when run, then the plan help is printed instead of the main usage', async () => {
    const r = await run(['plan', '--help']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, COMMAND_HELP.plan);
  });

  it('given a flag value before the command (--runtime docker plan --help), when run, then the plan help is still printed', async () => {
    const r = await run(['--runtime', 'docker', 'plan', '--help']);
    assert.equal(r.stdout, COMMAND_HELP.plan);
  });

  it('given apply -h, when run, then the apply help is printed', async () => {
    assert.equal((await run(['apply', '-h'])).stdout, COMMAND_HELP.apply);
  });

  it('given `help` as the command, when run, then the main usage is printed', async () => {
    const r = await run(['help']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, MAIN_HELP);
  });

  it('given an unknown flag, when run, then it exits 2 with the flag named on stderr and a pointer to --help', async () => {
    const r = await run(['plan', '--bogus']);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^gvisor-wizard: .*--bogus/);
    assert.match(r.stderr, /Try gvisor-wizard --help\./);
  });

  it('given a bad flag value, when run, then it exits 2 naming the flag and value', async () => {
    const r = await run(['apply', '--runtime', 'podman']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--runtime must be docker or containerd, not "podman"/);
  });

  it('given an unknown command, when run, then it exits 2 naming the command', async () => {
    const r = await run(['frobnicate']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown command "frobnicate"/);
  });
});
