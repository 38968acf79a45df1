// Drives a list of steps: inspect → (confirm) → apply → verify, stopping at the first
// failure. Knows nothing about screens: it reports through hooks.

import { DryRunRefusal } from '../host/host.js';
import { unifiedDiff } from '../util/unified-diff.js';
import type { PlanView, Problem, StepStatus } from '../wizard/state.js';
import { Step, StepContext, StepFailure, StepPlan } from './step.js';

export interface StepReport {
  status?: StepStatus;
  summary?: string;
  problem?: Problem;
}

/**
 * The answer to a plan: apply it, skip the step, or (lab mode) 'by-hand': the operator ran
 * the shown commands and edits themselves, and the wizard only checks the machine.
 */
export type ConfirmAnswer = boolean | 'by-hand';

export interface RunHooks {
  report(stepId: string, report: StepReport): void;
  /** Shown the plan; resolves true to apply it, false to skip the step, 'by-hand' after doing it by hand. */
  confirm(step: Step, plan: PlanView): Promise<ConfirmAnswer>;
}

/** Steps whose work is collecting evidence: only the wizard can do them, never by hand. */
export const WIZARD_ONLY_STEPS = new Set(['isolation-check', 'kube-pod-check']);

export interface RunOutcome {
  ok: boolean;
  /** The operator said no to this step's plan. */
  skipped?: boolean;
  failedStep?: string;
  problem?: Problem;
}

export function toPlanView(step: Step, plan: StepPlan): PlanView {
  return {
    stepId: step.id,
    title: step.title,
    files: plan.files.map((f) => ({
      path: f.path,
      created: f.before === null,
      diff: unifiedDiff(f.before ?? '', f.after, f.path),
    })),
    commands: plan.commands,
    notes: plan.notes,
  };
}

/** Turn anything thrown by a step into a Problem the operator can act on. */
export function problemOf(step: Step, e: unknown): Problem {
  if (e instanceof StepFailure) return e.problem;
  if (e instanceof DryRunRefusal) {
    return { what: `${step.title}: internal error`, why: e.message, next: 'Report this: a read-only inspection tried to change the machine.' };
  }
  const err = e as Error;
  return {
    what: `${step.title} failed`,
    why: err?.message ?? String(e),
    next: 'See the log file for the full output; fix the cause and rerun the wizard (finished steps are skipped).',
  };
}

/**
 * Runs the steps in order and stops at the first failure. A step the operator skips does not
 * stop the run (later steps and the check decide), but a run whose last step (the isolation
 * check) was skipped has proven nothing and is not a success.
 */
export async function runSteps(steps: readonly Step[], ctx: StepContext, hooks: RunHooks): Promise<RunOutcome> {
  for (const [i, step] of steps.entries()) {
    const outcome = await runOneStep(step, ctx, hooks);
    // q at a confirm answers "no" to free the screen: that is a quit, not a skip.
    if (ctx.signal.aborted) return outcome.ok ? { ok: false, failedStep: step.id, problem: interruptedProblem(step) } : outcome;
    if (outcome.skipped) {
      if (i === steps.length - 1) return outcome;
      continue;
    }
    if (!outcome.ok) return outcome;
  }
  return { ok: true };
}

function interruptedProblem(step: Step): Problem {
  return { what: `${step.title}: interrupted`, why: 'the operator quit while it ran; files are only ever replaced whole, so none is half-written', next: 'Continue with `gvisor-wizard resume` (or start the wizard again: it offers to resume; finished steps are recognised and skipped).' };
}

