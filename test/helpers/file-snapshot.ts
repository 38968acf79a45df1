// "Unchanged" made precise: content hash, mode, inode and mtime of every file below the roots.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export function snapshotFiles(...roots: string[]): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (p: string): void => {
    if (!existsSync(p)) return;
    const s = statSync(p);
    if (s.isDirectory()) { for (const n of readdirSync(p)) walk(join(p, n)); return; }
    const hash = createHash('sha256').update(readFileSync(p)).digest('hex');
    out.set(p, `${hash} ${s.mode.toString(8)} ${s.ino} ${s.mtimeMs}`);
  };
  roots.forEach(walk);
  return out;
}

/**
 * The snapshot without the wizard's own run record (state.json gains an entry every run, by
 * design): what "a second run changes nothing" compares.
 */
export function withoutRunRecord(snapshot: Map<string, string>): Map<string, string> {
  return new Map([...snapshot].filter(([p]) => !p.endsWith('/state.json')));
}
