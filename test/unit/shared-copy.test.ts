// test/shared/ is a copy of the project's ../shared cases and fixtures, so that a fresh clone
// (CI) runs on the same inputs. Where ../shared is there, the copy must not have fallen behind.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { repoRoot, vendoredSharedDir } from '../helpers/paths.js';

function files(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

const beside = resolve(repoRoot(), '../shared');

test('test/shared holds the same cases and fixtures as ../shared', { skip: existsSync(join(beside, 'cases')) ? false : 'no ../shared next to this checkout (the copy is what the tests use)' }, () => {
  for (const part of ['cases', 'fixtures']) {
    const theirs = files(join(beside, part)).map((f) => relative(beside, f));
    const ours = files(join(vendoredSharedDir(), part)).map((f) => relative(vendoredSharedDir(), f));
    assert.deepEqual(ours, theirs, `test/shared/${part} differs from ../shared/${part}: copy it again (cp -a ../shared/${part} test/shared/)`);
    for (const f of theirs) {
      assert.ok(readFileSync(join(beside, f)).equals(readFileSync(join(vendoredSharedDir(), f))), `test/shared/${f} differs from ../shared/${f}: copy it again`);
    }
  }
});
