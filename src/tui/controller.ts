// The TUI's store and logic, outside React (gatsby-cli reporter style): it runs the
// session's steps and turns their reports into WizardState snapshots. Screens only
// render the snapshot and call the intents.
//
// It mirrors the headless faces (src/cli/headless.ts, undo-command.ts): the lock is taken
// before the first change, every run is recorded in the state file, --save-answers writes
// the answers once they are all known.

import type { LogEntry } from '../log/run-log.js';
import { logPlan, problemOf, runOneStep, runSteps, toPlanView, WIZARD_ONLY_STEPS, type RunHooks, type RunOutcome, type StepReport } from '../steps/runner.js';
import type { Step, StepContext } from '../steps/step.js';
import { engineChoices, Session, stepsFor } from '../wizard/session.js';
import { Question, runscQuestions } from '../wizard/questions.js';
import { registerJoinSecrets } from '../kube/steps/common.js';
import type {
  CheckView, EngineName, LogLine, PlanAnswer, PlanView, Phase, Problem, ProgressView, ResumeOfferView, StepMenuRow, StepView, WizardState, WizardStore,
} from '../wizard/state.js';
import type { Facts } from '../detect/facts.js';
import { preflightProblem } from '../cli/headless.js';
import { parseCli, type ParsedCli } from '../cli/args.js';
import { answersFromOptions, answersToFlags, readAnswersFile, writeAnswersFile } from '../answers/answers-file.js';
import { acquireLock, LockHeldError, type HeldLock } from '../state/lock.js';
import type { RunRecorder } from '../state/recorder.js';
import { readState, STATE_FILE, unfinishedRun, type WizardStateFile } from '../state/state-file.js';
import { describeLast, stepStatuses } from '../steps/status.js';
import { INSTALL_RECORD, pendingChanges, undoChanges } from '../undo/undo.js';
import { refreshEngines } from '../undo/engines.js';
import { LogScrollback } from './log-scrollback.js';

export { LOG_TAIL_LINES, SCROLLBACK_LINES } from './log-scrollback.js';
const FLUSH_MS = 80;

/** Question ids and the answers-file key each one answers. */
const ANSWER_KEY_OF_QUESTION: Record<string, string | undefined> = {
  network: 'runtime-arg',
  platform: 'runtime-arg',
  'default-runtime': 'default-runtime',
  'systemd-cgroup': 'systemd-cgroup',
  kubernetes: 'kubernetes',
  join: undefined, // a secret: never saved
};

/** How a run started from the TUI is recorded and where it goes afterwards. */
interface RunHow {
  /** As recorded in the state file: tui, resume, run <id>. */
  command: string;
  /** A rerun from the step menu: one step, then back to the menu. */
  fromMenu?: boolean;
}

/** "2026-12-03 18:40 UTC (5 min ago)": describeLast's wording without the status word. */
function when(at: string): string {
  return describeLast({ status: '' as never, summary: '', at, runId: '' }).trim();
}

const ALL_STEPS = (): Step[] => [...stepsFor('docker'), ...stepsFor('containerd', { kubernetes: true })];

export class WizardController implements WizardStore {
  private state: WizardState = { phase: 'detecting', runtimeChoices: [], steps: [], logTail: [] };
  private listeners = new Set<() => void>();
  private pendingLines: LogLine[] = [];
  private flushTimer: NodeJS.Timeout | null = null;
  private nextLineId = 1;
  private readonly scrollback = new LogScrollback();
  private pendingConfirm: ((answer: PlanAnswer) => void) | null = null;
  private pendingDecision: ((overwrite: boolean) => void) | null = null;
  private running = false;
  private quitting = false;
  private questions: Question[] = [];
  /** What happens once the questions are answered (a full run unless a resume or rerun says otherwise). */
  private afterQuestions: () => void = () => this.startFullRun();
  /** What happens once an engine is chosen (the questions, or the step menu). */
  private afterChoice: (() => void) | null = null;
  /** Answers-file keys the operator gave or answered: saved even when they equal the default. */
  private answered: Set<string>;
  private recorded: WizardStateFile | undefined;
  private lock: HeldLock | undefined;
  private dryRunSession: Session | undefined;
  /** Sessions this controller made (dry run, undo): closed in dispose(). */
  private ownSessions: Session[] = [];
  private unsubscribers: (() => void)[] = [];
  private menuFrom: Phase = 'welcome';
  private undoFrom: Phase = 'summary';
  private lastOk = true;
  private mainSessionUsed = false;
  /** Resolves with the exit code when the operator quits. */
  readonly finished: Promise<number>;
  private finish!: (code: number) => void;

