// The TUI controller without a screen: resume rebuilds the recorded run's options, a dry run
// changes nothing, lab mode checks what was done by hand, runs are recorded and locked, and
// --save-answers writes what was answered. Steps are fakes; everything else is real.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';

import { parseCli } from '../../src/cli/args.js';
import { readAnswersFile } from '../../src/answers/answers-file.js';
import { processIdentity } from '../../src/state/process-identity.js';
import { readState, writeState, emptyState } from '../../src/state/state-file.js';
import { emptyPlan, type Inspection, type Step, type StepContext } from '../../src/steps/step.js';
import { WizardController } from '../../src/tui/controller.js';
import { Session } from '../../src/wizard/session.js';
import type { WizardState } from '../../src/wizard/state.js';
import { minimalFacts } from '../helpers/step-context.js';

const disposers: (() => void)[] = [];
afterEach(() => { while (disposers.length) disposers.pop()!(); });

interface Rig {
  controller: WizardController;
  session: Session;
  dir: string;
  stateDir: string;
  calls: string[];
  state(): WizardState;
  until(what: string, cond: (s: WizardState) => boolean): Promise<WizardState>;
}

type Behave = Record<string, { inspect?: () => Inspection; apply?: () => string }>;

/** Fake steps named like the docker path's; each records its calls. */
function fakeSteps(calls: string[], behave: Behave = {}): Step[] {
  return ['install-runsc', 'configure-docker', 'reload-docker', 'isolation-check'].map((id) => ({
    id,
    title: `Step ${id}`,
    async inspect() {
      calls.push(`${id}:inspect`);
      return behave[id]?.inspect?.() ?? { status: 'done', summary: `${id} is done` };
    },
    async apply() {
      calls.push(`${id}:apply`);
      return behave[id]?.apply?.() ?? `${id} applied`;
    },
    async verify() {
      calls.push(`${id}:verify`);
      return `${id} verified`;
    },
  }));
}

