// What the TUI renders. The store that holds it lives outside React (controller.ts);
// screens read a WizardState snapshot and call WizardIntents, nothing else.

import type { Facts } from '../detect/facts.js';

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
  | 'fatal'; // cannot go on (problem is set)

export interface WizardState {
  phase: Phase;
  facts?: Facts;
  runtimeChoices: RuntimeChoiceView[];
  engine?: EngineName;
  steps: StepView[];
  currentStepId?: string;
  pendingPlan?: PlanView;
  question?: QuestionView;
  /** Bounded tail of the log; the full output is in logFile. */
  logTail: LogLine[];
  progress?: ProgressView;
  check?: CheckView;
  logFile?: string | null;
  problem?: Problem;
  /** True once every step finished and the check passed. */
  success?: boolean;
}

/** What screens may ask for. Everything else is the controller's business. */
export interface WizardIntents {
  /** Leave the welcome screen. */
  proceed(): void;
  chooseRuntime(engine: EngineName): void;
  /** Answer the question with this id. */
  answer(questionId: string, value: string): void;
  /** Answer the confirm screen for the pending step. */
  confirm(apply: boolean): void;
  /** Quit cleanly: stop a running command, never leave half-written files. */
  quit(): void;
}

export interface WizardStore extends WizardIntents {
  getState(): WizardState;
  subscribe(listener: () => void): () => void;
}
