// The headless face: the same steps as the TUI, driven from flags, logging to the console.

import { createInterface } from 'node:readline/promises';
import { isolationCheckStep } from '../check/check-step.js';
import { podCheckStep } from '../kube/steps/pod-check.js';
import type { Facts } from '../detect/facts.js';
import type { LogEntry } from '../log/run-log.js';
import { runOneStep, runSteps, toPlanView, problemOf, WIZARD_ONLY_STEPS, type ConfirmAnswer, type StepReport } from '../steps/runner.js';
import { acquireLock, LockHeldError, type HeldLock } from '../state/lock.js';
import { readState, unfinishedRun } from '../state/state-file.js';
import { answersFromOptions, writeAnswersFile } from '../answers/answers-file.js';
import type { Step, StepContext } from '../steps/step.js';
import type { Diagnosis } from '../doctor/known-failures.js';
import { Session, stepsFor } from '../wizard/session.js';
import type { CheckView, PlanView, Problem } from '../wizard/state.js';
import { ParsedCli, UsageError } from './args.js';
import { formatFacts } from './format-facts.js';
import { checkHeadline, practiceBanner, practiceSteps } from '../practice/practice.js';

export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

interface Out {
  out(text: string): void;
  err(text: string): void;
}
const stdio: Out = {
  out: (t) => process.stdout.write(`${t}\n`),
  err: (t) => process.stderr.write(`${t}\n`),
};

export async function runHeadless(cli: ParsedCli, io: Out = stdio): Promise<number> {
  // Practice runs say so first (on stderr with --json, so stdout stays one JSON document).
  if (cli.practice) (cli.json ? io.err : io.out)(practiceBanner(cli.options));
  switch (cli.command) {
    case 'detect': return detectCommand(cli, io);
    case 'plan': return planCommand(cli, io);
    case 'apply': return applyCommand(cli, io, { command: 'apply', steps: stepsFor(cli.options.engine, cli.options) });
    case 'check': return applyCommand(cli, io, { command: 'check', steps: [cli.options.kubernetes ? podCheckStep : isolationCheckStep], single: true });
    case 'run': return applyCommand(cli, io, { command: `run ${cli.target}`, steps: [stepById(cli.target!, cli.options)], single: true });
    case 'resume': return applyCommand(cli, io, resumePlan(cli));
    case 'doctor': return (await import('./doctor-command.js')).doctorCommand(cli, io);
    case 'explain': return (await import('./explain-command.js')).explainCommand(cli.target, io, cli.json);
    default: throw new UsageError(`internal: ${cli.command} is not a headless command`);
  }
}

/** What an apply-like command runs. */
export interface RunPlan {
  /** As recorded in the state file: apply, run <id>, resume, check. */
  command: string;
  steps: Step[];
  /** One step alone (run, check): no confirm question headless, it was asked for by name. */
  single?: boolean;
  /** Resume: start at this step (the ones before it finished in the interrupted run). */
  startAt?: string;
}


/** Problems that stop the wizard before any step (exit 1), e.g. not root, unsupported arch. */
export function preflightProblem(facts: Facts, cli: ParsedCli): Problem | undefined {
  if (facts.arch.problem) return { what: 'unsupported machine', why: facts.arch.problem, next: 'gVisor runs only on x86_64 and aarch64 Linux.' };
  if (!facts.isRoot && cli.options.root === '/') return { what: 'not running as root', why: 'installing runsc and reloading docker need root', next: 'Run it again with sudo (or --root DIR for a practice run that changes only DIR).' };
  return undefined;
}

async function detectCommand(cli: ParsedCli, io: Out): Promise<number> {
  const session = new Session({ ...cli.options, logDir: '' }, { dryRun: true });
  try {
    const facts = await session.detect();
    io.out(cli.json ? JSON.stringify(facts, null, 2) : formatFacts(facts));
    return EXIT.ok;
  } finally {
    session.close();
  }
}

