// Keeps the state file in step with a run: the run itself, each step's result as it is
// reported, the resolved release and the check's evidence. The TUI and the headless CLI
// both feed it from their runner hooks.

import type { StepReport } from '../steps/runner.js';
import type { CheckView } from '../wizard/state.js';
import type { WizardOptions } from '../wizard/options.js';
import { answersFromOptions } from '../answers/answers-file.js';
import { SecretMasker } from '../log/mask.js';
import { maskedProblem, registerJoinSecrets } from '../kube/steps/common.js';
import { ownIdentity } from './process-identity.js';
import { readState, writeState, WizardStateFile } from './state-file.js';

export interface RecorderInit {
  stateDir: string;
  runId: string;
  command: string;
  steps: string[];
  options: WizardOptions;
  /** Keys the operator gave or answered (saved even when they equal the default). */
  answered: ReadonlySet<string>;
  logFile: string | null;
  results: ReadonlyMap<string, unknown>;
  practice?: boolean;
  /** Where a failure to save is reported (once). */
  warn(text: string): void;
}

export class RunRecorder {
  private warned = false;
  /** Step texts are masked by the steps; this makes sure no join secret reaches the file anyway. */
  private readonly masker = new SecretMasker();

  constructor(private readonly init: RecorderInit) {
    registerJoinSecrets(this.masker, init.options.join);
  }

  start(): void {
    const { init } = this;
    this.update((s) => {
      // A check changes nothing: the answers to resume or rerun with stay those of the run that did.
      if (init.command !== 'check') {
        s.engine = init.options.engine;
        s.answers = answersFromOptions(init.options, init.answered);
      }
      s.runs.push({ id: init.runId, command: init.command, pid: process.pid, proc: ownIdentity(), startedAt: new Date().toISOString(), logFile: init.logFile, steps: init.steps, practice: init.practice || undefined });
    });
  }

  /** Answers can change after the start (TUI questions): saved again before the steps run. */
  saveAnswers(options: WizardOptions, answered: ReadonlySet<string>): void {
    this.update((s) => { s.engine = options.engine; s.answers = answersFromOptions(options, answered); });
  }

  report(stepId: string, r: StepReport): void {
    if (!r.status || r.status === 'pending') return;
    const { init } = this;
    this.update((s) => {
      s.steps[stepId] = { status: r.status!, summary: this.masker.mask(r.summary ?? ''), at: new Date().toISOString(), runId: init.runId, ...(r.problem ? { problem: maskedProblem(this.masker, r.problem) } : {}) };
      const sha512 = init.results.get('release-sha512');
      if (stepId === 'install-runsc' && typeof sha512 === 'string' && (r.status === 'ok' || r.status === 'done' || r.status === 'running')) {
        const version = init.results.get('runsc-version');
        s.release = { requested: init.options.release, sha512, ...(typeof version === 'string' ? { version } : {}) };
      }
    });
  }

  check(c: CheckView): void {
    const masked = JSON.parse(this.masker.mask(JSON.stringify(c))) as CheckView;
    // Which runtime was checked: a later one-off check of another name is told apart.
    this.update((s) => { s.check = { ...masked, at: new Date().toISOString(), runId: this.init.runId, runtimeName: this.init.options.runtimeName, engine: this.init.options.engine }; });
  }

  finish(ok: boolean): void {
    this.update((s) => {
      const run = s.runs.find((r) => r.id === this.init.runId);
      if (run) { run.ok = ok; run.endedAt = new Date().toISOString(); }
    });
  }

  /** Read-modify-write: another face (undo, a rerun) may have saved in between. */
  private update(change: (s: WizardStateFile) => void): void {
    try {
      const s = readState(this.init.stateDir);
      change(s);
      writeState(this.init.stateDir, s);
    } catch (e) {
      if (!this.warned) this.init.warn(`could not save progress in ${this.init.stateDir}/state.json: ${(e as Error).message} (the run goes on; resume and the step menu will not know about it)`);
      this.warned = true;
    }
  }
}
