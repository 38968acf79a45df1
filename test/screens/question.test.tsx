import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanup } from 'ink-testing-library';
import { App } from '../../screens/App.js';
import { runscQuestions } from '../../src/wizard/questions.js';
import { defaultOptions } from '../../src/wizard/options.js';
import type { Facts } from '../../src/detect/facts.js';
import { FakeStore } from '../helpers/fake-store.js';
import { KEY, pressAndWaitForChange, renderReady, waitFor } from '../helpers/ink.js';

afterEach(() => cleanup());

const facts = (kvm: boolean) => ({ kvm } as Facts);

test('a runsc question is answered with the arrow keys and Enter, naming the question', async () => {
  const [network] = runscQuestions(facts(false), new Set());
  const { apply: _a, ...view } = network!;
  const store = new FakeStore({ phase: 'question', question: view });
  const r = await renderReady(<App store={store} rows={24} columns={80} />);
  assert.match(r.lastFrame() ?? '', /Network for sandboxed containers\?/);
  assert.match(r.lastFrame() ?? '', /> sandbox/);
  const frame = await pressAndWaitForChange(r, KEY.down);
  assert.match(frame, /> host - --network=host/);
  r.stdin.write(KEY.enter);
  await waitFor(() => store.calls.length > 0);
  assert.deepEqual(store.calls, [{ intent: 'answer', questionId: 'network', value: 'host' }]);
});

test('questions whose flags were given are not asked, and answers become runsc flags', () => {
  assert.deepEqual(runscQuestions(facts(true), new Set()).map((q) => q.id), ['network', 'platform', 'default-runtime']);
  assert.deepEqual(runscQuestions(facts(false), new Set()).map((q) => q.id), ['network', 'default-runtime']);
  assert.deepEqual(runscQuestions(facts(true), new Set(['runtime-arg', 'default-runtime'])).map((q) => q.id), []);

  const o = defaultOptions();
  const [network, platform, dflt] = runscQuestions(facts(true), new Set());
  network!.apply(o, 'none');
  platform!.apply(o, 'kvm');
  dflt!.apply(o, 'yes');
  assert.deepEqual(o.runtimeArgs, ['--network=none', '--platform=kvm']);
  assert.equal(o.makeDefault, true);

  const keep = defaultOptions();
  network!.apply(keep, 'sandbox');
  platform!.apply(keep, 'default');
  assert.deepEqual(keep.runtimeArgs, [], 'choosing the defaults in the TUI means no flags, also when the config had some');
});

test('Down and Enter arriving in one read (a paste, a fast typist) choose the row moved to, not the old one', async () => {
  const [network] = runscQuestions(facts(false), new Set());
  const { apply: _a, ...view } = network!;
  const store = new FakeStore({ phase: 'question', question: view });
  const r = await renderReady(<App store={store} rows={24} columns={80} />);
  r.stdin.write(`${KEY.down}${KEY.enter}`);
  await waitFor(() => store.calls.length > 0);
  assert.deepEqual(store.calls, [{ intent: 'answer', questionId: 'network', value: 'host' }]);
});

test('a digit still chooses its row at once', async () => {
  const [network] = runscQuestions(facts(false), new Set());
  const { apply: _a, ...view } = network!;
  const store = new FakeStore({ phase: 'question', question: view });
  const r = await renderReady(<App store={store} rows={24} columns={80} />);
  r.stdin.write('3');
  await waitFor(() => store.calls.length > 0);
  assert.deepEqual(store.calls, [{ intent: 'answer', questionId: 'network', value: 'none' }]);
});