  /**
   * `argv` is the original command line: resume rebuilds the options from it and the recorded
   * answers. `stepsOf` gives the steps of a path (tests pass fake steps).
   */
  constructor(
    private readonly session: Session,
    private readonly cli: ParsedCli,
    private readonly argv: string[] = [],
    private readonly stepsOf: typeof stepsFor = stepsFor,
  ) {
    this.finished = new Promise((r) => { this.finish = r; });
    this.answered = new Set(cli.explicit);
    this.attach(session);
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

  private get options() {
    return this.session.options;
  }

  async start(): Promise<void> {
    this.showWelcome(await this.session.detect());
  }

  /** The welcome screen for these facts, with the resume offer when a run was interrupted. */
  showWelcome(facts: Facts): void {
    this.session.facts = facts;
    const problem = preflightProblem(facts, this.cli);
    this.recorded = this.readRecorded();
    this.set({
      facts,
      runtimeChoices: this.practiceChoices(engineChoices(facts)),
      logFile: this.session.log.filePath,
      phase: problem ? 'fatal' : 'welcome',
      problem,
      dryRun: this.cli.dryRun || undefined,
      lab: this.cli.lab || undefined,
      practice: this.cli.practice || undefined,
      resumeOffer: this.resumeOffer(),
    });
  }

  /** The state file; a damaged one is named in the log and treated as empty (resume and the menu then know nothing). */
  private readRecorded(): WizardStateFile | undefined {
    try {
      return readState(this.options.stateDir);
    } catch (e) {
      this.session.log.warn((e as Error).message);
      return undefined;
    }
  }

  private resumeOffer(): ResumeOfferView | undefined {
    const open = this.recorded && unfinishedRun(this.recorded);
    if (!open) return undefined;
    return {
      startedAt: when(open.run.startedAt),
      engine: this.recorded!.engine ?? 'docker',
      stepId: open.resumeAt,
      stepTitle: ALL_STEPS().find((s) => s.id === open.resumeAt)?.title ?? open.resumeAt,
    };
  }

  // ---------------------------------------------------------------------------------------
  // Welcome, engine, questions

  /** Enter on the welcome screen: start over with the command line's answers. */
  proceed = (): void => {
    if (this.state.phase !== 'welcome') return;
    this.afterQuestions = () => this.startFullRun();
    this.afterChoice = null;
    this.set({ phase: 'choose-runtime' });
    // --runtime on the command line already answered the engine question.
    if (this.cli.explicit.has('runtime')) this.chooseRuntime(this.options.engine);
  };

  toggleDryRun = (): void => {
    if (this.state.phase !== 'welcome') return;
    this.set({ dryRun: !this.state.dryRun || undefined });
  };

  chooseRuntime = (engine: EngineName): void => {
    if (this.state.phase !== 'choose-runtime' || this.running) return;
    const choice = this.state.runtimeChoices.find((c) => c.value === engine);
    if (!choice || choice.disabledReason) return;
    this.options.engine = engine;
    this.answered.add('runtime');
    this.set({ engine });
    if (this.afterChoice) {
      const next = this.afterChoice;
      this.afterChoice = null;
      next();
      return;
    }
    // Practice has no Kubernetes stand-ins: its questions are not asked (headless refuses --kubernetes).
    this.questions = runscQuestions(this.state.facts!, this.cli.explicit, engine, this.options.runtimeName)
      .filter((q) => !this.cli.practice || (q.id !== 'kubernetes' && q.id !== 'join'));
    this.nextQuestion();
  };

  answer = (questionId: string, value: string): void => {
    const q = this.questions[0];
    if (this.state.phase !== 'question' || !q || q.id !== questionId) return;
    if (q.kind !== 'text' && !q.options.some((o) => o.value === value)) return;
    // A secret is registered with the masker before anything can print it.
    if (q.secret) for (const s of this.sessions()) registerJoinSecrets(s.log.masker, value);
    try {
      q.apply(this.options, value);
    } catch (e) {
      const err = e as Error & { hint?: string };
      this.set({ question: { ...this.state.question!, error: this.session.log.masker.mask(`${err.message}${err.hint ? ` - ${err.hint}` : ''}`) } });
      return;
    }
    this.session.log.info(`answer: ${q.id} = ${q.secret ? '(given, masked)' : value}`);
    const key = ANSWER_KEY_OF_QUESTION[q.id] ?? (q.id in ANSWER_KEY_OF_QUESTION ? undefined : q.id);
    if (key) this.answered.add(key);
    this.questions.shift();
    this.nextQuestion();
  };

  private nextQuestion(): void {
    while (this.questions[0]?.onlyIf && !this.questions[0].onlyIf(this.options)) this.questions.shift();
    const q = this.questions[0];
    if (q) {
      const { apply: _apply, onlyIf: _onlyIf, ...view } = q;
      this.set({ phase: 'question', question: view });
      return;
    }
    this.set({ question: undefined });
    this.afterQuestions();
  }

  /** The join line is a secret and never stored: a resumed or rerun Kubernetes join asks for it again. */
  private joinQuestionIfNeeded(steps: readonly Step[]): Question[] {
    if (!this.options.kubernetes || this.options.join || !steps.some((s) => s.id === 'kube-join')) return [];
    return runscQuestions(this.state.facts!, new Set([...this.answered].filter((k) => k !== 'join')), 'containerd').filter((q) => q.id === 'join');
  }

  private startFullRun(): void {
    this.saveAnswers();
    void this.runAll(this.stepsOf(this.options.engine, this.options), { command: 'tui' });
  }

  /** --save-answers FILE: written once the questions are answered. */
  private saveAnswers(): void {
    if (!this.cli.saveAnswers) return;
    try {
      writeAnswersFile(this.cli.saveAnswers, answersFromOptions(this.options, this.answered), `saved by the gvisor-wizard TUI on ${new Date().toISOString()}`);
      this.session.log.info(`answers saved to ${this.cli.saveAnswers}`);
      this.set({ savedAnswers: this.cli.saveAnswers });
    } catch (e) {
      this.session.log.warn(`could not save the answers to ${this.cli.saveAnswers}: ${(e as Error).message}`);
    }
  }

  // ---------------------------------------------------------------------------------------
  // Resume

  /**
   * The options of the recorded run: the original command line over the recorded answers
   * (and the answers file, as main.ts layers them). Throws AnswersError / UsageError.
   */
  recordedCli(): ParsedCli {
    const layers = [answersToFlags(this.recorded?.answers ?? {}, `${this.options.stateDir}/${STATE_FILE}`)];
    if (this.cli.answersFile) layers.push(readAnswersFile(this.cli.answersFile));
    return parseCli(this.argv, layers);
  }

  /** Takes the recorded answers as this session's; false (with the problem shown) when they do not parse. */
  private useRecordedAnswers(): boolean {
    try {
      const cli = this.recordedCli();
      Object.assign(this.options, cli.options);
      for (const k of cli.explicit) this.answered.add(k);
      return true;
    } catch (e) {
      this.set({ phase: 'fatal', problem: { what: 'the recorded answers cannot be used', why: (e as Error).message, next: `Start over (run the wizard again and press Enter), or move ${this.options.stateDir}/${STATE_FILE} away.` } });
      return false;
    }
  }

  resume = (): void => {
    const open = this.recorded && unfinishedRun(this.recorded);
    if (this.state.phase !== 'welcome' || !this.state.resumeOffer || !open) return;
    if (!this.useRecordedAnswers()) return;
    // The same runsc build as the interrupted run: `latest` may have moved since.
    if (this.recorded!.release && !this.cli.explicit.has('release')) this.options.releaseSha512 = this.recorded!.release.sha512;
    const steps = this.stepsOf(this.options.engine, this.options).filter((s) => open.run.steps.includes(s.id));
    const from = steps.findIndex((s) => s.id === open.resumeAt);
    if (from < 0) {
      this.set({ phase: 'fatal', problem: { what: 'cannot resume', why: `the interrupted run stopped at ${open.resumeAt}, which is not a step of the ${this.options.engine} path with the recorded answers`, next: 'Start over: run the wizard again and press Enter.' } });
      return;
    }
    this.session.log.info(`resuming the run of ${open.run.startedAt} at ${open.resumeAt}`);
    this.set({ engine: this.options.engine });
    this.questions = this.joinQuestionIfNeeded(steps.slice(from));
    this.afterQuestions = () => {
      this.saveAnswers();
      // Every step is looked at again: one finished before the interruption may have been
      // undone or changed since (its inspection then says so); finished ones pass quickly.
      void this.runAll(steps, { command: 'resume' });
    };
    this.nextQuestion();
  };

  // ---------------------------------------------------------------------------------------
  // Running steps

  confirm = (answer: PlanAnswer): void => {
    const resolve = this.pendingConfirm;
    if (!resolve || (answer === 'by-hand' && !this.state.planByHand)) return;
    this.pendingConfirm = null;
    this.set({ pendingPlan: undefined, planNote: undefined, planByHand: undefined, phase: 'running' });
    resolve(answer);
  };

  /** Takes the lock before the first change; false (the problem shown) when another wizard holds it. */
  private takeLock(command: string): boolean {
    if (this.lock) return true;
    try {
      this.lock = acquireLock(this.options.stateDir, command);
      if (this.lock.tookOver) this.session.log.warn(this.lock.tookOver);
      return true;
    } catch (e) {
      const problem = e instanceof LockHeldError
        ? { what: e.message, why: 'two wizards editing the same files and reloading the same engine would undo each other\'s work', next: e.next }
        : { what: 'cannot take the lock', why: (e as Error).message, next: `Check that ${this.options.stateDir} is writable (or pass --state-dir DIR).` };
      this.set({ phase: 'fatal', problem });
      return false;
    }
  }

  /**
   * The session a run uses. Each recorded run needs its own (its run id names it in the state
   * file, the journal and the backups, and it gets its own log file): the first run uses the
   * detection session, later ones (menu reruns) a new one. A dry run uses a session whose host
   * refuses every write, made when the first dry run starts.
   */
  private runSession(command: string): Session {
    if (this.state.dryRun) {
      this.dryRunSession ??= this.own(new Session(this.options, { dryRun: true, logName: 'plan' }));
      this.dryRunSession.facts = this.session.facts;
      return this.dryRunSession;
    }
    if (!this.mainSessionUsed) {
      this.mainSessionUsed = true;
      return this.session;
    }
    const s = this.own(new Session(this.options, { logName: command.replace(/\s+/g, '-') }));
    s.facts = this.session.facts;
    return s;
  }

  private async runAll(steps: Step[], how: RunHow = { command: 'tui' }): Promise<void> {
    const dry = Boolean(this.state.dryRun);
    if (!dry && !this.takeLock(how.command)) return;
    const session = this.runSession(how.command);
    this.running = true;
    this.set({
      engine: this.options.engine,
      phase: 'running',
      logFile: session.log.filePath,
      check: undefined,
      problem: undefined,
      success: undefined,
      currentStepId: undefined,
      steps: steps.map((s): StepView => ({ id: s.id, title: s.title, status: 'pending' })),
    });
    const recorder = dry ? undefined : session.beginRun(how.command, steps, this.answered, Boolean(this.cli.practice));
    const ctx = session.context({
      progress: (p) => this.onProgress(p),
      reportCheck: (check) => { this.set({ check }); recorder?.check(check); },
    });
    const hooks: RunHooks = {
      report: (id, r) => { this.onReport(id, r, dry); recorder?.report(id, r); },
      confirm: (step, plan) => this.askConfirm(step, plan, dry),
    };
    const outcome = dry ? await dryRunSteps(steps, ctx, hooks) : how.fromMenu ? await runOneStep(steps[0]!, ctx, hooks) : await runSteps(steps, ctx, hooks);
    this.running = false;
    // Quit in the middle: the run stays unfinished, so the next start offers to resume it.
    if (!this.quitting) recorder?.finish(outcome.ok);
    this.lastOk = outcome.ok;
    this.flush();
    if (this.quitting) { this.finish(130); return; }
    if (how.fromMenu) {
      await this.showMenu(menuMessage(this.state.steps[0], outcome, dry, this.state.check, Boolean(this.cli.practice)));
      return;
    }
    this.set({ phase: 'summary', success: !dry && outcome.ok, problem: outcome.problem, progress: undefined, diagnoses: undefined });
    if (!dry && !outcome.ok && !outcome.skipped) void this.diagnose(ctx, [outcome.problem, this.state.check?.problem]);
  }

  /** A failure is matched against the known ones (the doctor, read-only) while the summary shows. */
  private async diagnose(ctx: StepContext, problems: (Problem | undefined)[]): Promise<void> {
    this.set({ diagnosing: true });
    const text = problems.filter((p): p is Problem => p !== undefined).map((p) => `${p.what}\n${p.why}`).join('\n');
    try {
      const { runDoctor } = await import('../doctor/doctor.js');
      const { diagnoses } = await runDoctor(ctx, text);
      if (this.state.phase === 'summary') this.set({ diagnoses: diagnoses.map((d) => ({ title: d.title, fix: d.fix[0] ?? '' })) });
    } catch (e) {
      ctx.log.warn(`the doctor could not look at this failure: ${(e as Error).message}`);
    } finally {
      this.set({ diagnosing: undefined });
    }
  }

  private onReport(id: string, r: StepReport, dry: boolean): void {
    // A dry run applies nothing: "needed" stays the answer, in words that say so.
    const report = dry && r.status === 'needed' ? { ...r, summary: `would change: ${r.summary ?? ''}` } : r;
    if (id !== this.state.currentStepId) this.scrollback.scroll('end');
    this.set({
      currentStepId: id,
      steps: this.state.steps.map((s) => (s.id === id ? { ...s, ...report, problem: report.problem ?? (report.status === 'failed' ? s.problem : undefined) } : s)),
    });
  }

  private askConfirm(step: Step, plan: PlanView, dry: boolean): Promise<PlanAnswer> {
    const byHand = Boolean(this.cli.lab) && !dry && !WIZARD_ONLY_STEPS.has(step.id);
    return new Promise<PlanAnswer>((resolve) => {
      if (this.cli.yes && !byHand) { resolve(true); return; }
      this.pendingConfirm = resolve;
      // Lab mode offers the plan again when what was done by hand is not enough yet.
      const view = this.state.steps.find((s) => s.id === step.id);
      const planNote = byHand && view?.problem?.what === 'not done yet' ? view.summary : undefined;
      this.set({ phase: 'confirm', pendingPlan: plan, planNote, planByHand: byHand || undefined });
    });
  }

  /** Practice runs one engine's stand-ins (the one given with --runtime, docker by default). */
  private practiceChoices(choices: ReturnType<typeof engineChoices>): ReturnType<typeof engineChoices> {
    if (!this.cli.practice) return choices;
    const started = this.options.engine;
    return choices.map((c) => (c.value === started ? c : { ...c, disabledReason: `practice runs the ${started} stand-in: start again with --practice --runtime ${c.value}` }));
  }

  // ---------------------------------------------------------------------------------------
  // Step menu

  openMenu = (): void => {
    const from = this.state.phase;
    if ((from !== 'welcome' && from !== 'summary') || this.running) return;
    this.menuFrom = from;
    // From the welcome screen the menu acts on what the last run set up.
    if (from === 'welcome' && this.recorded && Object.keys(this.recorded.answers).length && !this.useRecordedAnswers()) return;
    const known = from === 'summary' || this.answered.has('runtime') || this.recorded?.engine;
    if (!known) {
      this.afterChoice = () => void this.showMenu();
      this.set({ phase: 'choose-runtime' });
      return;
    }
    if (from === 'welcome' && !this.answered.has('runtime') && this.recorded?.engine) this.options.engine = this.recorded.engine;
    void this.showMenu();
  };

  private pathSteps(): Step[] {
    return this.stepsOf(this.options.engine, this.options);
  }

  /** Every step of the path with its state now (read-only inspection, fresh detection) and its last result. */
  private async showMenu(message?: { text: string; ok: boolean }): Promise<void> {
    const engine = this.options.engine;
    this.set({ phase: 'step-menu', engine, menu: { engine, message, focus: this.menuFocus } });
    const inspector = new Session({ ...this.options, logDir: '' }, { dryRun: true });
    let rows: StepMenuRow[] = [];
    try {
      const facts = await inspector.detect();
      this.session.facts = facts;
      const statuses = await stepStatuses(this.pathSteps(), inspector.context(), this.readRecorded() ?? { version: 1, answers: {}, steps: {}, runs: [] });
      rows = statuses.map((r) => ({
        id: r.id,
        title: r.title,
        now: r.now,
        summary: r.summary,
        last: describeLast(r.last),
        ...(r.last ? { lastStatus: r.last.status } : {}),
        ...(r.problem ? { problem: r.problem } : r.last?.status === 'failed' && r.last.problem ? { problem: r.last.problem } : {}),
      }));
    } catch (e) {
      message = { text: `could not read the steps' state: ${(e as Error).message}`, ok: false };
    } finally {
      inspector.close();
    }
    if (this.state.phase === 'step-menu') this.set({ menu: { engine, rows, message, focus: this.menuFocus } });
  }

  /** The step last rerun or undone from the menu. */
  private menuFocus: string | undefined;

  rerunStep = (stepId: string): void => {
    if (this.state.phase !== 'step-menu' || this.running || !this.state.menu?.rows) return;
    const step = this.pathSteps().find((s) => s.id === stepId);
    if (!step) return;
    this.menuFocus = stepId;
    this.questions = this.joinQuestionIfNeeded([step]);
    this.afterQuestions = () => void this.runAll([step], { command: `run ${step.id}`, fromMenu: true });
    this.nextQuestion();
  };

  back = (): void => {
    if (this.running) return;
    if (this.state.phase === 'step-menu') {
      this.set({ phase: this.menuFrom, menu: undefined });
    } else if (this.state.phase === 'undo') {
      if (this.undoFrom === 'step-menu') void this.showMenu();
      else this.set({ phase: this.undoFrom, undo: undefined });
    }
  };

  // ---------------------------------------------------------------------------------------
  // Undo

  openUndo = (stepId?: string): void => {
    const from = this.state.phase;
    if ((from !== 'summary' && from !== 'step-menu') || this.running) return;
    this.undoFrom = from;
    if (stepId) this.menuFocus = stepId;
    const { changes, damaged } = pendingChanges(this.options.stateDir, stepId);
    this.set({
      phase: 'undo',
      undo: {
        ...(stepId ? { step: stepId } : {}),
        stage: changes.length ? 'review' : 'done',
        changes: changes.map((c) => ({ verb: c.created ? (c.action === 'mkdir' ? 'remove folder' : 'remove') : 'restore', path: c.path, ...(c.step ? { step: c.step } : {}), at: when(c.at) })),
        damaged,
        actions: [],
        engines: [],
      },
    });
  };

  undoAnswer = (yes: boolean): void => {
    const undo = this.state.undo;
    if (this.state.phase !== 'undo' || !undo) return;
    if (undo.stage === 'ask' && this.pendingDecision) {
      const decide = this.pendingDecision;
      this.pendingDecision = null;
      this.set({ undo: { ...undo, stage: 'working', question: undefined } });
      decide(yes);
      return;
    }
    if (undo.stage !== 'review') return;
    if (!yes || this.state.dryRun) { this.back(); return; }
    void this.runUndo(undo.step);
  };

  private async runUndo(step: string | undefined): Promise<void> {
    if (!this.takeLock('undo')) return;
    // Undo's own writes are not journaled (undoing an undo is not offered).
    const s = this.own(new Session(this.options, { logName: 'undo', journal: false }));
    s.facts = this.session.facts;
    this.running = true;
    this.set({ undo: { ...this.state.undo!, stage: 'working' } });
    const recorder = s.beginRun('undo', [], this.answered);
    const outcome = await undoChanges({
      host: s.host,
      log: s.log,
      stateDir: this.options.stateDir,
      step,
      installRecord: INSTALL_RECORD(this.options.stateDir),
      decide: (path, why) => new Promise<boolean>((resolve) => {
        if (this.quitting) { resolve(false); return; }
        this.pendingDecision = resolve;
        this.set({ undo: { ...this.state.undo!, stage: 'ask', question: { path, why } } });
      }),
    });
    const engines = this.quitting ? [] : await refreshEngines(s.context(), outcome.actions.filter((a) => a.result === 'restored' || a.result === 'removed').map((a) => a.step));
    const ok = outcome.actions.every((a) => a.result === 'restored' || a.result === 'removed') && engines.every((e) => e.ok);
    recorder.finish(ok);
    this.running = false;
    this.flush();
    if (this.quitting) { this.finish(130); return; }
    this.set({ undo: { ...this.state.undo!, stage: 'done', actions: outcome.actions, engines, ok } });
  }

  // ---------------------------------------------------------------------------------------
  // Quit, logs

  quit = (): void => {
    // Stop the running command; files are only ever replaced by rename, never half-written.
    for (const s of this.sessions()) s.abort.abort();
    this.quitting = this.running;
    if (this.pendingConfirm) { const a = this.pendingConfirm; this.pendingConfirm = null; a(false); }
    if (this.pendingDecision) { const d = this.pendingDecision; this.pendingDecision = null; d(false); }
    this.flush();
    // A running step still cleans up (the check removes its container): exit after it.
    if (this.running) return;
    const ended = this.state.phase === 'summary';
    // A wizard that could not start (lock held, not root) failed, as the headless one does.
    if (this.state.phase === 'fatal') { this.finish(1); return; }
    this.finish(!ended ? 0 : this.state.dryRun ? (this.lastOk ? 0 : 1) : this.state.success ? 0 : 1);
  };

  scrollLog = (lines: number | 'end'): void => {
    this.scrollback.scroll(lines, this.state.currentStepId);
    this.set(this.scrollback.view(this.state.currentStepId));
  };

  toggleLogFilter = (): void => {
    this.scrollback.toggleFilter();
    this.set(this.scrollback.view(this.state.currentStepId));
  };

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
    if (this.pendingLines.length >= 4000) this.pendingLines = this.pendingLines.slice(-2000);
    if (!this.flushTimer) this.flushTimer = setTimeout(() => this.flush(), FLUSH_MS);
  }