async function planCommand(cli: ParsedCli, io: Out): Promise<number> {
  // A plan writes nothing: no log file, no backups, every write refused by the host.
  const session = new Session({ ...cli.options, logDir: '' }, { dryRun: true });
  const unsubscribe = cli.verbose ? session.log.subscribe(consolePrinter(io, cli)) : () => {};
  try {
    const facts = await session.detect();
    const pre = preflightProblem({ ...facts, isRoot: true }, cli);
    if (pre) { printProblem(io, pre); return EXIT.failed; }
    const ctx = session.context();
    const report: { id: string; title: string; status: string; summary: string; plan?: PlanView; problem?: Problem }[] = [];
    let blocked = false;
    for (const step of stepsFor(cli.options.engine, cli.options)) {
      (session.host as { step?: string }).step = step.id;
      try {
        const found = await step.inspect(ctx);
        const entry: (typeof report)[number] = { id: step.id, title: step.title, status: found.status, summary: found.summary };
        if (found.status === 'needed') entry.plan = toPlanView(step, found.plan);
        if (found.status === 'blocked') { entry.problem = found.problem; blocked = true; }
        report.push(entry);
      } catch (e) {
        report.push({ id: step.id, title: step.title, status: 'blocked', summary: 'could not inspect', problem: problemOf(step, e) });
        blocked = true;
      }
    }
    if (cli.json) io.out(JSON.stringify({ steps: report }, null, 2));
    else for (const r of report) printPlanEntry(io, r);
    return blocked ? EXIT.failed : EXIT.ok;
  } finally {
    unsubscribe();
    session.close();
  }
}

function printPlanEntry(io: Out, r: { id: string; title: string; status: string; summary: string; plan?: PlanView; problem?: Problem }): void {
  io.out(`== ${r.id}: ${r.title}`);
  io.out(`   ${r.status}: ${r.summary}`);
  if (r.plan) {
    for (const f of r.plan.files) {
      io.out(`   ${f.created ? 'create' : 'change'} ${f.path}:`);
      for (const line of f.diff.trimEnd().split('\n')) io.out(`     ${line}`);
    }
    for (const c of r.plan.commands) io.out(`   run: ${c.join(' ')}`);
    for (const n of r.plan.notes) io.out(`   note: ${n}`);
  }
  if (r.problem) printProblem(io, r.problem, '   ');
}

async function applyCommand(cli: ParsedCli, io: Out, run: RunPlan): Promise<number> {
  const interactive = Boolean(process.stdin.isTTY);
  const changes = run.command !== 'check';
  if (cli.lab && !interactive) throw new UsageError('--lab needs a terminal: it waits for you to do each step by hand (or to let the wizard do it)');
  if (!cli.yes && !interactive && changes) {
    throw new UsageError(`${cli.command} without a terminal needs --yes (it changes the machine)`);
  }
  // One wizard at a time changes a machine; the check only reads it.
  let lock: HeldLock | undefined;
  if (changes) {
    const held = takeLock(io, cli.options.stateDir, run.command);
    if (!held) return EXIT.failed;
    lock = held;
  }
  const session = new Session(cli.options, { logName: cli.command === 'run' ? `run-${cli.target}` : cli.command });
  const unsubscribe = session.log.subscribe(consolePrinter(io, cli));
  if (lock?.tookOver) session.log.warn(lock.tookOver);
  let interrupted: NodeJS.Signals | undefined;
  // Ctrl-C or a service manager's TERM: stop the running command, let the check remove its
  // workload, then exit; files are only ever replaced whole.
  const onSignal = (sig: NodeJS.Signals) => {
    interrupted = sig;
    io.err(`interrupted (${sig}): stopping the running command and cleaning up…`);
    session.abort.abort();
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, onSignal);
  let check: CheckView | undefined;
  try {
    const facts = await session.detect();
    const pre = preflightProblem(facts, cli);
    if (pre) { printProblem(io, pre); return EXIT.failed; }
    if (cli.practice) run = { ...run, steps: practiceSteps(run.steps) };
    // Before anything changes: a file the operator asked for that cannot be written stops the run.
    if (cli.saveAnswers && !saveAnswersOf(cli, session, io)) return EXIT.usage;
    const recorder = session.beginRun(run.command, run.steps, cli.explicit, cli.practice);
    const ctx = session.context({
      progress: progressPrinter(io),
      reportCheck: (c) => { check = c; recorder.check(c); },
    });
    const hooks = {
      report: (id: string, r: StepReport) => recorder.report(id, r),
      confirm: async (step: Step, plan: PlanView): Promise<ConfirmAnswer> => {
        if (cli.lab && !WIZARD_ONLY_STEPS.has(step.id)) return askLab(io, plan);
        return cli.yes || run.command === 'check' ? true : askYesNo(`Apply "${step.title}"${plan.files.length ? ` (${plan.files.map((f) => f.path).join(', ')})` : ''}? [y/N] `);
      },
    };
    // Every step is looked at again: one finished before the interruption may have been undone
    // or changed since (then its inspection says so); finished ones pass quickly.
    if (run.startAt) io.err(`resuming at ${run.startAt}: the ${run.steps.findIndex((s) => s.id === run.startAt)} step(s) before it finished in the interrupted run and are checked again`);
    const outcome = run.single ? await runOneStep(run.steps[0]!, ctx, hooks) : await runSteps(run.steps, ctx, hooks);
    if (!interrupted) recorder.finish(outcome.ok);
    // A failure is matched against the known ones right away (the doctor, read-only).
    const diagnoses = !outcome.ok && !outcome.skipped && !interrupted ? await diagnoseFailure(ctx, [outcome.problem, check?.problem]) : [];
    if (cli.json) {
      io.out(JSON.stringify({ ok: outcome.ok, interrupted, failedStep: outcome.failedStep, problem: outcome.problem, check, diagnoses, logFile: session.log.filePath, ...(cli.practice ? { practice: true } : {}) }, null, 2));
    } else {
      if (check) printCheck(io, check, cli.practice);
      if (!outcome.ok && outcome.problem && !(check?.problem && check.problem.what === outcome.problem.what)) printProblem(io, outcome.problem);
      else if (check?.problem) printProblem(io, check.problem);
      for (const d of diagnoses) printDiagnosis(io, d);
    }
    if (session.log.filePath) io.err(`log file: ${session.log.filePath}`);
    if (interrupted) return interrupted === 'SIGINT' ? EXIT.interrupted : 128 + (interrupted === 'SIGTERM' ? 15 : 1);
    return outcome.ok ? EXIT.ok : EXIT.failed;
  } finally {
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(sig, onSignal);
    unsubscribe();
    session.close();
    lock?.release();
  }
}

