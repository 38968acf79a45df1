// What the TUI renders. The store that holds it lives outside React (controller.ts);
// screens read a WizardState snapshot and call WizardIntents, nothing else.

import type { Facts } from '../detect/facts.js';
import type { ConfirmAnswer } from '../steps/runner.js';

export type EngineName = 'docker' | 'containerd';

export type StepStatus =
  | 'pending' // not looked at yet
  | 'done' // already in the wanted state on this machine: nothing to change
  | 'needed' // would change something
  | 'running'
  | 'ok' // applied and verified in this run
  | 'skipped' // operator said no
  | 'failed'
  | 'not-applicable';

/** Every failure says what failed, why, and what the operator can do next. */
export interface Problem {
  what: string;
  why: string;
  next: string;
}

export interface StepView {
  id: string;
  title: string;
  status: StepStatus;
  /** One line: what the step found or did. */
  summary?: string;
  problem?: Problem;
}

export interface FileChangeView {
  path: string;
  /** Unified diff (---/+++/@@ lines); empty when the file is created from nothing. */
  diff: string;
  created: boolean;
}

export interface PlanView {
  stepId: string;
  title: string;
  files: FileChangeView[];
  /** Each command exactly as it will run (argv, never a shell string). */
  commands: string[][];
  notes: string[];
}

export interface LogLine {
  /** Monotonic id so a view can key lines. */
  id: number;
  step?: string;
  level: 'info' | 'warn' | 'error' | 'cmd' | 'out' | 'err' | 'exit';
  text: string;
}

export interface ProgressView {
  label: string;
  bytes: number;
  total?: number;
  bytesPerSecond: number;
  etaSeconds?: number;
}

export interface EvidenceItem {
  label: string;
  ok: boolean;
  detail: string;
}

export interface CheckView {
  passed: boolean;
  /** One sentence, e.g. "isolated: the workload runs inside gVisor". */
  verdict: string;
  evidence: EvidenceItem[];
  problem?: Problem;
}

export interface RuntimeChoiceView {
  value: EngineName;
  label: string;
  /** Why this option cannot be chosen here; undefined when it can. */
  disabledReason?: string;
}

/** A multiple-choice question (runsc options); each one is also a command-line flag. */
export interface QuestionView {
  id: string;
  prompt: string;
  /** One or two sentences on what the choice means for the sandbox. */
  help: string;
  options: { value: string; label: string }[];
  /** Index of the preselected option. */
  initial: number;
  /** 'text': free input (the pasted join line) instead of a choice. */
  kind?: 'select' | 'text';
  /** Text input that is a secret: shown masked, never logged. */
  secret?: boolean;
  /** Why the last answer was refused (already masked). */
  error?: string;
}

export type Phase =
  | 'detecting'
  | 'welcome' // facts shown, press Enter
  | 'choose-runtime'
  | 'question' // a runsc option, one at a time
  | 'confirm' // a step's plan is shown, waiting for yes/no
  | 'running' // a step runs, live logs
  | 'summary' // the end: check result, log file
  | 'step-menu' // every step with its status now and its last result; rerun one
  | 'undo' // what undo would put back, then what it did
  | 'fatal'; // cannot go on (problem is set)

/** An interrupted run the welcome screen offers to resume. */
export interface ResumeOfferView {
  /** "2026-12-03 18:40 UTC (5 min ago)" */
  startedAt: string;
  engine: EngineName;
  stepId: string;
  stepTitle: string;
}

/** One row of the step menu. */
export interface StepMenuRow {
  id: string;
  title: string;
  now: 'done' | 'needed' | 'not-applicable' | 'blocked' | 'check';
  /** What a rerun would find now, one line. */
  summary: string;
  /** The last recorded result with when ("failed 2026-12-03 18:40 UTC (5 min ago)"), or "never run here". */
  last: string;
  lastStatus?: StepStatus;
  /** Why it is blocked now, or what failed last time. */
  problem?: Problem;
}

export interface StepMenuView {
  engine: EngineName;
  /** Undefined while the statuses are being read. */
  rows?: StepMenuRow[];
  /** The outcome of the last rerun from the menu ("configure-docker: already done, nothing changed"). */
  message?: { text: string; ok: boolean };
  /** The step the operator acted on last: the menu comes back with it chosen. */
  focus?: string;
}

