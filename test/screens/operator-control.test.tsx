// The operator-control screens: resume offer and dry-run toggle on the welcome screen, the
// step menu, the undo screen, the log pane's scroll and filter, lab mode's confirm keys and
// the dry-run banner. Each fits 80x24.
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanup } from 'ink-testing-library';
import { App } from '../../screens/App.js';
import type { StepMenuView, UndoView, WizardState } from '../../src/wizard/state.js';
import { FakeStore } from '../helpers/fake-store.js';
import { KEY, frameRows, renderReady, settle, waitFor, waitForFrame } from '../helpers/ink.js';
import { PLAN, STEPS, logLines, sampleFacts } from './fixtures.js';

afterEach(() => cleanup());

const PG_UP = '\u001B[5~';
const PG_DOWN = '\u001B[6~';
const END = '\u001B[F';
const ESC = '\u001B';

function fits(frame: string): void {
  const rows = frameRows(frame);
  assert.ok(rows.length < 24, `${rows.length} rows:\n${frame}`);
  for (const row of rows) assert.ok(row.length <= 80, `too wide: ${row}`);
}

async function show(state: Partial<WizardState>) {
  const store = new FakeStore(state);
  const r = await renderReady(<App store={store} rows={24} columns={80} />);
  return { store, r, frame: r.lastFrame() ?? '' };
}

const MENU: StepMenuView = {
  engine: 'docker',
  rows: [
    { id: 'install-runsc', title: 'Download, verify and install runsc', now: 'done', summary: 'runsc 20240101 is installed', last: 'applied 2026-12-03 18:40 UTC (5 min ago)', lastStatus: 'ok' },
    { id: 'configure-docker', title: 'Add the runsc runtime to docker', now: 'needed', summary: 'daemon.json gets a runsc runtime', last: 'failed 2026-12-03 18:41 UTC (4 min ago)', lastStatus: 'failed', problem: { what: 'daemon.json is not valid JSON', why: 'line 3', next: 'fix it' } },
    { id: 'reload-docker', title: 'Reload docker and confirm it lists the runtime', now: 'blocked', summary: 'docker does not list runsc', last: 'never run here' },
    { id: 'isolation-check', title: 'Prove that workloads run inside gVisor', now: 'check', summary: 'runs a container', last: 'never run here' },
  ],
};

test('the welcome screen offers to resume an unfinished run, and r resumes', async () => {
  const { store, r, frame } = await show({
    phase: 'welcome',
    facts: sampleFacts({ isRoot: false, init: 'other', cgroup: 'unknown' }),
    resumeOffer: { startedAt: '2026-12-03 18:40 UTC (5 min ago)', engine: 'docker', stepId: 'configure-docker', stepTitle: 'Add the runsc runtime to docker' },
  });
  assert.match(frame.replace(/\n/g, ' '), /An unfinished run from 2026-12-03 18:40 UTC \(5 min ago\) \(docker\)\s+stopped at configure-docker/);
  assert.match(frame, /r resume there with the same answers - Enter start over/);
  assert.match(frame, /m step menu - d dry run: off/);
  fits(frame);
  r.stdin.write('r');
  await waitFor(() => store.calls.length > 0);
  assert.deepEqual(store.calls, [{ intent: 'resume' }]);
});

test('without an unfinished run r does nothing; m opens the step menu and d toggles the dry run', async () => {
  const { store, r, frame } = await show({ phase: 'welcome', facts: sampleFacts() });
  assert.doesNotMatch(frame, /unfinished run/);
  r.stdin.write('r');
  await settle();
  r.stdin.write('m');
  await waitFor(() => store.calls.length > 0);
  r.stdin.write('d');
  await waitFor(() => store.calls.length > 1);
  assert.deepEqual(store.calls, [{ intent: 'openMenu' }, { intent: 'toggleDryRun' }]);
});

