// A step is one named, rerunnable unit of the wizard (kubeadm-phase style). It can say
// whether the machine is already as wanted, what it would change, apply that, and
// verify it. The TUI, the headless CLI and the tests all drive these same objects.

import type { Facts } from '../detect/facts.js';
import type { Host } from '../host/host.js';
import type { RunLog } from '../log/run-log.js';
import type { WizardOptions } from '../wizard/options.js';
import type { CheckView, Problem, ProgressView } from '../wizard/state.js';

export interface FileChange {
  path: string;
  /** null when the file does not exist yet. */
  before: string | null;
  after: string;
  /** Mode for a new file. */
  mode?: number;
}

export interface StepPlan {
  files: FileChange[];
  /** Commands the step will run, exactly as argv. */
  commands: string[][];
  notes: string[];
}

export type Inspection =
  | { status: 'done'; summary: string }
  | { status: 'not-applicable'; summary: string }
  | { status: 'needed'; summary: string; plan: StepPlan }
  /** The machine is in a state the step must not touch (invalid file, conflict). */
  | { status: 'blocked'; summary: string; problem: Problem };

export interface StepContext {
  host: Host;
  log: RunLog;
  facts: Facts;
  options: WizardOptions;
  /** Stops a running command when the operator quits. */
  signal: AbortSignal;
  progress(p: ProgressView | undefined): void;
  /** Results handed from one step to a later one (e.g. the installed runsc path). */
  results: Map<string, unknown>;
  /** Where the isolation check reports its evidence. */
  reportCheck(check: CheckView): void;
}

export interface Step {
  id: string;
  title: string;
  /** Read-only: never changes the machine (runs in dry-run mode too). */
  inspect(ctx: StepContext): Promise<Inspection>;
  /** Make the change described by the plan; returns a one-line summary. */
  apply(ctx: StepContext, plan: StepPlan): Promise<string>;
  /** Prove the change took effect; throws StepFailure when it did not. */
  verify(ctx: StepContext): Promise<string>;
}

/** A failure the operator can act on: what failed, why, what to do next. */
export class StepFailure extends Error {
  constructor(readonly problem: Problem) {
    super(`${problem.what}: ${problem.why}`);
    this.name = 'StepFailure';
  }
}

/** A command that failed, as a Problem: its last lines of output are the why. */
export function commandFailed(r: { argv: string[]; stderr: string; stdout: string; spawnError?: string; exitCode: number | null; timedOut: boolean }, next: string): StepFailure {
  const why = r.timedOut ? 'it timed out' : (r.stderr || r.stdout || r.spawnError || `exit ${r.exitCode}`).trim().split('\n').slice(-3).join(' / ');
  return new StepFailure({ what: `${r.argv.join(' ')} failed`, why, next });
}

export function emptyPlan(): StepPlan {
  return { files: [], commands: [], notes: [] };
}
