#!/usr/bin/env node
// Runs every compiled test file with Node's test runner, in one run so the summary
// counts all of them: unit and screen tests first, then the end-to-end tests, which
// start real daemons and so run one file at a time.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist', 'test');
const order = ['unit', 'screens', 'e2e'];

function testFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...testFiles(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

// Optional filter: `npm test -- e2e` or `npm test -- daemon-json`.
const filters = process.argv.slice(2);
const files = order
  .flatMap((d) => { try { return testFiles(join(dist, d)); } catch { return []; } })
  .filter((f) => filters.length === 0 || filters.some((x) => relative(dist, f).includes(x)));
if (files.length === 0) {
  console.error('no test files found (did the build run?)');
  process.exit(1);
}
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', '--test-reporter=spec', ...files], { stdio: 'inherit', cwd: root });
process.exit(r.status ?? 1);
