// replacePrivateFile: the wizard's own files are replaced whole, private, and a failed write
// leaves no temp file behind (a full disk must not fill up further with halves).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { replacePrivateFile } from '../../src/util/private-file.js';

describe('replacePrivateFile', () => {
  const dir = mkdtempSync('/tmp/gvw-private-');
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('replaces the file whole, mode 0600, and leaves nothing else', () => {
    const f = join(dir, 'state.json');
    writeFileSync(f, 'old', { mode: 0o644 });
    replacePrivateFile(f, 'new\n');
    assert.equal(readFileSync(f, 'utf8'), 'new\n');
    assert.equal(statSync(f).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(dir), ['state.json']);
  });

  test('when the rename fails (a folder in the way), the temp file is removed and the error thrown', () => {
    const sub = join(dir, 'blocked');
    mkdirSync(sub);
    const target = join(sub, 'answers.toml');
    mkdirSync(target);
    assert.throws(() => replacePrivateFile(target, 'x'), /EISDIR|ENOTEMPTY|EEXIST/);
    assert.deepEqual(readdirSync(sub), ['answers.toml']);
  });

  test('when the write fails (no such folder), nothing is left', () => {
    assert.throws(() => replacePrivateFile(join(dir, 'missing', 'f'), 'x'), /ENOENT/);
    assert.ok(!readdirSync(dir).includes('missing'));
  });
});