test('a dry run is marked on every screen, and the welcome screen says it is on', async () => {
  const base: Partial<WizardState> = { dryRun: true, engine: 'docker', facts: sampleFacts(), steps: STEPS, pendingPlan: PLAN, menu: MENU, logTail: logLines(1, 30) };
  for (const phase of ['welcome', 'confirm', 'running', 'summary', 'step-menu'] as const) {
    const { frame } = await show({ ...base, phase });
    assert.match(frame, /DRY RUN: nothing is changed/, phase);
    fits(frame);
    cleanup();
  }
  const { frame } = await show({ ...base, phase: 'welcome' });
  assert.match(frame, /d dry run: on/);
});

test('the dry-run confirm screen shows the plan as not applied, and the summary says nothing was changed', async () => {
  const confirm = await show({ phase: 'confirm', dryRun: true, engine: 'docker', steps: STEPS, pendingPlan: PLAN });
  assert.match(confirm.frame, /Plan of step "Register runsc with docker" \(not applied\)/);
  assert.match(confirm.frame, /Enter\/y next step \(dry run: nothing is applied\)/);
  cleanup();
  const summary = await show({ phase: 'summary', dryRun: true, steps: STEPS, logFile: '/tmp/plan.log', savedAnswers: '/tmp/answers.toml' });
  assert.match(summary.frame, /Dry run finished: nothing was changed \(1 step would change\)/);
  assert.match(summary.frame, /Register runsc with docker: would change/);
  assert.match(summary.frame, /Answers saved to \/tmp\/answers\.toml/);
  assert.match(summary.frame, /m step menu - u undo - press q to quit/);
});

test('the step menu lists every step with its status now and its last result; Enter reruns the chosen one', async () => {
  const { store, r, frame } = await show({ phase: 'step-menu', engine: 'docker', menu: MENU });
  assert.match(frame, /Steps of the docker path on this machine/);
  assert.match(frame, /> install-runsc\s+done\s+applied 2026-12-03 18:40 UTC \(5 min ago\)/);
  assert.match(frame, /configure-docker\s+needed\s+failed 2026-12-03 18:41 UTC \(4 min ago\)/);
  assert.match(frame, /reload-docker\s+blocked\s+never run here/);
  assert.match(frame, /isolation-check\s+runs each time/);
  assert.match(frame, /Enter rerun this step - u undo it - Esc\/b back/);
  fits(frame);
  const moved = await (async () => { r.stdin.write(KEY.down); return waitForFrame(r, (f) => /> configure-docker/.test(f)); })();
  assert.match(moved, /\[!!\] daemon\.json is not valid JSON: line 3/, 'the chosen step shows its last problem');
  r.stdin.write(KEY.enter);
  await waitFor(() => store.calls.length > 0);
  r.stdin.write('u');
  await waitFor(() => store.calls.length > 1);
  r.stdin.write(ESC);
  await waitFor(() => store.calls.length > 2);
  assert.deepEqual(store.calls, [{ intent: 'rerunStep', stepId: 'configure-docker' }, { intent: 'openUndo', stepId: 'configure-docker' }, { intent: 'back' }]);
});