export async function runOneStep(step: Step, ctx: StepContext, hooks: RunHooks): Promise<RunOutcome> {
  const host = ctx.host as { step?: string };
  host.step = step.id;
  const fail = (e: unknown): RunOutcome => {
    const problem = ctx.signal.aborted && !(e instanceof StepFailure && e.problem.what === 'interrupted') ? interruptedProblem(step) : problemOf(step, e);
    ctx.log.error(`${problem.what}: ${problem.why}`, step.id);
    ctx.log.error(`next: ${problem.next}`, step.id);
    hooks.report(step.id, { status: 'failed', problem, summary: problem.what });
    return { ok: false, failedStep: step.id, problem };
  };
  try {
    hooks.report(step.id, { status: 'running', summary: 'checking this machine' });
    ctx.log.info(`== ${step.title}`, step.id);
    const found = await step.inspect(ctx);
    ctx.log.info(found.summary, step.id);
    if (found.status === 'done' || found.status === 'not-applicable') {
      hooks.report(step.id, { status: found.status, summary: found.summary });
      return { ok: true };
    }
    if (found.status === 'blocked') return fail(new StepFailure(found.problem));
    const view = toPlanView(step, found.plan);
    logPlan(ctx, view);
    hooks.report(step.id, { status: 'needed', summary: found.summary });
    let answer = await hooks.confirm(step, view);
    // Lab mode: the same checks as after the wizard's own apply. Until the machine is in the
    // wanted state the plan is offered again (do more by hand, or let the wizard do it).
    let triedByHand = false;
    while (answer === 'by-hand' && !WIZARD_ONLY_STEPS.has(step.id)) {
      triedByHand = true;
      ctx.log.info('done by hand, the operator says: checking the machine', step.id);
      const again = await step.inspect(ctx);
      let missing: string;
      let offer = found.plan;
      if (again.status === 'done' || again.status === 'not-applicable') {
        try {
          const verified = await step.verify(ctx);
          ctx.log.info(`verified: ${verified}`, step.id);
          hooks.report(step.id, { status: 'ok', summary: `done by hand: ${again.summary}` });
          return { ok: true };
        } catch (e) {
          const p = problemOf(step, e);
          missing = `${p.what}: ${p.why}`;
        }
      } else if (again.status === 'blocked') {
        // A typo made by hand (say a trailing comma in daemon.json) is part of learning: say
        // what is wrong and offer the plan again instead of ending the lab.
        missing = `${again.problem.what}: ${again.problem.why}`;
        // The old diff no longer applies to what is on disk: show what to fix instead.
        offer = { files: [], commands: [], notes: [`fix by hand: ${again.problem.next}`, 'the wizard never overwrites a file it cannot read'] };
      } else {
        missing = again.summary;
        found.plan = again.plan;
        offer = again.plan;
      }
      ctx.log.warn(`not done yet: ${missing}`, step.id);
      hooks.report(step.id, { status: 'needed', summary: `not done yet: ${missing}`, problem: { what: 'not done yet', why: missing, next: 'Run what the plan shows (or let the wizard do it), then check again.' } });
      answer = await hooks.confirm(step, toPlanView(step, offer));
    }
    if (answer === 'by-hand') answer = true;
    if (ctx.signal.aborted) return fail(new StepFailure(interruptedProblem(step)));
    if (answer && triedByHand) {
      // The machine changed by hand since the plan was made: the wizard works from a fresh look.
      const fresh = await step.inspect(ctx);
      if (fresh.status === 'done' || fresh.status === 'not-applicable') {
        hooks.report(step.id, { status: fresh.status, summary: fresh.summary });
        return { ok: true };
      }
      if (fresh.status === 'blocked') return fail(new StepFailure(fresh.problem));
      found.plan = fresh.plan;
    }
    if (!answer) {
      ctx.log.warn('skipped by the operator', step.id);
      hooks.report(step.id, { status: 'skipped', summary: 'skipped: nothing changed' });
      return { ok: false, skipped: true, failedStep: step.id, problem: { what: `${step.title} was skipped`, why: 'the operator chose not to apply it', next: 'Rerun the wizard when ready.' } };
    }
    hooks.report(step.id, { status: 'running', summary: 'applying' });
    const applied = await step.apply(ctx, found.plan);
    ctx.log.write('info', `applied: ${applied}`, step.id, true);
    const verified = await step.verify(ctx);
    ctx.log.info(`verified: ${verified}`, step.id);
    hooks.report(step.id, { status: 'ok', summary: verified });
    return { ok: true };
  } catch (e) {
    return fail(e);
  } finally {
    ctx.progress(undefined);
  }
}

/** The full plan always goes to the log file, even when a screen shows only part of it. */
export function logPlan(ctx: StepContext, view: PlanView): void {
  for (const f of view.files) {
    ctx.log.info(`${f.created ? 'will create' : 'will change'} ${f.path}:`, view.stepId);
    for (const line of f.diff.split('\n')) if (line) ctx.log.info(`  ${line}`, view.stepId);
  }
  for (const c of view.commands) ctx.log.info(`will run: ${c.join(' ')}`, view.stepId);
  for (const n of view.notes) ctx.log.info(`note: ${n}`, view.stepId);
}