/** The machine's lock, or a printed problem (held by another wizard, state dir not writable) and undefined. */
export function takeLock(io: Out, stateDir: string, command: string): HeldLock | undefined {
  try {
    return acquireLock(stateDir, command);
  } catch (e) {
    if (e instanceof LockHeldError) printProblem(io, { what: e.message, why: 'two wizards editing the same files and reloading the same engine would undo each other\'s work', next: e.next });
    else printProblem(io, { what: `cannot take the lock in ${stateDir}`, why: (e as Error).message, next: 'The state folder must be writable (run as root, or pass --state-dir DIR with a writable folder).' });
    return undefined;
  }
}

/** `run <id>`: the step of that id on the engine's path, or a usage error that lists them. */
export function stepById(id: string, options: ParsedCli['options']): Step {
  const path = stepsFor(options.engine, options);
  const found = path.find((s) => s.id === id);
  if (found) return found;
  const kube = stepsFor('containerd', { kubernetes: true });
  const elsewhere = kube.find((s) => s.id === id);
  if (elsewhere) {
    throw new UsageError(`step "${id}" belongs to the ${kube.indexOf(elsewhere) >= stepsFor('containerd').length ? 'Kubernetes (--runtime containerd --kubernetes)' : 'containerd (--runtime containerd)'} path, and this machine's answers are for ${options.engine}${options.kubernetes ? ' with Kubernetes' : ''}; pass the engine flags`);
  }
  throw new UsageError(`no step "${id}"; the steps of the ${options.engine} path are: ${path.map((s) => s.id).join(', ')}`);
}

/** `resume`: the interrupted run's steps, from the first one that did not finish, with its release. */
function resumePlan(cli: ParsedCli): RunPlan {
  const state = readState(cli.options.stateDir);
  const open = unfinishedRun(state);
  if (!open) throw new UsageError(`nothing to resume: no interrupted run is recorded in ${cli.options.stateDir}/state.json (gvisor-wizard steps shows each step's state; gvisor-wizard apply starts a run)`);
  // Pinned unless another release is asked for now (explicit holds the recorded answers too).
  if (state.release && cli.options.release === state.release.requested) cli.options.releaseSha512 = state.release.sha512;
  const steps = stepsFor(cli.options.engine, cli.options).filter((s) => open.run.steps.includes(s.id));
  if (!steps.some((s) => s.id === open.resumeAt)) throw new UsageError(`the interrupted run stopped at ${open.resumeAt}, which is not a step of the ${cli.options.engine} path with these answers`);
  return { command: 'resume', steps, startAt: open.resumeAt };
}

