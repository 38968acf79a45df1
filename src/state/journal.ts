// Every change the wizard makes to the machine's files, in order: `<state-dir>/journal.jsonl`,
// one JSON object a line, appended as it happens (a kill -9 loses at most the line being
// written). Undo walks it backwards. Paths are machine paths (as seen under --root).

import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const JOURNAL_FILE = 'journal.jsonl';

export interface ChangeEntry {
  kind: 'change';
  /** `<runId>#<n>`: unique, in the order the changes happened. */
  id: string;
  runId: string;
  step?: string;
  at: string;
  /** write: a file replaced or created; install: a binary put in place; remove: a file deleted; mkdir: a folder created. */
  action: 'write' | 'install' | 'remove' | 'mkdir';
  path: string;
  /** True when nothing was there before (undo removes it). */
  created: boolean;
  /** Real path of the previous content (undo restores it). */
  backup?: string;
  /** sha256 of what the wizard left there: undo refuses to clobber a file changed since without asking. */
  sha256?: string;
}

export interface UndoneEntry {
  kind: 'undone';
  /** The ChangeEntry id. */
  ref: string;
  at: string;
  how: string;
}

export type JournalLine = ChangeEntry | UndoneEntry;

export class Journal {
  private n = 0;
  readonly file: string;

  constructor(readonly stateDir: string, readonly runId: string) {
    this.file = join(stateDir, JOURNAL_FILE);
  }

  record(change: Omit<ChangeEntry, 'kind' | 'id' | 'runId' | 'at'>): void {
    this.append({ kind: 'change', id: `${this.runId}#${++this.n}`, runId: this.runId, at: new Date().toISOString(), ...change });
  }

  markUndone(ref: string, how: string): void {
    this.append({ kind: 'undone', ref, at: new Date().toISOString(), how });
  }

  private append(line: JournalLine): void {
    mkdirSync(this.stateDir, { recursive: true, mode: 0o700 });
    appendFileSync(this.file, `${JSON.stringify(line)}\n`, { mode: 0o600 });
  }
}

/** The changes not undone yet, oldest first. A damaged line (a crash mid-write) is skipped and counted. */
export function readJournal(stateDir: string): { pending: ChangeEntry[]; damaged: number } {
  let text = '';
  try {
    text = readFileSync(join(stateDir, JOURNAL_FILE), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const changes: ChangeEntry[] = [];
  const undone = new Set<string>();
  let damaged = 0;
  for (const raw of text.split('\n')) {
    if (!raw.trim()) continue;
    try {
      const line = JSON.parse(raw) as JournalLine;
      if (line.kind === 'change' && typeof line.path === 'string') changes.push(line);
      else if (line.kind === 'undone') undone.add(line.ref);
      else damaged++;
    } catch {
      damaged++;
    }
  }
  return { pending: changes.filter((c) => !undone.has(c.id)), damaged };
}
