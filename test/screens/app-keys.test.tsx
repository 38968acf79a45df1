import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanup } from 'ink-testing-library';
import { App } from '../../screens/App.js';
import type { Phase } from '../../src/wizard/state.js';
import { FakeStore } from '../helpers/fake-store.js';
import { KEY, renderReady, settle, waitFor } from '../helpers/ink.js';
import { PLAN, STEPS, sampleFacts } from './fixtures.js';

afterEach(() => cleanup());

const PHASES: Phase[] = ['detecting', 'welcome', 'choose-runtime', 'confirm', 'running', 'summary', 'fatal'];

for (const phase of PHASES) {
  test(`q calls quit on the ${phase} screen`, async () => {
    const store = new FakeStore({
      phase,
      facts: sampleFacts(),
      steps: STEPS,
      pendingPlan: PLAN,
      runtimeChoices: [{ value: 'docker', label: 'Docker' }],
    });
    const r = await renderReady(<App store={store} rows={24} columns={80} />);
    r.stdin.write('q');
    await waitFor(() => store.calls.length > 0);
    assert.deepEqual(store.calls, [{ intent: 'quit' }]);
  });
}

test('Ctrl-C calls quit (the controller decides how to stop)', async () => {
  const store = new FakeStore({ phase: 'running', steps: STEPS });
  const r = await renderReady(<App store={store} rows={24} columns={80} />);
  r.stdin.write(KEY.ctrlC);
  await waitFor(() => store.calls.length > 0);
  assert.deepEqual(store.calls, [{ intent: 'quit' }]);
});

test('Enter on the welcome screen proceeds; other keys do nothing', async () => {
  const store = new FakeStore({ phase: 'welcome', facts: sampleFacts() });
  const r = await renderReady(<App store={store} rows={24} columns={80} />);
  r.stdin.write('y');
  await settle();
  assert.deepEqual(store.calls, []);
  r.stdin.write(KEY.enter);
  await waitFor(() => store.calls.length > 0);
  assert.deepEqual(store.calls, [{ intent: 'proceed' }]);
});

test('y and n do nothing outside the confirm screen', async () => {
  const store = new FakeStore({ phase: 'running', steps: STEPS, pendingPlan: PLAN });
  const r = await renderReady(<App store={store} rows={24} columns={80} />);
  r.stdin.write('y');
  await settle();
  r.stdin.write('n');
  await settle();
  r.stdin.write(KEY.enter);
  await settle();
  assert.deepEqual(store.calls, []);
});

test('? shows why the current step exists beside the screen, and hides it again', async () => {
  const store = new FakeStore({ phase: 'running', steps: STEPS, currentStepId: 'configure-docker' });
  const r = await renderReady(<App store={store} rows={24} columns={100} />);
  assert.doesNotMatch(r.lastFrame() ?? '', /Why the sandbox needs it|dockerd only runs runtimes/);
  r.stdin.write('?');
  await waitFor(() => /dockerd only runs/.test(r.lastFrame() ?? ''));
  r.stdin.write('?');
  await waitFor(() => !/dockerd only runs/.test(r.lastFrame() ?? ''));
  assert.deepEqual(store.calls, []);
});
