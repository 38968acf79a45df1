// Before/after snapshots of directory trees, to prove a test left the machine's own files
// (/etc/containerd, /var/lib/containerd, /run/containerd, ...) alone.
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync, Stats } from 'node:fs';
import { join } from 'node:path';

export interface TreeSnapshotOptions {
  /** Depth below each root to descend (default unlimited; the root itself is depth 0). */
  maxDepth?: number;
  /** Record regular files' size and mtime (default true). */
  times?: boolean;
  /** Record a sha256 of regular files up to this many bytes (default 0: none). */
  hashUpTo?: number;
}

function kind(s: Stats): string {
  if (s.isDirectory()) return 'dir';
  if (s.isFile()) return 'file';
  if (s.isSymbolicLink()) return 'link';
  if (s.isSocket()) return 'socket';
  if (s.isFIFO()) return 'fifo';
  return 'other';
}

/** path -> description (kind, mode, and per the options size/mtime/hash/link target). */
export function snapshotTrees(roots: readonly string[], opts: TreeSnapshotOptions = {}): Map<string, string> {
  const out = new Map<string, string>();
  const maxDepth = opts.maxDepth ?? Infinity;
  const walk = (p: string, depth: number): void => {
    let s: Stats;
    try {
      s = lstatSync(p);
    } catch {
      return; // absent (or vanished meanwhile)
    }
    const parts = [kind(s), (s.mode & 0o7777).toString(8)];
    if (s.isFile()) {
      if (opts.times ?? true) parts.push(`size=${s.size}`, `mtime=${s.mtimeMs}`);
      if ((opts.hashUpTo ?? 0) >= s.size) {
        try {
          parts.push(`sha256=${createHash('sha256').update(readFileSync(p)).digest('hex')}`);
        } catch { /* unreadable */ }
      }
    } else if (s.isSymbolicLink()) {
      try {
        parts.push(`-> ${readlinkSync(p)}`);
      } catch { /* vanished */ }
    }
    out.set(p, parts.join(' '));
    if (s.isDirectory() && depth < maxDepth) {
      let names: string[] = [];
      try {
        names = readdirSync(p).sort();
      } catch { /* unreadable */ }
      for (const n of names) walk(join(p, n), depth + 1);
    }
  };
  for (const r of roots) walk(r, 0);
  return out;
}

/** Human-readable differences: "+ path (desc)", "- path (desc)", "~ path: before -> after". */
export function diffSnapshots(before: Map<string, string>, after: Map<string, string>): string[] {
  const diff: string[] = [];
  for (const [p, d] of before) {
    const a = after.get(p);
    if (a === undefined) diff.push(`- ${p} (${d})`);
    else if (a !== d) diff.push(`~ ${p}: ${d} -> ${a}`);
  }
  for (const [p, d] of after) if (!before.has(p)) diff.push(`+ ${p} (${d})`);
  return diff.sort((x, y) => x.slice(2).localeCompare(y.slice(2)));
}
