// What the wizard remembers about this machine between runs: the answers (never a secret),
// the last result of every step with its time, the resolved runsc release and the last
// isolation evidence. `<state-dir>/state.json`, mode 0600, replaced whole on every save.

import { mkdirSync, readFileSync } from 'node:fs';
import { replacePrivateFile } from '../util/private-file.js';
import { join } from 'node:path';
import { stillRunning } from './process-identity.js';
import type { CheckView, EngineName, Problem, StepStatus } from '../wizard/state.js';

export const STATE_FILE = 'state.json';
const MAX_RUNS = 50;

export interface StepRecord {
  status: StepStatus;
  summary: string;
  /** ISO time of the result. */
  at: string;
  runId: string;
  problem?: Problem;
  /** Set when undo put this step's changes back (after `at`). */
  undoneAt?: string;
}

export interface RunRecord {
  id: string;
  /** apply, run <step>, resume, tui, check, undo */
  command: string;
  pid: number;
  /** Boot id + pid + start time: tells a killed run from a live one even after a reboot. */
  proc?: string;
  startedAt: string;
  endedAt?: string;
  /** Unset while the run is going on (or when it was killed). */
  ok?: boolean;
  logFile?: string | null;
  /** The steps of this run, in order (resume starts at the first that did not finish). */
  steps: string[];
  /** Practice run: engines were stand-ins, nothing on the real machine was changed. */
  practice?: boolean;
}

export interface ReleaseRecord {
  /** As asked: latest, nightly, 20240101.0 */
  requested: string;
  /** The published sha512 of what was (or is being) installed: pins `latest` on resume. */
  sha512: string;
  /** `runsc --version` of the installed binary, when it ran. */
  version?: string;
}

export interface WizardStateFile {
  version: 1;
  engine?: EngineName;
  /** Answers-file keys and values (see src/answers): no secret is ever put here. */
  answers: Record<string, unknown>;
  release?: ReleaseRecord;
  /** The last result of each step on this machine. */
  steps: Record<string, StepRecord>;
  /** Newest last. */
  runs: RunRecord[];
  /** The last isolation check, with its evidence. */
  check?: CheckView & { at: string; runId: string; runtimeName?: string; engine?: EngineName };
  /** The last undo: a check from before it proves nothing about the machine now. */
  undoneAt?: string;
}

export function emptyState(): WizardStateFile {
  return { version: 1, answers: {}, steps: {}, runs: [] };
}

export class StateFileError extends Error {
  constructor(readonly file: string, why: string) {
    super(`${file}: ${why}`);
    this.name = 'StateFileError';
  }
}

/** Reads the state; a missing file is an empty state, a damaged one an error naming the file. */
export function readState(stateDir: string): WizardStateFile {
  const file = join(stateDir, STATE_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return emptyState();
    throw new StateFileError(file, (e as Error).message);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new StateFileError(file, `not valid JSON (${(e as Error).message}); move it away to start afresh (the wizard then re-checks every step on the machine)`);
  }
  const s = data as Partial<WizardStateFile>;
  if (!s || typeof s !== 'object' || s.version !== 1 || typeof s.steps !== 'object' || !Array.isArray(s.runs)) {
    throw new StateFileError(file, 'not a gvisor-wizard state file of version 1; move it away to start afresh');
  }
  return { ...emptyState(), ...s } as WizardStateFile;
}

/** Temp file + rename: a crash leaves the old state or the new one, never half of one. */
export function writeState(stateDir: string, state: WizardStateFile): void {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const trimmed = { ...state, runs: state.runs.slice(-MAX_RUNS) };
  replacePrivateFile(join(stateDir, STATE_FILE), `${JSON.stringify(trimmed, null, 2)}\n`);
}

/**
 * The run a new start could resume: the latest one that changed the machine and did not
 * finish, whose process is gone (killed, crashed, rebooted). Undefined when there is none.
 */
export function unfinishedRun(state: WizardStateFile, alive: (run: RunRecord) => boolean = (r) => stillRunning(r.proc, r.pid)): { run: RunRecord; resumeAt: string } | undefined {
  const run = [...state.runs].reverse().find((r) => r.command !== 'check' && r.command !== 'undo');
  if (!run || run.ok !== undefined || alive(run) || run.steps.length === 0) return undefined;
  const resumeAt = run.steps.find((id) => {
    const rec = state.steps[id];
    return !rec || rec.runId !== run.id || !['ok', 'done', 'not-applicable'].includes(rec.status);
  });
  return resumeAt ? { run, resumeAt } : undefined;
}
