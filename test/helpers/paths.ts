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

/** The shared project folder (cases/, fixtures/, ENVIRONMENT.md): $GVW_SHARED_DIR or ../shared. */
export function sharedDir(): string {
  const env = process.env.GVW_SHARED_DIR;
  return env ? resolve(env) : resolve(repoRoot(), '../shared');
}
