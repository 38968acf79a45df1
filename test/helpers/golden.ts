// Golden files: a test's output compared byte for byte with test/golden/<area>/<name>.
// GVW_UPDATE_GOLDEN=1 writes them first; read the diff before committing them.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './paths.js';

export function assertGoldenIn(area: string, name: string, text: string): void {
  const dir = join(repoRoot(), 'test', 'golden', area);
  const path = join(dir, name);
  if (process.env.GVW_UPDATE_GOLDEN === '1') {
    mkdirSync(dir, { recursive: true });
    writeFileSync(path, text);
  }
  assert.ok(existsSync(path), `missing ${path} (run with GVW_UPDATE_GOLDEN=1, then read the diff)`);
  assert.equal(text, readFileSync(path, 'utf8'));
}