export interface UndoChangeView {
  /** restore, remove, remove folder */
  verb: string;
  path: string;
  step?: string;
  at: string;
}

export interface UndoView {
  /** Only this step's changes; undefined: every step's. */
  step?: string;
  /** review: asking to go ahead; working: putting back; ask: a file changed by someone else; done. */
  stage: 'review' | 'working' | 'ask' | 'done';
  changes: UndoChangeView[];
  /** Journal lines that could not be read. */
  damaged: number;
  /** stage 'ask': the file and why it is asked about. */
  question?: { path: string; why: string };
  actions: { path: string; result: 'restored' | 'removed' | 'kept' | 'failed'; detail: string }[];
  engines: { engine: EngineName; ok: boolean; detail: string }[];
  ok?: boolean;
}

/** How the log pane is scrolled and filtered. */
export interface LogViewState {
  /** Only this step's lines (key f); undefined: every step. */
  step?: string;
  /** Lines between the newest shown line and the newest line; 0 follows the output. */
  scrolledUp: number;
}

export interface WizardState {
  phase: Phase;
  facts?: Facts;
  runtimeChoices: RuntimeChoiceView[];
  engine?: EngineName;
  steps: StepView[];
  currentStepId?: string;
  pendingPlan?: PlanView;
  question?: QuestionView;
  /**
   * The lines the log pane may show: at most LOG_TAIL_LINES of the (bounded) scrollback,
   * ending where it is scrolled to, filtered as logView says. The full output is in logFile.
   */
  logTail: LogLine[];
  logView?: LogViewState;
  progress?: ProgressView;
  check?: CheckView;
  logFile?: string | null;
  problem?: Problem;
  /** True once every step finished and the check passed. */
  success?: boolean;
  /** Dry run: every plan is shown, nothing is changed. */
  dryRun?: boolean;
  /** Lab mode: each step can be done by hand and checked. */
  lab?: boolean;
  /** Practice run: stand-in engines under --root; nothing real is changed or proven. */
  practice?: boolean;
  /** After a failure: known failures the doctor matched (title and first fix). */
  diagnoses?: { title: string; fix: string }[];
  /** The doctor is still looking at a failure. */
  diagnosing?: boolean;
  /** Shown above a plan that is offered again in lab mode ("not done yet: ..."). */
  planNote?: string;
  /** Lab mode: the pending plan may be done by hand (not for the isolation checks). */
  planByHand?: boolean;
  resumeOffer?: ResumeOfferView;
  menu?: StepMenuView;
  undo?: UndoView;
  /** Where --save-answers wrote this run's answers. */
  savedAnswers?: string;
}

/** The answer to a plan: apply, skip, or (lab mode) "I did it by hand, check it". */
export type PlanAnswer = ConfirmAnswer;

/** What screens may ask for. Everything else is the controller's business. */
export interface WizardIntents {
  /** Leave the welcome screen. */
  proceed(): void;
  chooseRuntime(engine: EngineName): void;
  /** Answer the question with this id. */
  answer(questionId: string, value: string): void;
  /** Answer the confirm screen for the pending step. */
  confirm(answer: PlanAnswer): void;
  /** Welcome: start over is proceed(); this resumes the unfinished run. */
  resume(): void;
  /** Welcome: turn dry run on or off. */
  toggleDryRun(): void;
  /** Welcome or summary: the step menu. */
  openMenu(): void;
  /** Step menu: rerun this step alone. */
  rerunStep(stepId: string): void;
  /** Step menu, summary: what undo would put back (one step or all). */
  openUndo(stepId?: string): void;
  /** Undo screen: go ahead (review) or overwrite the file asked about (ask). */
  undoAnswer(yes: boolean): void;
  /** Leave the step menu or the undo screen. */
  back(): void;
  /** Log pane: scroll by lines (positive: older); 'end' follows the output again. */
  scrollLog(lines: number | 'end'): void;
  /** Log pane: every step or only the current one. */
  toggleLogFilter(): void;
  /** Quit cleanly: stop a running command, never leave half-written files. */
  quit(): void;
}

export interface WizardStore extends WizardIntents {
  getState(): WizardState;
  subscribe(listener: () => void): () => void;
}
