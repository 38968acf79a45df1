// The TUI's store and logic, outside React (gatsby-cli reporter style): it runs the
// session's steps and turns their reports into WizardState snapshots. Screens only
// render the snapshot and call the intents.

import type { LogEntry } from '../log/run-log.js';
import { runSteps } from '../steps/runner.js';
import type { Step } from '../steps/step.js';
import { engineChoices, Session, stepsFor } from '../wizard/session.js';
import { Question, runscQuestions } from '../wizard/questions.js';
import { registerJoinSecrets } from '../kube/steps/common.js';
import type { EngineName, LogLine, PlanView, ProgressView, StepView, WizardState, WizardStore } from '../wizard/state.js';
import { preflightProblem } from '../cli/headless.js';
import type { ParsedCli } from '../cli/args.js';

/** The redrawn region must stay small: the full output is in the log file. */
export const LOG_TAIL_LINES = 200;
const FLUSH_MS = 80;

export class WizardController implements WizardStore {
  private state: WizardState = { phase: 'detecting', runtimeChoices: [], steps: [], logTail: [] };
  private listeners = new Set<() => void>();
  private pendingLines: LogLine[] = [];
  private flushTimer: NodeJS.Timeout | null = null;
  private nextLineId = 1;
  private pendingConfirm: ((apply: boolean) => void) | null = null;
  private running = false;
  private quitting = false;
  private questions: Question[] = [];
  private unsubscribeLog: () => void;
  /** Resolves with the exit code when the operator quits. */
  readonly finished: Promise<number>;
  private finish!: (code: number) => void;

  constructor(private readonly session: Session, private readonly cli: ParsedCli) {
    this.finished = new Promise((r) => { this.finish = r; });
    this.unsubscribeLog = session.log.subscribe((e) => this.onLog(e));
  }

  getState = (): WizardState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private set(patch: Partial<WizardState>): void {
    this.state = { ...this.state, ...patch };
    for (const l of this.listeners) l();
  }

  async start(): Promise<void> {
    const facts = await this.session.detect();
    const problem = preflightProblem(facts, this.cli);
    this.set({ facts, runtimeChoices: engineChoices(facts), logFile: this.session.log.filePath, phase: problem ? 'fatal' : 'welcome', problem });
  }

  proceed = (): void => {
    if (this.state.phase !== 'welcome') return;
    this.set({ phase: 'choose-runtime' });
    // --runtime on the command line already answered the engine question.
    if (this.cli.explicit.has('runtime')) this.chooseRuntime(this.session.options.engine);
  };

  chooseRuntime = (engine: EngineName): void => {
    if (this.state.phase !== 'choose-runtime' || this.running) return;
    const choice = this.state.runtimeChoices.find((c) => c.value === engine);
    if (!choice || choice.disabledReason) return;
    this.session.options.engine = engine;
    this.questions = runscQuestions(this.state.facts!, this.cli.explicit, engine);
    this.nextQuestion();
  };

  answer = (questionId: string, value: string): void => {
    const q = this.questions[0];
    if (this.state.phase !== 'question' || !q || q.id !== questionId) return;
    if (q.kind !== 'text' && !q.options.some((o) => o.value === value)) return;
    // A secret is registered with the masker before anything can print it.
    if (q.secret) registerJoinSecrets(this.session.log.masker, value);
    try {
      q.apply(this.session.options, value);
    } catch (e) {
      const err = e as Error & { hint?: string };
      this.set({ question: { ...this.state.question!, error: this.session.log.masker.mask(`${err.message}${err.hint ? ` - ${err.hint}` : ''}`) } });
      return;
    }
    this.session.log.info(`answer: ${q.id} = ${q.secret ? '(given, masked)' : value}`);
    this.questions.shift();
    this.nextQuestion();
  };

  private nextQuestion(): void {
    while (this.questions[0]?.onlyIf && !this.questions[0].onlyIf(this.session.options)) this.questions.shift();
    const q = this.questions[0];
    if (q) {
      const { apply: _apply, onlyIf: _onlyIf, ...view } = q;
      this.set({ phase: 'question', question: view });
      return;
    }
    this.set({ question: undefined });
    void this.runAll(stepsFor(this.session.options.engine, this.session.options));
  }

  confirm = (apply: boolean): void => {
    const answer = this.pendingConfirm;
    if (!answer) return;
    this.pendingConfirm = null;
    this.set({ pendingPlan: undefined, phase: 'running' });
    answer(apply);
  };

  quit = (): void => {
    // Stop the running command; files are only ever replaced by rename, never half-written.
    this.session.abort.abort();
    if (this.pendingConfirm) { const a = this.pendingConfirm; this.pendingConfirm = null; a(false); }
    this.flush();
    // A running step still cleans up (the check removes its container): exit after it.
    if (this.running) { this.quitting = true; return; }
    this.finish(this.state.success ? 0 : this.state.phase === 'summary' ? 1 : 0);
  };

  private async runAll(steps: Step[]): Promise<void> {
    this.running = true;
    this.set({
      engine: this.session.options.engine,
      phase: 'running',
      steps: steps.map((s): StepView => ({ id: s.id, title: s.title, status: 'pending' })),
    });
    const ctx = this.session.context({
      progress: (p) => this.onProgress(p),
      reportCheck: (check) => this.set({ check }),
    });
    const outcome = await runSteps(steps, ctx, {
      report: (id, r) => this.set({
        currentStepId: id,
        steps: this.state.steps.map((s) => (s.id === id ? { ...s, ...r, problem: r.problem ?? (r.status === 'failed' ? s.problem : undefined) } : s)),
      }),
      confirm: (_step: Step, plan: PlanView) => new Promise<boolean>((resolve) => {
        if (this.cli.yes) { resolve(true); return; }
        this.pendingConfirm = resolve;
        this.set({ phase: 'confirm', pendingPlan: plan });
      }),
    });
    this.running = false;
    this.flush();
    this.set({ phase: 'summary', success: outcome.ok, problem: outcome.problem, progress: undefined });
    if (this.quitting) this.finish(130);
  }

  private lastProgress = 0;
  private onProgress(p: ProgressView | undefined): void {
    const now = Date.now();
    if (p && now - this.lastProgress < 100 && p.bytes !== p.total) return;
    this.lastProgress = now;
    this.set({ progress: p });
  }

  /** Lines are batched: thousands a second must not mean thousands of renders. */
  private onLog(e: LogEntry): void {
    if (e.detail && !this.cli.verbose) return;
    this.pendingLines.push({ id: this.nextLineId++, step: e.step, level: e.level, text: e.text });
    // Trimmed now and then, not per line (a splice per line was a fifth of the CPU for 100,000 lines).
    if (this.pendingLines.length >= 2 * LOG_TAIL_LINES) this.pendingLines = this.pendingLines.slice(-LOG_TAIL_LINES);
    if (!this.flushTimer) this.flushTimer = setTimeout(() => this.flush(), FLUSH_MS);
  }

  private flush(): void {
    if (this.flushTimer) { clearTimeout(this.flushTimer); this.flushTimer = null; }
    if (this.pendingLines.length === 0) return;
    const tail = [...this.state.logTail, ...this.pendingLines].slice(-LOG_TAIL_LINES);
    this.pendingLines = [];
    this.set({ logTail: tail });
  }

  dispose(): void {
    this.unsubscribeLog();
    if (this.flushTimer) clearTimeout(this.flushTimer);
  }
}
