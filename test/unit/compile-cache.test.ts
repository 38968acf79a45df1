// Which runs may write the bundle's compile cache, and where (src/cli/compile-cache.ts);
// the real bundle using it is tested in test/e2e/bundle-compile-cache.test.ts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseCli } from '../../src/cli/args.js';
import { cachePlan } from '../../src/cli/compile-cache.js';

describe('compile cache plan', () => {
  test('lives in the state folder, under --root too', () => {
    assert.equal(cachePlan(parseCli([]), 'abc', {}).dir, '/var/lib/gvisor-wizard/compile-cache');
    assert.equal(cachePlan(parseCli(['--state-dir', '/srv/s']), 'abc', {}).dir, '/srv/s/compile-cache');
    assert.equal(cachePlan(parseCli(['--root', '/lab/node1']), 'abc', {}).dir, '/lab/node1/var/lib/gvisor-wizard/compile-cache');
  });

  test('names the files after the build, and the code after Node and the arch', () => {
    const p = cachePlan(parseCli([]), '0123456789abcdef', {});
    assert.equal(p.sourceFile, '/var/lib/gvisor-wizard/compile-cache/program-0123456789abcdef.js');
    assert.equal(p.codeFile, `/var/lib/gvisor-wizard/compile-cache/program-0123456789abcdef-node${process.versions.node}-${process.arch}.v8`);
  });

  test('only commands that record a run write it, and never in a dry run', () => {
    const writes = (argv: string[]) => cachePlan(parseCli(argv), 'b', {}).mayWrite;
    for (const argv of [[], ['apply'], ['run', 'install-runsc'], ['resume'], ['undo'], ['check']]) assert.equal(writes(argv), true, argv.join(' ') || 'tui');
    for (const argv of [['plan'], ['steps'], ['detect'], ['logs'], ['doctor'], ['report'], ['explain'], ['--dry-run'], ['apply', '--dry-run']]) assert.equal(writes(argv), false, argv.join(' '));
  });

  test('GVW_COMPILE_CACHE=off turns it off, =trace reports', () => {
    assert.equal(cachePlan(parseCli([]), 'b', { GVW_COMPILE_CACHE: 'off' }).enabled, false);
    assert.equal(cachePlan(parseCli([]), 'b', {}).enabled, true);
    assert.equal(cachePlan(parseCli([]), 'b', { GVW_COMPILE_CACHE: 'trace' }).trace, true);
  });
});