test('the step menu says it is reading while the statuses load, and shows the last rerun\'s outcome', async () => {
  const loading = await show({ phase: 'step-menu', engine: 'docker', menu: { engine: 'docker' } });
  assert.match(loading.frame, /Reading each step's state/);
  cleanup();
  const after = await show({ phase: 'step-menu', engine: 'docker', menu: { ...MENU, message: { text: 'configure-docker: already done, nothing changed', ok: true } } });
  assert.match(after.frame, /configure-docker: already done, nothing changed/);
  fits(after.frame);
});

test('a Kubernetes path of 13 steps still fits the step menu in 80x24', async () => {
  const rows = Array.from({ length: 13 }, (_, i) => ({ ...MENU.rows![1]!, id: `kube-step-number-${i}`, last: 'was already done 2026-12-03 18:40 UTC (5 min ago)' }));
  const { frame } = await show({ phase: 'step-menu', engine: 'containerd', lab: true, dryRun: true, menu: { engine: 'containerd', rows, message: { text: 'x', ok: false } } });
  fits(frame);
  assert.match(frame, /Esc\/b back - q quit/);
});

const UNDO: UndoView = {
  stage: 'review',
  changes: [
    { verb: 'restore', path: '/etc/docker/daemon.json', step: 'configure-docker', at: '2026-12-03 18:41 UTC (4 min ago)' },
    { verb: 'remove', path: '/usr/local/bin/runsc', step: 'install-runsc', at: '2026-12-03 18:40 UTC (5 min ago)' },
  ],
  damaged: 0,
  actions: [],
  engines: [],
};

test('the undo screen lists what would be put back and asks; y goes ahead, n goes back', async () => {
  const { store, r, frame } = await show({ phase: 'undo', undo: UNDO });
  assert.match(frame, /Undo will put back 2 change\(s\) of every step, newest first:/);
  assert.match(frame, /restore \/etc\/docker\/daemon\.json \(configure-docker, 2026-12-03 18:41 UTC/);
  assert.match(frame, /remove \/usr\/local\/bin\/runsc \(install-runsc/);
  assert.match(frame, /y put them back - n\/Esc back/);
  fits(frame);
  r.stdin.write('y');
  await waitFor(() => store.calls.length > 0);
  r.stdin.write('n');
  await waitFor(() => store.calls.length > 1);
  assert.deepEqual(store.calls, [{ intent: 'undoAnswer', yes: true }, { intent: 'undoAnswer', yes: false }]);
});

test('undo asks per file changed by someone else, then shows every action and the engines', async () => {
  const { store, r, frame } = await show({ phase: 'undo', undo: { ...UNDO, step: 'configure-docker', stage: 'ask', question: { path: '/etc/docker/daemon.json', why: 'it was changed after the wizard wrote it' } } });
  assert.match(frame, /\/etc\/docker\/daemon\.json/);
  assert.match(frame, /it was changed after the wizard wrote it \(by someone else, not by the wizard\)/);
  assert.match(frame, /Overwrite it with the content from before the wizard\?/);
  assert.match(frame, /y overwrite it - n keep it as it is/);
  r.stdin.write('n');
  await waitFor(() => store.calls.length > 0);
  assert.deepEqual(store.calls, [{ intent: 'undoAnswer', yes: false }]);
  store.set({ undo: { ...UNDO, step: 'configure-docker', stage: 'done', ok: false, actions: [{ path: '/etc/docker/daemon.json', result: 'kept', detail: 'it was changed after the wizard wrote it; left as it is' }], engines: [{ engine: 'docker', ok: true, detail: 'docker reloaded and answers (runtimes: runc)' }] } });
  const done = await waitForFrame(r, (f) => /not complete/.test(f));
  assert.match(done, /Undo of step configure-docker: not complete/);
  assert.match(done, /\[kept\] \/etc\/docker\/daemon\.json: it was changed/);
  assert.match(done, /\[ok\] docker: docker reloaded and answers/);
  fits(done);
  r.stdin.write('b');
  await waitFor(() => store.calls.length > 1);
  assert.deepEqual(store.calls.at(-1), { intent: 'back' });
});

test('nothing to undo is said in words', async () => {
  const { frame } = await show({ phase: 'undo', undo: { ...UNDO, stage: 'done', changes: [], ok: true } });
  assert.match(frame, /Nothing to undo for every step/);
});

test('the log pane scrolls back with PgUp/PgDn, k/j and arrows, End follows, f filters; its title says what it shows', async () => {
  const { store, r, frame } = await show({ phase: 'running', engine: 'docker', steps: STEPS, currentStepId: 'configure', logTail: logLines(1, 100), logView: { scrolledUp: 0 } });
  assert.match(frame, /^log: all steps$/m);
  assert.match(frame, /PgUp\/PgDn k\/j scroll - End follow - f this step only - \? why - q quit/);
  for (const key of [PG_UP, PG_DOWN, 'k', 'j', KEY.up, KEY.down, END, 'f']) {
    const n = store.calls.length;
    r.stdin.write(key);
    await waitFor(() => store.calls.length > n, () => `no intent for ${JSON.stringify(key)}`);
  }
  const calls = store.calls.map((c) => (c.intent === 'scrollLog' ? c.lines : c.intent));
  assert.ok(typeof calls[0] === 'number' && calls[0] > 1, `PgUp scrolls a page: ${calls[0]}`);
  assert.deepEqual(calls.slice(1), [-(calls[0] as number), 1, -1, 1, -1, 'end', 'toggleLogFilter']);
  store.set({ logTail: logLines(1, 60), logView: { step: 'configure', scrolledUp: 40 } });
  const scrolled = await waitForFrame(r, (f) => /scrolled/.test(f));
  assert.match(scrolled, /log: step configure - scrolled: 40 lines up, End to follow/);
  assert.match(scrolled, /output line 60\b/);
  fits(scrolled);
});

test('lab mode: the confirm screen offers w, c and s, and shows why a plan is offered again', async () => {
  const { store, r, frame } = await show({ phase: 'confirm', lab: true, planByHand: true, planNote: 'not done yet: daemon.json has no runsc runtime', engine: 'docker', steps: STEPS, pendingPlan: PLAN });
  assert.match(frame, /LAB MODE/);
  assert.match(frame, /not done yet: daemon\.json has no runsc runtime/);
  assert.match(frame, /w let the wizard do it - c I did it by hand, check - s skip/);
  assert.match(frame, /\$ systemctl reload-or-restart docker\.service/, 'the exact argv is shown');
  fits(frame);
  r.stdin.write('c');
  await waitFor(() => store.calls.length > 0);
  assert.deepEqual(store.calls, [{ intent: 'confirm', apply: 'by-hand' }]);
  for (const [key, apply] of [['w', true], ['s', false]] as const) {
    cleanup();
    const again = await show({ phase: 'confirm', lab: true, planByHand: true, steps: STEPS, pendingPlan: PLAN });
    again.r.stdin.write(key);
    await waitFor(() => again.store.calls.length > 0);
    assert.deepEqual(again.store.calls, [{ intent: 'confirm', apply }]);
  }
});

test('lab mode on a step only the wizard can do (the check): c does nothing, y applies', async () => {
  const { store, r, frame } = await show({ phase: 'confirm', lab: true, steps: STEPS, pendingPlan: PLAN });
  assert.match(frame, /y\/Enter apply - n skip/);
  r.stdin.write('c');
  await settle();
  assert.deepEqual(store.calls, []);
  r.stdin.write('y');
  await waitFor(() => store.calls.length > 0);
  assert.deepEqual(store.calls, [{ intent: 'confirm', apply: true }]);
});

test('back from a rerun or an undo, the step acted on is still chosen', async () => {
  const { store, r } = await show({ phase: 'step-menu', engine: 'docker', menu: { ...MENU, focus: 'reload-docker' } });
  const frame = await waitForFrame(r, (f) => /> reload-docker/.test(f));
  assert.doesNotMatch(frame, /> install-runsc/);
  r.stdin.write(KEY.enter);
  await waitFor(() => store.calls.length > 0);
  assert.deepEqual(store.calls, [{ intent: 'rerunStep', stepId: 'reload-docker' }]);
});

test('Down and Enter arriving together in the step menu rerun the row moved to', async () => {
  const { store, r } = await show({ phase: 'step-menu', engine: 'docker', menu: MENU });
  r.stdin.write(`${KEY.down}${KEY.enter}`);
  await waitFor(() => store.calls.length > 0);
  assert.deepEqual(store.calls, [{ intent: 'rerunStep', stepId: 'configure-docker' }]);
});
