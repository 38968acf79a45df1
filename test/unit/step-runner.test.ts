import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';

import type { LogEntry } from '../../src/log/run-log.js';
import { runOneStep, runSteps, type RunHooks, type StepReport } from '../../src/steps/runner.js';
import { emptyPlan, type Inspection, type Step, StepFailure, type StepPlan } from '../../src/steps/step.js';
import type { PlanView, Problem } from '../../src/wizard/state.js';
import { tempStepContext, type TempContext } from '../helpers/step-context.js';

let current: TempContext | undefined;
afterEach(() => {
  current?.dispose();
  current = undefined;
});

/** Every call the runner makes, in order: `<step>:inspect`, `confirm:<step>`, `<step>:apply`, ... */
type Calls = string[];

function fakeStep(id: string, calls: Calls, behave: {
  inspect?: () => Inspection;
  apply?: () => string;
  verify?: () => string;
} = {}): Step {
  return {
    id,
    title: `Step ${id}`,
    async inspect() {
      calls.push(`${id}:inspect`);
      return behave.inspect ? behave.inspect() : { status: 'needed', summary: `${id} needed`, plan: planFor(id) };
    },
    async apply(_ctx, plan) {
      calls.push(`${id}:apply`);
      assert.deepEqual(plan, planFor(id), 'apply gets the plan inspect returned');
      return behave.apply ? behave.apply() : `${id} applied`;
    },
    async verify() {
      calls.push(`${id}:verify`);
      return behave.verify ? behave.verify() : `${id} verified`;
    },
  };
}

function planFor(id: string): StepPlan {
  return { ...emptyPlan(), commands: [['true', id]], notes: [`note for ${id}`] };
}

function hooks(calls: Calls, answer: boolean | ((stepId: string) => boolean) = true) {
  const reports: { stepId: string; report: StepReport }[] = [];
  const plans: PlanView[] = [];
  const h: RunHooks = {
    report: (stepId, report) => { reports.push({ stepId, report }); },
    confirm: async (step, plan) => {
      calls.push(`confirm:${step.id}`);
      plans.push(plan);
      return typeof answer === 'function' ? answer(step.id) : answer;
    },
  };
  const lastStatus = (id: string) => reports.filter((r) => r.stepId === id && r.report.status).at(-1)?.report.status;
  return { h, reports, plans, lastStatus };
}

function context() {
  current = tempStepContext();
  const entries: LogEntry[] = [];
  current.log.subscribe((e) => entries.push(e));
  return { ctx: current.ctx, entries };
}

const PROBLEM: Problem = { what: 'runsc download failed', why: 'HTTP 404 for runsc', next: 'Check --release.' };

