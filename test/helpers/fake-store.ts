// A WizardStore for screen tests: holds a state, `set()` changes it and notifies, intents are recorded.

import type { EngineName, PlanAnswer, WizardState, WizardStore } from '../../src/wizard/state.js';

export type IntentCall =
  | { intent: 'proceed' }
  | { intent: 'chooseRuntime'; engine: EngineName }
  | { intent: 'confirm'; apply: PlanAnswer }
  | { intent: 'resume' }
  | { intent: 'toggleDryRun' }
  | { intent: 'openMenu' }
  | { intent: 'rerunStep'; stepId: string }
  | { intent: 'openUndo'; stepId?: string }
  | { intent: 'undoAnswer'; yes: boolean }
  | { intent: 'back' }
  | { intent: 'scrollLog'; lines: number | 'end' }
  | { intent: 'toggleLogFilter' }
  | { intent: 'answer'; questionId: string; value: string }
  | { intent: 'quit' };

export class FakeStore implements WizardStore {
  readonly calls: IntentCall[] = [];
  private state: WizardState;
  private readonly listeners = new Set<() => void>();

  constructor(initial: Partial<WizardState> = {}) {
    this.state = { phase: 'detecting', runtimeChoices: [], steps: [], logTail: [], ...initial };
  }

  // Arrow properties: React calls subscribe/getState without `this`.
  getState = (): WizardState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  /** Replace some fields (a new snapshot object) and notify subscribers. */
  set(partial: Partial<WizardState>): void {
    this.state = { ...this.state, ...partial };
    for (const l of [...this.listeners]) l();
  }

  proceed = (): void => {
    this.calls.push({ intent: 'proceed' });
  };
  chooseRuntime = (engine: EngineName): void => {
    this.calls.push({ intent: 'chooseRuntime', engine });
  };
  confirm = (apply: PlanAnswer): void => {
    this.calls.push({ intent: 'confirm', apply });
  };
  resume = (): void => { this.calls.push({ intent: 'resume' }); };
  toggleDryRun = (): void => { this.calls.push({ intent: 'toggleDryRun' }); };
  openMenu = (): void => { this.calls.push({ intent: 'openMenu' }); };
  rerunStep = (stepId: string): void => { this.calls.push({ intent: 'rerunStep', stepId }); };
  openUndo = (stepId?: string): void => { this.calls.push(stepId === undefined ? { intent: 'openUndo' } : { intent: 'openUndo', stepId }); };
  undoAnswer = (yes: boolean): void => { this.calls.push({ intent: 'undoAnswer', yes }); };
  back = (): void => { this.calls.push({ intent: 'back' }); };
  scrollLog = (lines: number | 'end'): void => { this.calls.push({ intent: 'scrollLog', lines }); };
  toggleLogFilter = (): void => { this.calls.push({ intent: 'toggleLogFilter' }); };
  answer = (questionId: string, value: string): void => {
    this.calls.push({ intent: 'answer', questionId, value });
  };
  quit = (): void => {
    this.calls.push({ intent: 'quit' });
  };
}
