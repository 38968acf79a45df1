import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanup } from 'ink-testing-library';
import { App } from '../../screens/App.js';
import type { PlanView } from '../../src/wizard/state.js';
import { FakeStore } from '../helpers/fake-store.js';
import { KEY, frameRows, renderReady, settle, waitFor } from '../helpers/ink.js';
import { PLAN, STEPS } from './fixtures.js';

afterEach(() => cleanup());

function confirmStore(plan: PlanView = PLAN): FakeStore {
  return new FakeStore({ phase: 'confirm', engine: 'docker', steps: STEPS, currentStepId: 'configure', pendingPlan: plan });
}

test('the confirm screen shows the diff, the commands and the notes', async () => {
  const r = await renderReady(<App store={confirmStore()} rows={24} columns={80} />);
  const frame = r.lastFrame() ?? '';
  assert.match(frame, /Apply step "Register runsc with docker"\?/);
  assert.match(frame, /file \/etc\/docker\/daemon\.json/);
  assert.match(frame, /^-  "log-driver": "journald"$/m);
  assert.match(frame, /^\+  "runtimes": \{$/m);
  assert.match(frame, /^ \{$/m);
  assert.match(frame, /\$ systemctl reload-or-restart docker\.service/);
  assert.match(frame, /note: Running containers keep running runc/);
  assert.match(frame, /y\/Enter apply - n skip/);
});

for (const [key, name, apply] of [
  ['y', 'y', true],
  [KEY.enter, 'Enter', true],
  ['n', 'n', false],
] as const) {
  test(`"${name}" on the confirm screen calls confirm(${apply}) once`, async () => {
    const store = confirmStore();
    const r = await renderReady(<App store={store} rows={24} columns={80} />);
    r.stdin.write(key);
    await waitFor(() => store.calls.length > 0);
    r.stdin.write(key);
    await settle();
    assert.deepEqual(store.calls, [{ intent: 'confirm', apply }]);
  });
}

test('a long plan is cut to fit and says how many lines are left out', async () => {
  const diff = ['--- /etc/x', '+++ /etc/x', '@@ -1,60 +1,60 @@', ...Array.from({ length: 60 }, (_, i) => `+line ${i}`)].join('\n');
  const plan: PlanView = { ...PLAN, files: [{ path: '/etc/x', diff, created: false }] };
  const r = await renderReady(<App store={confirmStore(plan)} rows={24} columns={80} />);
  const frame = r.lastFrame() ?? '';
  assert.match(frame, /… \d+ more lines \(full plan in the log file\)/);
  assert.ok(frameRows(frame).length < 24, `${frameRows(frame).length} rows`);
  assert.match(frame, /y\/Enter apply/);
});