describe('runSteps', () => {
  it('given a step whose inspection says done, when run, then it is neither confirmed nor applied and is reported done', async () => {
    const calls: Calls = [];
    const { ctx } = context();
    const hk = hooks(calls);
    const out = await runSteps([fakeStep('a', calls, { inspect: () => ({ status: 'done', summary: 'already there' }) })], ctx, hk.h);
    assert.deepEqual(out, { ok: true });
    assert.deepEqual(calls, ['a:inspect']);
    assert.equal(hk.lastStatus('a'), 'done');
  });

  it('given a not-applicable step, when run, then it is skipped without apply and the run goes on', async () => {
    const calls: Calls = [];
    const { ctx } = context();
    const out = await runSteps([
      fakeStep('a', calls, { inspect: () => ({ status: 'not-applicable', summary: 'no docker' }) }),
      fakeStep('b', calls),
    ], ctx, hooks(calls).h);
    assert.equal(out.ok, true);
    assert.deepEqual(calls, ['a:inspect', 'b:inspect', 'confirm:b', 'b:apply', 'b:verify']);
  });

  it('given a needed step, when run and confirmed, then it is inspected, confirmed, applied and verified in that order and reported ok', async () => {
    const calls: Calls = [];
    const { ctx } = context();
    const hk = hooks(calls);
    const out = await runSteps([fakeStep('a', calls)], ctx, hk.h);
    assert.deepEqual(out, { ok: true });
    assert.deepEqual(calls, ['a:inspect', 'confirm:a', 'a:apply', 'a:verify']);
    assert.deepEqual(hk.reports.at(-1), { stepId: 'a', report: { status: 'ok', summary: 'a verified' } });
  });

  it('given a needed step, when confirm is asked, then it is shown the plan as a view with the commands and notes', async () => {
    const calls: Calls = [];
    const { ctx } = context();
    const hk = hooks(calls);
    await runSteps([fakeStep('a', calls)], ctx, hk.h);
    assert.deepEqual(hk.plans, [{ stepId: 'a', title: 'Step a', files: [], commands: [['true', 'a']], notes: ['note for a'] }]);
  });

  it('given the operator declines a step, when run, then it is reported skipped, nothing of it is applied and the next step still runs', async () => {
    const calls: Calls = [];
    const { ctx } = context();
    const hk = hooks(calls, false);
    const out = await runSteps([fakeStep('a', calls), fakeStep('b', calls)], ctx, hk.h);
    // b (the last step, like the isolation check) was declined too: the run proved nothing
    assert.equal(out.ok, false);
    assert.equal(out.failedStep, 'b');
    assert.match(out.problem!.what, /skipped/);
    assert.deepEqual(calls, ['a:inspect', 'confirm:a', 'b:inspect', 'confirm:b']);
    assert.equal(hk.lastStatus('a'), 'skipped');
    assert.equal(hk.lastStatus('b'), 'skipped');
  });

  it('given apply throws a StepFailure, when run, then the step fails with that exact problem and later steps never run', async () => {
    const calls: Calls = [];
    const { ctx, entries } = context();
    const hk = hooks(calls);
    const out = await runSteps([
      fakeStep('a', calls, { apply: () => { throw new StepFailure(PROBLEM); } }),
      fakeStep('b', calls),
    ], ctx, hk.h);
    assert.deepEqual(out, { ok: false, failedStep: 'a', problem: PROBLEM });
    assert.deepEqual(calls, ['a:inspect', 'confirm:a', 'a:apply']);
    assert.deepEqual(hk.reports.at(-1), { stepId: 'a', report: { status: 'failed', problem: PROBLEM, summary: PROBLEM.what } });
    assert.ok(entries.some((e) => e.level === 'error' && e.text.includes(PROBLEM.why)), 'the failure is logged');
  });

  it('given verify throws a StepFailure, when run, then the step fails with that problem after apply', async () => {
    const calls: Calls = [];
    const { ctx } = context();
    const hk = hooks(calls);
    const out = await runSteps([fakeStep('a', calls, { verify: () => { throw new StepFailure(PROBLEM); } }), fakeStep('b', calls)], ctx, hk.h);
    assert.deepEqual(out, { ok: false, failedStep: 'a', problem: PROBLEM });
    assert.deepEqual(calls, ['a:inspect', 'confirm:a', 'a:apply', 'a:verify']);
  });

  it('given an inspection that is blocked, when run, then the step fails with its problem and apply is never called', async () => {
    const calls: Calls = [];
    const { ctx } = context();
    const hk = hooks(calls);
    const out = await runSteps([
      fakeStep('a', calls, { inspect: () => ({ status: 'blocked', summary: 'invalid file', problem: PROBLEM }) }),
      fakeStep('b', calls),
    ], ctx, hk.h);
    assert.deepEqual(out, { ok: false, failedStep: 'a', problem: PROBLEM });
    assert.deepEqual(calls, ['a:inspect']);
    assert.equal(hk.lastStatus('a'), 'failed');
  });

  it('given a step that throws a plain Error, when run, then it fails with a problem that carries the message and points at the log', async () => {
    const calls: Calls = [];
    const { ctx } = context();
    const out = await runOneStep(fakeStep('a', calls, { apply: () => { throw new Error('disk full'); } }), ctx, hooks(calls).h);
    assert.equal(out.ok, false);
    assert.equal(out.problem!.why, 'disk full');
    assert.match(out.problem!.next, /log/);
  });

  it('given a step runs, when the host is looked at, then its actions are attributed to that step id', async () => {
    const calls: Calls = [];
    const { ctx } = context();
    let seen: string | undefined;
    const step = fakeStep('attrib', calls, { apply: () => { seen = (ctx.host as { step?: string }).step; return 'ok'; } });
    await runOneStep(step, ctx, hooks(calls).h);
    assert.equal(seen, 'attrib');
  });

  it('given several needed steps all confirmed, when run, then each runs fully before the next starts', async () => {
    const calls: Calls = [];
    const { ctx } = context();
    const out = await runSteps([fakeStep('a', calls), fakeStep('b', calls)], ctx, hooks(calls).h);
    assert.equal(out.ok, true);
    assert.deepEqual(calls, ['a:inspect', 'confirm:a', 'a:apply', 'a:verify', 'b:inspect', 'confirm:b', 'b:apply', 'b:verify']);
  });
});

describe('lab mode: done by hand', () => {
  it('given a by-hand attempt that leaves the file invalid, when checked, then the plan comes back with what is wrong, and a correct attempt is verified', async () => {
    current = tempStepContext();
    const calls: Calls = [];
    const states: Inspection[] = [
      { status: 'needed', summary: 'add runtimes.runsc', plan: planFor('configure') },
      { status: 'blocked', summary: 'invalid', problem: { what: 'daemon.json is not valid JSON', why: 'line 3: trailing comma', next: 'fix it' } },
      { status: 'done', summary: 'runtimes.runsc is there' },
    ];
    const step = fakeStep('configure', calls, { inspect: () => states.shift()! });
    const reports: StepReport[] = [];
    const outcome = await runOneStep(step, current.ctx, {
      report: (_id, r) => { reports.push(r); },
      confirm: async () => { calls.push('confirm:configure'); return 'by-hand'; },
    });
    assert.equal(outcome.ok, true);
    assert.deepEqual(calls, ['configure:inspect', 'confirm:configure', 'configure:inspect', 'confirm:configure', 'configure:inspect', 'configure:verify']);
    assert.ok(reports.some((r) => r.status === 'needed' && /not done yet: daemon\.json is not valid JSON: line 3: trailing comma/.test(r.summary ?? '')));
    assert.equal(reports.at(-1)?.status, 'ok');
    assert.ok(!calls.includes('configure:apply'), 'the wizard applied nothing');
  });
});

describe('quit at a confirm', () => {
  it('given q on the first step\'s plan (the operator quits), when run, then no later step runs and the run is interrupted, not skipped', async () => {
    current = tempStepContext();
    const abort = new AbortController();
    const ctx = { ...current.ctx, signal: abort.signal };
    const calls: Calls = [];
    const outcome = await runSteps([fakeStep('first', calls), fakeStep('second', calls)], ctx, {
      report: () => {},
      confirm: async () => { abort.abort(); return false; },
    });
    assert.equal(outcome.ok, false);
    assert.equal(outcome.skipped, undefined);
    assert.match(outcome.problem?.what ?? '', /interrupted/);
    assert.deepEqual(calls, ['first:inspect'], 'the second step is never looked at');
  });
});