  private flush(): void {
    if (this.flushTimer) { clearTimeout(this.flushTimer); this.flushTimer = null; }
    if (this.pendingLines.length === 0) return;
    this.scrollback.append(this.pendingLines, this.state.currentStepId);
    this.pendingLines = [];
    this.set(this.scrollback.view(this.state.currentStepId));
  }

  private attach(s: Session): void {
    this.unsubscribers.push(s.log.subscribe((e) => this.onLog(e)));
  }

  private own(s: Session): Session {
    this.ownSessions.push(s);
    this.attach(s);
    return s;
  }

  private sessions(): Session[] {
    return [this.session, ...this.ownSessions];
  }

  dispose(): void {
    for (const u of this.unsubscribers) u();
    if (this.flushTimer) clearTimeout(this.flushTimer);
    for (const s of this.ownSessions) s.close();
    this.lock?.release();
    this.lock = undefined;
  }
}

/** What the step menu says after a rerun. */
function menuMessage(view: StepView | undefined, outcome: RunOutcome, dry: boolean, check?: CheckView, practice = false): { text: string; ok: boolean } {
  const id = view?.id ?? 'step';
  // A check rerun says what it found, not how much evidence it collected.
  if (check && (id === 'isolation-check' || id === 'kube-pod-check')) return { text: `${id}: ${practice ? 'PRACTICE' : check.passed ? 'PASS' : 'FAIL'} - ${check.verdict}`, ok: check.passed };
  if (!outcome.ok) return { text: `${id}: ${outcome.skipped ? 'skipped, nothing changed' : `failed: ${outcome.problem?.what ?? 'see the log'}`}`, ok: false };
  switch (view?.status) {
    case 'done': return { text: `${id}: already done, nothing changed`, ok: true };
    case 'not-applicable': return { text: `${id}: not applicable here, nothing changed`, ok: true };
    case 'needed': return { text: `${id}: ${dry ? 'dry run: would change (nothing was changed)' : 'not applied'}`, ok: true };
    default: return { text: `${id}: ${view?.summary ?? 'done'}`, ok: true };
  }
}

