import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanup, render } from 'ink-testing-library';
import { App } from '../../screens/App.js';
import { PlanConfirm } from '../../screens/PlanConfirm.js';
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

test('a long note or command (the by-hand shell line of lab mode) is wrapped, not cut', async () => {
  const long = 'by hand: curl -fLo /tmp/runsc https://mirror.example/release/latest/x86_64/runsc && curl -fLo /tmp/runsc.sha512 https://mirror.example/release/latest/x86_64/runsc.sha512 && (cd /tmp && sha512sum -c runsc.sha512) && install -m 0755 /tmp/runsc /usr/local/bin/runsc';
  const r = render(<PlanConfirm plan={{ stepId: 'install-runsc', title: 'Install', files: [], commands: [], notes: [long] }} maxLines={20} width={80} byHand note={'not done yet: /etc/docker/daemon.json: runtimes.runsc.path is "/usr/bin/runsc", not "/usr/local/bin/runsc" as installed'} />);
  const frame = r.lastFrame() ?? '';
  // Every word of the shell line is on screen (wrapped lines are joined back for the check).
  assert.match(frame.replace(/\n {4}/g, ' '), /install -m 0755 \/tmp\/runsc \/usr\/local\/bin\/runsc/);
  assert.match(frame, /not "\/usr\/local\/bin\/runsc" as installed/);
  for (const row of frame.split('\n')) assert.ok(row.length <= 80, `too wide: ${row}`);
});
