// `gvisor-wizard logs`: the log files of earlier runs (one per run, secrets already masked
// when they were written); `--last` prints the newest one.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ParsedCli } from './args.js';
import { EXIT } from './headless.js';

interface LogFileInfo { name: string; path: string; size: number; mtimeMs: number }

export function listLogFiles(dir: string): LogFileInfo[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  return names
    .filter((n) => n.endsWith('.log'))
    .map((name) => {
      const path = join(dir, name);
      const s = statSync(path);
      return { name, path, size: s.size, mtimeMs: s.mtimeMs };
    })
    .sort((a, b) => a.mtimeMs - b.mtimeMs || a.name.localeCompare(b.name));
}

interface RawOut { out(text: string): void; err(text: string): void }
const stdio: RawOut = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

export function logsCommand(cli: ParsedCli, io: RawOut = stdio): number {
  const dir = cli.options.logDir;
  let files: LogFileInfo[];
  try {
    files = listLogFiles(dir);
  } catch (e) {
    io.err(`gvisor-wizard: cannot read the log folder ${dir}: ${(e as Error).message}\n  next: run as root, or pass --log-dir DIR\n`);
    return EXIT.failed;
  }
  if (files.length === 0) {
    io.err(`no log files in ${dir} yet (each run of apply, run, resume, undo, check and the TUI writes one; pass --log-dir DIR for another folder)\n`);
    return cli.last ? EXIT.failed : EXIT.ok;
  }
  if (cli.last) {
    const newest = files[files.length - 1]!;
    io.err(`== ${newest.path}\n`);
    io.out(readFileSync(newest.path, 'utf8'));
    return EXIT.ok;
  }
  if (cli.json) {
    io.out(`${JSON.stringify(files.map((f) => ({ file: f.path, bytes: f.size, modified: new Date(f.mtimeMs).toISOString() })), null, 2)}\n`);
    return EXIT.ok;
  }
  io.out(`Log files in ${dir}, oldest first (print the newest: gvisor-wizard logs --last):\n`);
  for (const f of files) io.out(`  ${new Date(f.mtimeMs).toISOString().slice(0, 19).replace('T', ' ')}  ${String(f.size).padStart(9)} B  ${f.name}\n`);
  return EXIT.ok;
}