function rig(args: string[], behave: Behave = {}, prepare?: (stateDir: string) => void): Rig {
  const dir = mkdtempSync(join(tmpdir(), 'gvw-controller-'));
  const stateDir = join(dir, 'state');
  prepare?.(stateDir);
  const argv = [...args, '--state-dir', stateDir, '--log-dir', join(dir, 'log')];
  const cli = parseCli(argv);
  const session = new Session(cli.options, { logName: 'tui' });
  const calls: string[] = [];
  const controller = new WizardController(session, cli, argv, () => fakeSteps(calls, behave));
  disposers.push(() => { controller.quit(); controller.dispose(); session.close(); rmSync(dir, { recursive: true, force: true }); });
  controller.showWelcome(minimalFacts({ running: true }));
  const until = async (what: string, cond: (s: WizardState) => boolean) => {
    const end = Date.now() + 5000;
    while (!cond(controller.getState())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; phase ${controller.getState().phase}, steps ${JSON.stringify(controller.getState().steps)}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    return controller.getState();
  };
  return { controller, session, dir, stateDir, calls, state: () => controller.getState(), until };
}

/** A state file with a tui run killed at configure-docker (its process is gone). */
function interruptedRun(stateDir: string): void {
  const s = emptyState();
  s.engine = 'docker';
  s.answers = { runtime: 'docker', 'runtime-arg': ['--network=host'], 'default-runtime': true, image: 'busybox:recorded' };
  s.release = { requested: 'latest', sha512: 'ab'.repeat(64) };
  s.runs.push({ id: 'run-1', command: 'tui', pid: 999_999_999, proc: 'gone:999999999:1', startedAt: new Date(Date.now() - 300_000).toISOString(), steps: ['install-runsc', 'configure-docker', 'reload-docker', 'isolation-check'] });
  s.steps['install-runsc'] = { status: 'ok', summary: 'installed', at: new Date().toISOString(), runId: 'run-1' };
  s.steps['configure-docker'] = { status: 'running', summary: 'applying', at: new Date().toISOString(), runId: 'run-1' };
  writeState(stateDir, s);
}

test('the welcome screen offers the unfinished run, and r resumes it at its step with the recorded answers and release', async () => {
  const r = rig(['--image', 'busybox:from-argv'], {}, interruptedRun);
  const offer = r.state().resumeOffer;
  assert.ok(offer, 'a resume offer');
  assert.equal(offer.stepId, 'configure-docker');
  assert.equal(offer.engine, 'docker');
  assert.match(offer.startedAt, /^\d{4}-\d\d-\d\d \d\d:\d\d UTC \(5 min ago\)$/);

  r.controller.resume();
  const end = await r.until('the summary', (s) => s.phase === 'summary');
  const o = r.session.options;
  assert.deepEqual(o.runtimeArgs, ['--network=host'], 'recorded network answer');
  assert.equal(o.makeDefault, true, 'recorded default-runtime answer');
  assert.equal(o.image, 'busybox:from-argv', 'the command line wins over the recorded answers');
  assert.equal(o.releaseSha512, 'ab'.repeat(64), 'the same runsc build as the interrupted run');
  // The finished step is looked at again (it may have been undone since) but, being done, not applied.
  assert.ok(r.calls.includes('install-runsc:inspect'), `${r.calls}`);
  assert.ok(!r.calls.includes('install-runsc:apply'), `the finished step is not applied again: ${r.calls}`);
  assert.ok(r.calls.includes('configure-docker:inspect'));
  assert.equal(end.steps[0]?.status, 'done');
  assert.equal(end.success, true);
  const saved = readState(r.stateDir);
  const run = saved.runs.at(-1)!;
  assert.equal(run.command, 'resume');
  assert.equal(run.ok, true, 'the resumed run is recorded as finished');
  assert.ok(!existsSync(join(r.stateDir, 'lock')) || readFileSync(join(r.stateDir, 'lock'), 'utf8').includes(`"pid":${process.pid}`), 'the lock is ours while the TUI runs');
  r.controller.dispose();
  assert.ok(!existsSync(join(r.stateDir, 'lock')), 'the lock is released at exit');
});

test('--release on the command line is not pinned to the recorded build on resume', async () => {
  const r = rig(['--release', '20240101.0'], {}, interruptedRun);
  r.controller.resume();
  await r.until('the summary', (s) => s.phase === 'summary');
  assert.equal(r.session.options.releaseSha512, undefined);
  assert.equal(r.session.options.release, '20240101.0');
});

test('a dry run shows every plan, applies nothing, records no run and takes no lock', async () => {
  const behave: Behave = {
    'configure-docker': { inspect: () => ({ status: 'needed', summary: 'x.conf gets a line', plan: { ...emptyPlan(), files: [{ path: '/etc/x.conf', before: null, after: 'x\n' }], commands: [['true']] } }) },
  };
  const r = rig(['--runtime', 'docker', '--runtime-arg=--network=host', '--default-runtime'], behave);
  r.controller.toggleDryRun();
  assert.equal(r.state().dryRun, true);
  r.controller.proceed();
  const confirm = await r.until('the plan', (s) => s.phase === 'confirm');
  assert.equal(confirm.pendingPlan?.stepId, 'configure-docker');
  assert.equal(confirm.planByHand, undefined);
  assert.equal((r.controller as unknown as { runSession(c: string): Session }).runSession('tui').host.dryRun, true, 'the session of a dry run refuses writes');
  r.controller.confirm(true);
  const end = await r.until('the summary', (s) => s.phase === 'summary');
  assert.ok(!r.calls.some((c) => c.endsWith(':apply')), `nothing applied: ${r.calls}`);
  assert.equal(end.steps.find((s) => s.id === 'configure-docker')?.status, 'needed');
  assert.match(end.steps.find((s) => s.id === 'configure-docker')?.summary ?? '', /^would change: /);
  assert.equal(end.success, false, 'a dry run proves nothing');
  assert.ok(!existsSync(join(r.stateDir, 'state.json')), 'no run recorded');
  assert.ok(!existsSync(join(r.stateDir, 'lock')), 'no lock taken');
});

test('lab mode: "done by hand" is checked; until it is done the plan comes back with why', async () => {
  let doneByHand = false;
  const behave: Behave = {
    'configure-docker': {
      inspect: () => (doneByHand ? { status: 'done', summary: 'daemon.json has runsc' } : { status: 'needed', summary: 'daemon.json has no runsc runtime', plan: { ...emptyPlan(), commands: [['true']] } }),
    },
    'isolation-check': { inspect: () => ({ status: 'needed', summary: 'runs a container', plan: emptyPlan() }) },
  };
  const r = rig(['--runtime', 'docker', '--runtime-arg=--network=host', '--default-runtime', '--lab'], behave);
  assert.equal(r.state().lab, true);
  r.controller.proceed();
  let s = await r.until('the first plan', (st) => st.phase === 'confirm');
  assert.equal(s.planByHand, true);
  assert.equal(s.planNote, undefined);
  r.controller.confirm('by-hand');
  s = await r.until('the plan again', (st) => st.phase === 'confirm' && st.planNote !== undefined);
  assert.equal(s.planNote, 'not done yet: daemon.json has no runsc runtime');
  doneByHand = true;
  r.controller.confirm('by-hand');
  s = await r.until('the check\'s plan', (st) => st.phase === 'confirm' && st.pendingPlan?.stepId === 'isolation-check');
  assert.equal(s.planByHand, undefined, 'only the wizard can run the check');
  r.controller.confirm('by-hand');
  assert.equal(r.state().phase, 'confirm', '"by hand" is refused for the check');
  r.controller.confirm(true);
  const end = await r.until('the summary', (st) => st.phase === 'summary');
  assert.ok(!r.calls.includes('configure-docker:apply'), 'the wizard did not apply what was done by hand');
  assert.ok(r.calls.includes('configure-docker:verify'), 'it was verified the same way');
  assert.match(end.steps.find((x) => x.id === 'configure-docker')?.summary ?? '', /^done by hand: /);
  assert.equal(end.steps.find((x) => x.id === 'configure-docker')?.status, 'ok');
});

test('answers are saved with --save-answers, including answered defaults, and the run is recorded with them', async () => {
  const r = rig(['--runtime', 'docker', '--save-answers', '/tmp/placeholder']);
  const file = join(r.dir, 'answers.toml');
  (r.controller as unknown as { cli: { saveAnswers: string } }).cli.saveAnswers = file;
  r.controller.proceed();
  let s = await r.until('the network question', (st) => st.question?.id === 'network');
  r.controller.answer('network', 'host');
  s = await r.until('the default-runtime question', (st) => st.question?.id === 'default-runtime');
  r.controller.answer('default-runtime', 'no');
  s = await r.until('the summary', (st) => st.phase === 'summary');
  assert.equal(s.savedAnswers, file);
  const flags = readAnswersFile(file);
  assert.deepEqual(flags['runtime-arg'], ['--network=host']);
  assert.equal(flags['default-runtime'], false, 'an answered default is kept, so a replay does not ask');
  assert.equal(flags.runtime, 'docker');
  const saved = readState(r.stateDir);
  assert.equal(saved.runs.at(-1)?.command, 'tui');
  assert.equal(saved.runs.at(-1)?.ok, true);
  assert.deepEqual(saved.answers['runtime-arg'], ['--network=host']);
  assert.equal(saved.steps['configure-docker']?.status, 'done');
});

test('quitting in the middle of a run leaves it unfinished: the next start offers to resume it', async () => {
  const behave: Behave = { 'configure-docker': { inspect: () => ({ status: 'needed', summary: 'needs a change', plan: emptyPlan() }) } };
  const r = rig(['--runtime', 'docker', '--runtime-arg=--network=host', '--default-runtime'], behave);
  r.controller.proceed();
  await r.until('the plan', (s) => s.phase === 'confirm');
  r.controller.quit();
  const code = await r.controller.finished;
  assert.equal(code, 130);
  const saved = readState(r.stateDir);
  assert.equal(saved.runs.at(-1)?.ok, undefined, 'not marked finished');
});

test('a lock held by a live wizard shows the problem instead of running', async () => {
  const sleeper = spawn('sleep', ['30']);
  disposers.push(() => sleeper.kill());
  const r = rig(['--runtime', 'docker', '--runtime-arg=--network=host', '--default-runtime'], {}, (stateDir) => {
    mkdirSync(stateDir, { recursive: true });
    writeFileSync(join(stateDir, 'lock'), JSON.stringify({ pid: sleeper.pid, proc: processIdentity(sleeper.pid!), command: 'apply', startedAt: '2026-12-03T18:40:00Z' }));
  });
  r.controller.proceed();
  const s = await r.until('the problem', (st) => st.phase === 'fatal');
  assert.match(s.problem?.what ?? '', new RegExp(`another gvisor-wizard \\(pid ${sleeper.pid}, \`apply\``));
  assert.match(s.problem?.next ?? '', /Wait for it to finish/);
  assert.deepEqual(r.calls, [], 'no step ran');
});

test('a stale lock is taken over and the log says so', async () => {
  const r = rig(['--runtime', 'docker', '--runtime-arg=--network=host', '--default-runtime'], {}, (stateDir) => {
    mkdirSync(stateDir, { recursive: true });
    writeFileSync(join(stateDir, 'lock'), JSON.stringify({ pid: 999_999_999, proc: 'gone:999999999:1', command: 'apply', startedAt: '2026-12-03T18:40:00Z' }));
  });
  r.controller.proceed();
  await r.until('the summary and the warning in the log pane', (s) => s.phase === 'summary' && s.logTail.some((l) => /a stale lock from pid 999999999 \(`apply`/.test(l.text)));
});

test('undo from the summary lists the change, asks about a file changed since, and keeps it when told no', async () => {
  let target = '';
  const behave: Behave = {
    'install-runsc': {
      inspect: () => (existsSync(target) ? { status: 'done', summary: 'there' } : { status: 'needed', summary: 'writes a file', plan: { ...emptyPlan(), files: [{ path: target, before: null, after: 'wizard\n' }] } }),
    },
  };
  const r = rig(['--runtime', 'docker', '--runtime-arg=--network=host', '--default-runtime', '--yes'], behave);
  target = join(r.dir, 'etc-file');
  // The fake step writes through the session's host, so the change is journaled.
  (r.controller as unknown as { stepsOf: unknown }).stepsOf = () => fakeSteps(r.calls, behave).map((s) => (s.id === 'install-runsc' ? { ...s, apply: async (ctx: StepContext) => { await ctx.host.writeFileAtomic(target, 'wizard\n'); return 'written'; } } : s));
  r.controller.proceed();
  await r.until('the summary', (s) => s.phase === 'summary');
  assert.equal(readFileSync(target, 'utf8'), 'wizard\n');
  r.controller.openUndo();
  let s = r.state();
  assert.equal(s.phase, 'undo');
  assert.equal(s.undo?.stage, 'review');
  assert.deepEqual(s.undo?.changes.map((c) => [c.verb, c.path, c.step]), [['remove', target, 'install-runsc']]);
  writeFileSync(target, 'changed by someone else\n');
  r.controller.undoAnswer(true);
  s = await r.until('the question', (st) => st.undo?.stage === 'ask');
  assert.equal(s.undo?.question?.path, target);
  assert.match(s.undo?.question?.why ?? '', /changed after the wizard wrote it/);
  r.controller.undoAnswer(false);
  s = await r.until('the end of undo', (st) => st.undo?.stage === 'done');
  assert.equal(s.undo?.ok, false);
  assert.equal(s.undo?.actions[0]?.result, 'kept');
  assert.equal(readFileSync(target, 'utf8'), 'changed by someone else\n', 'left as it is');
  assert.equal(readState(r.stateDir).runs.at(-1)?.command, 'undo');
  r.controller.back();
  assert.equal(r.state().phase, 'summary');
});

test('--answers: every question the file answers is not asked', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gvw-answers-'));
  disposers.push(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'a.toml');
  writeFileSync(file, 'runtime = "docker"\nnetwork = "host"\n"default-runtime" = false\n');
  const argv = ['--answers', file, '--state-dir', join(dir, 'state'), '--log-dir', join(dir, 'log')];
  const cli = parseCli(argv, [readAnswersFile(file)]);
  const session = new Session(cli.options, { logName: 'tui' });
  const calls: string[] = [];
  const controller = new WizardController(session, cli, argv, () => fakeSteps(calls));
  disposers.push(() => { controller.dispose(); session.close(); });
  controller.showWelcome(minimalFacts({ running: true }));
  controller.proceed();
  const end = Date.now() + 5000;
  while (controller.getState().phase !== 'summary' && Date.now() < end) {
    assert.notEqual(controller.getState().phase, 'question', `asked ${controller.getState().question?.id}`);
    await new Promise((res) => setTimeout(res, 5));
  }
  assert.equal(controller.getState().phase, 'summary');
  assert.deepEqual(session.options.runtimeArgs, ['--network=host']);
});

test('a failed step is matched against the known failures, and the summary gets the cause', async () => {
  const r = rig(['--runtime', 'docker', '--runtime-arg=--network=host', '--default-runtime', '--docker-host', 'unix:///nonexistent/docker.sock'], {
    'isolation-check': {
      inspect: () => ({ status: 'needed', summary: 'check', plan: emptyPlan() }),
      apply: () => { throw new Error('runsc: cannot run with network enabled in root network namespace'); },
    },
  });
  r.controller.proceed();
  await r.until('the check plan', (st) => st.phase === 'confirm');
  r.controller.confirm(true);
  const s = await r.until('a diagnosis on the summary', (st) => st.phase === 'summary' && !st.diagnosing && (st.diagnoses?.length ?? 0) > 0);
  assert.equal(s.success, false);
  assert.match(s.diagnoses![0]!.title, /old runsc on a new kernel/i);
  assert.match(s.diagnoses![0]!.fix, /--network=host|newer runsc/);
});
