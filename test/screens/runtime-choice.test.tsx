import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanup } from 'ink-testing-library';
import { App } from '../../screens/App.js';
import { FakeStore } from '../helpers/fake-store.js';
import { KEY, pressAndWaitForChange, renderReady, settle, waitFor, waitForFrame } from '../helpers/ink.js';

afterEach(() => cleanup());

test('choosing a runtime with the arrow keys and Enter records the highlighted engine', async () => {
  const store = new FakeStore({
    phase: 'choose-runtime',
    runtimeChoices: [
      { value: 'docker', label: 'Docker (dockerd 27.3.1)' },
      { value: 'containerd', label: 'containerd 1.7.22 (ctr, nerdctl, Kubernetes CRI)' },
    ],
  });
  const r = await renderReady(<App store={store} rows={24} columns={80} />);
  assert.match(r.lastFrame() ?? '', /> Docker/);

  const down = await pressAndWaitForChange(r, KEY.down);
  assert.match(down, /> containerd 1\.7\.22/);
  const up = await pressAndWaitForChange(r, KEY.up);
  assert.match(up, /> Docker/);
  await pressAndWaitForChange(r, KEY.down);

  r.stdin.write(KEY.enter);
  await waitFor(() => store.calls.length > 0, () => JSON.stringify(store.calls));
  assert.deepEqual(store.calls, [{ intent: 'chooseRuntime', engine: 'containerd' }]);
});

test('a disabled option is shown with its reason and cannot be selected', async () => {
  const store = new FakeStore({
    phase: 'choose-runtime',
    runtimeChoices: [
      { value: 'docker', label: 'Docker' },
      { value: 'containerd', label: 'containerd', disabledReason: 'containerd is not running' },
    ],
  });
  const r = await renderReady(<App store={store} rows={24} columns={80} />);
  const frame = r.lastFrame() ?? '';
  assert.match(frame, /containerd \(not available: containerd is not running\)/);
  assert.doesNotMatch(frame, /> containerd/);

  // Neither the arrow keys nor its would-be number reach it.
  r.stdin.write(KEY.down);
  await settle();
  r.stdin.write('2');
  await settle();
  assert.deepEqual(store.calls, []);
  assert.doesNotMatch(await waitForFrame(r, () => true), /> containerd/);

  r.stdin.write(KEY.enter);
  await waitFor(() => store.calls.length > 0);
  assert.deepEqual(store.calls, [{ intent: 'chooseRuntime', engine: 'docker' }]);
});

test('when no engine can be chosen the screen says so and lists every reason', async () => {
  const store = new FakeStore({
    phase: 'choose-runtime',
    runtimeChoices: [
      { value: 'docker', label: 'Docker', disabledReason: 'docker is not installed' },
      { value: 'containerd', label: 'containerd', disabledReason: 'containerd is not installed' },
    ],
  });
  const r = await renderReady(<App store={store} rows={24} columns={80} />);
  const frame = r.lastFrame() ?? '';
  assert.match(frame, /No engine can be set up/);
  assert.match(frame, /docker is not installed/);
  assert.match(frame, /containerd is not installed/);
  r.stdin.write(KEY.enter);
  await settle();
  assert.deepEqual(store.calls, []);
});

test('Down and Enter arriving in one read choose the engine moved to', async () => {
  const store = new FakeStore({ phase: 'choose-runtime', runtimeChoices: [{ value: 'docker', label: 'docker 20.10' }, { value: 'containerd', label: 'containerd 1.6' }] });
  const r = await renderReady(<App store={store} rows={24} columns={80} />);
  r.stdin.write(`${KEY.down}${KEY.enter}`);
  await waitFor(() => store.calls.length > 0);
  assert.deepEqual(store.calls, [{ intent: 'chooseRuntime', engine: 'containerd' }]);
});