/**
 * Dry run: every step is inspected and its plan shown; confirming moves on without applying
 * (the session's host refuses writes anyway). Like `plan`, a blocked step does not stop the
 * later ones from being shown.
 */
export async function dryRunSteps(steps: readonly Step[], ctx: StepContext, hooks: RunHooks): Promise<RunOutcome> {
  let first: RunOutcome | undefined;
  for (const step of steps) {
    if (ctx.signal.aborted) break;
    (ctx.host as { step?: string }).step = step.id;
    hooks.report(step.id, { status: 'running', summary: 'checking this machine' });
    ctx.log.info(`== ${step.title} (dry run)`, step.id);
    try {
      const found = await step.inspect(ctx);
      ctx.log.info(found.summary, step.id);
      if (found.status === 'blocked') {
        hooks.report(step.id, { status: 'failed', summary: found.problem.what, problem: found.problem });
        first ??= { ok: false, failedStep: step.id, problem: found.problem };
        continue;
      }
      if (found.status !== 'needed') { hooks.report(step.id, { status: found.status, summary: found.summary }); continue; }
      const view = toPlanView(step, found.plan);
      logPlan(ctx, view);
      hooks.report(step.id, { status: 'needed', summary: found.summary });
      await hooks.confirm(step, view);
    } catch (e) {
      const problem = problemOf(step, e);
      hooks.report(step.id, { status: 'failed', summary: problem.what, problem });
      first ??= { ok: false, failedStep: step.id, problem };
    } finally {
      ctx.progress(undefined);
    }
  }
  return first ?? { ok: true };
}
