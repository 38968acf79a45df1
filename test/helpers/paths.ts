// Where the repository and the shared project folder are, from compiled or source tests.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

let cachedRoot: string | undefined;

/** The nearest folder above this file that holds package.json (works from dist/test/helpers too). */
export function repoRoot(): string {
  if (cachedRoot) return cachedRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) {
      cachedRoot = dir;
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

/**
 * The shared test inputs (cases/, fixtures/): $GVW_SHARED_DIR, else the project's ../shared
 * folder when it is there, else the copy kept in test/shared/ (a fresh clone in CI has no
 * ../shared; test/unit/shared-copy.test.ts fails when the copy falls behind ../shared).
 */
export function sharedDir(): string {
  const env = process.env.GVW_SHARED_DIR;
  if (env) return resolve(env);
  const beside = resolve(repoRoot(), '../shared');
  return existsSync(join(beside, 'cases')) ? beside : vendoredSharedDir();
}

/** The copy of ../shared's cases/ and fixtures/ kept in the repository. */
export function vendoredSharedDir(): string {
  return join(repoRoot(), 'test', 'shared');
}