/** --save-answers FILE: the answers of this run, replayable with --answers. */
function saveAnswersOf(cli: ParsedCli, session: Session, io: Out): boolean {
  try {
    writeAnswersFile(cli.saveAnswers!, answersFromOptions(session.options, cli.explicit), `saved by \`gvisor-wizard ${cli.command}\` on ${new Date().toISOString()}`);
    io.err(`answers saved to ${cli.saveAnswers}`);
    return true;
  } catch (e) {
    session.log.error(`could not save the answers to ${cli.saveAnswers}: ${(e as Error).message}`);
    io.err('  next: nothing was changed; give --save-answers a file in an existing folder you can write, or leave it out.');
    return false;
  }
}

/**
 * Lab mode: the plan (every diff, every argv) is shown first; the student does it in another
 * terminal and presses c to have it checked, or w to let the wizard do it.
 */
async function askLab(io: Out, plan: PlanView): Promise<ConfirmAnswer> {
  // The diffs and commands were just printed with the plan (the log lines above).
  io.err(`lab: ${plan.title}: do what is shown above yourself in another terminal, or let the wizard do it`);
  for (;;) {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    let a: string;
    try {
      a = (await rl.question('[c] I did it, check the machine   [w] let the wizard do it   [s] skip: ')).trim().toLowerCase();
    } finally {
      rl.close();
    }
    if (a === 'c') return 'by-hand';
    if (a === 'w') return true;
    if (a === 's') return false;
  }
}

export async function askYesNo(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

export function consolePrinter(io: Out, cli: Pick<ParsedCli, 'verbose' | 'noColor'>): (e: LogEntry) => void {
  return (e) => {
    if (e.detail && !cli.verbose) return;
    switch (e.level) {
      case 'cmd': io.err(`  $ ${e.text}`); break;
      case 'out':
      case 'err': io.err(`  | ${e.text}`); break;
      case 'exit': io.err(`  (${e.text})`); break;
      case 'warn': io.err(`  ! ${e.text}`); break;
      case 'error': io.err(`  x ${e.text}`); break;
      default: io.err(e.text.startsWith('== ') ? `\n${e.text}` : `  ${e.text}`);
    }
  };
}

function progressPrinter(io: Out): (p: { label: string; bytes: number; total?: number; bytesPerSecond: number } | undefined) => void {
  let lastQuarter = -1;
  return (p) => {
    if (!p) { lastQuarter = -1; return; }
    const quarter = p.total ? Math.floor((p.bytes / p.total) * 4) : -1;
    if (quarter === lastQuarter) return;
    lastQuarter = quarter;
    const mib = (n: number) => (n / 1048576).toFixed(1);
    io.err(`  ${p.label}: ${mib(p.bytes)}${p.total ? `/${mib(p.total)}` : ''} MiB at ${mib(p.bytesPerSecond)} MiB/s`);
  };
}

export function printCheck(io: Out, check: CheckView, practice = false): void {
  io.out('');
  io.out(`Isolation check: ${checkHeadline(check, practice)}`);
  for (const e of check.evidence) io.out(`  [${e.ok ? 'ok' : '!!'}] ${e.label}: ${e.detail}`);
}

/** The doctor's known failures that match this failure (text and the machine's evidence). */
async function diagnoseFailure(ctx: StepContext, problems: (Problem | undefined)[]): Promise<Diagnosis[]> {
  const text = problems.filter((p): p is Problem => p !== undefined).map((p) => `${p.what}\n${p.why}`).join('\n');
  try {
    const { runDoctor } = await import('../doctor/doctor.js');
    return (await runDoctor(ctx, text)).diagnoses;
  } catch (e) {
    ctx.log.warn(`the doctor could not look at this failure: ${(e as Error).message}`);
    return [];
  }
}

export function printDiagnosis(io: Out, d: Diagnosis): void {
  io.err(`known failure (gvisor-wizard doctor): ${d.title}`);
  io.err(`  cause: ${d.cause}`);
  for (const f of d.fix) io.err(`  fix: ${f}`);
}

export function printProblem(io: Out, p: Problem, indent = ''): void {
  io.err(`${indent}error: ${p.what}`);
  io.err(`${indent}  why: ${p.why}`);
  io.err(`${indent}  next: ${p.next}`);
}
