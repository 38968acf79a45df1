import assert from 'node:assert/strict';
import { lstatSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { LocalHost } from '../../src/host/local-host.js';
import { RunLog } from '../../src/log/run-log.js';

test('given a config file that is a symlink, when the wizard writes it, then the link stays a link and its target gets the content', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gvw-link-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const target = join(dir, 'managed-config.toml');
  const link = join(dir, 'config.toml');
  writeFileSync(target, 'version = 2\n');
  symlinkSync(target, link);
  const host = new LocalHost({ log: new RunLog({ dir: null }), backupDir: join(dir, 'backups') });

  const w = await host.writeFileAtomic(link, 'version = 2\n# edited\n');

  assert.equal(w.changed, true);
  assert.ok(lstatSync(link).isSymbolicLink(), 'still a symlink');
  assert.equal(readFileSync(target, 'utf8'), 'version = 2\n# edited\n');
});
