// Undo: walk the change journal backwards and put every file back as it was before the
// wizard touched it (from its backup), remove what the wizard created or installed, then
// make the engines read their restored config. A file someone changed after the wizard
// wrote it is only overwritten when the operator says so.

import { createHash } from 'node:crypto';
import { chmod, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Host } from '../host/host.js';
import type { RunLog } from '../log/run-log.js';
import { Journal, readJournal, type ChangeEntry } from '../state/journal.js';
import { readState, writeState } from '../state/state-file.js';

export interface UndoAction {
  path: string;
  step?: string;
  /** restored: previous content back; removed: created by the wizard, deleted; kept: left as it is. */
  result: 'restored' | 'removed' | 'kept' | 'failed';
  detail: string;
}

export interface UndoOutcome {
  actions: UndoAction[];
  /** Steps whose changes were all undone. */
  undoneSteps: string[];
  /** Journal lines that could not be read (a crash while one was written). */
  damaged: number;
}

export interface UndoOptions {
  host: Host;
  log: RunLog;
  stateDir: string;
  /** Only this step's changes (undo --step). */
  step?: string;
  /** Asked for each file changed by someone else since the wizard wrote it: overwrite it? */
  decide(path: string, why: string): Promise<boolean>;
  /** The install record kept next to the state (removed with the binaries). */
  installRecord?: string;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** The changes undo would reverse, newest first. */
export function pendingChanges(stateDir: string, step?: string): { changes: ChangeEntry[]; damaged: number } {
  const { pending, damaged } = readJournal(stateDir);
  return { changes: pending.filter((c) => step === undefined || c.step === step).reverse(), damaged };
}

export async function undoChanges(o: UndoOptions): Promise<UndoOutcome> {
  const { changes, damaged } = pendingChanges(o.stateDir, o.step);
  const marker = new Journal(o.stateDir, 'undo');
  const actions: UndoAction[] = [];
  const failedSteps = new Set<string>();
  const keptPaths = new Set<string>();
  for (const c of changes) {
    // An older change to a file kept as it is stays too: asking again about the same file
    // (whose content is not the wizard's either) would only repeat the question.
    const action = keptPaths.has(c.path) && c.action !== 'mkdir'
      ? { path: c.path, step: c.step, result: 'kept' as const, detail: 'a later change to this file was kept; left as it is' }
      : await undoOne(o, c);
    if (action.result !== 'restored' && action.result !== 'removed') keptPaths.add(c.path);
    actions.push(action);
    o.log.info(`undo ${c.action} ${c.path}: ${action.result}: ${action.detail}`, c.step);
    if (action.result === 'restored' || action.result === 'removed') marker.markUndone(c.id, action.detail);
    else failedSteps.add(c.step ?? '');
  }
  const touched = [...new Set(changes.map((c) => c.step ?? ''))].filter((s) => s);
  const undoneSteps = touched.filter((s) => !failedSteps.has(s));
  forgetSteps(o.stateDir, undoneSteps);
  if (undoneSteps.includes('install-runsc') && o.installRecord) await rm(o.installRecord, { force: true });
  return { actions, undoneSteps, damaged };
}

async function undoOne(o: UndoOptions, c: ChangeEntry): Promise<UndoAction> {
  const base = { path: c.path, step: c.step };
  try {
    if (c.action === 'mkdir') return await removeEmptyDir(o.host, c);
    const now = await o.host.readFile(c.path);
    if (c.action === 'remove') {
      if (now !== null && !(await o.decide(c.path, 'the wizard removed it, and a file of that name exists again'))) return { ...base, result: 'kept', detail: 'a file of that name exists again; left as it is' };
      return await restoreBackup(o.host, c);
    }
    if (now !== null && !c.created && c.backup && (await readFile(c.backup).then((b) => b.equals(now), () => false))) {
      return { ...base, result: 'restored', detail: 'already holds the content from before this change (put back by hand?)' };
    }
    if (now === null && c.created) return { ...base, result: 'removed', detail: 'already gone' };
    if (now === null || sha256(now) !== c.sha256) {
      const why = now === null ? 'it was deleted after the wizard wrote it' : 'it was changed after the wizard wrote it';
      if (!(await o.decide(c.path, why))) return { ...base, result: 'kept', detail: `${why}; left as it is (undo --force, or answer yes, to restore it anyway)` };
    }
    if (c.created) {
      if (now === null) return { ...base, result: 'removed', detail: 'already gone' };
      await o.host.removeFile(c.path);
      return { ...base, result: 'removed', detail: `created by the wizard (${c.action}), removed` };
    }
    return await restoreBackup(o.host, c);
  } catch (e) {
    return { ...base, result: 'failed', detail: (e as Error).message };
  }
}

async function restoreBackup(host: Host, c: ChangeEntry): Promise<UndoAction> {
  const base = { path: c.path, step: c.step };
  if (!c.backup) return { ...base, result: 'failed', detail: 'no backup of the previous content was kept' };
  let previous: Buffer;
  try {
    previous = await readFile(c.backup);
  } catch (e) {
    return { ...base, result: 'failed', detail: `its backup ${c.backup} cannot be read: ${(e as Error).message}` };
  }
  await host.writeFileAtomic(c.path, previous);
  // The backup keeps the file's mode: a replaced file keeps the mode of what replaced it
  // (runsc installed 0755 over a 0700 file) and a removed one would come back 0644.
  await chmod(host.resolve(c.path), (await stat(c.backup)).mode & 0o7777);
  return { ...base, result: 'restored', detail: `previous content restored from ${c.backup}` };
}

async function removeEmptyDir(host: Host, c: ChangeEntry): Promise<UndoAction> {
  const base = { path: c.path, step: c.step };
  const st = await host.stat(c.path);
  if (!st) return { ...base, result: 'removed', detail: 'folder already gone' };
  // Only the top-most folder of a mkdir -p is recorded: the ones below it are the wizard's too.
  if (!(await onlyEmptyFolders(host.resolve(c.path)))) return { ...base, result: 'kept', detail: 'folder created by the wizard is not empty; left as it is' };
  await rm(host.resolve(c.path), { recursive: true });
  return { ...base, result: 'removed', detail: 'empty folder created by the wizard, removed' };
}

async function onlyEmptyFolders(real: string): Promise<boolean> {
  for (const e of await readdir(real, { withFileTypes: true })) {
    if (!e.isDirectory() || !(await onlyEmptyFolders(join(real, e.name)))) return false;
  }
  return true;
}

/** Undone steps keep their history, marked undone; an earlier check no longer proves anything. */
function forgetSteps(stateDir: string, steps: string[]): void {
  if (!steps.length) return;
  try {
    const s = readState(stateDir);
    const at = new Date().toISOString();
    for (const id of steps) if (s.steps[id]) s.steps[id] = { ...s.steps[id]!, undoneAt: at };
    s.undoneAt = at;
    writeState(stateDir, s);
  } catch {
    // The state is a convenience; the journal is what undo trusts.
  }
}

export const INSTALL_RECORD = (stateDir: string) => join(stateDir, 'installed-release.json');
