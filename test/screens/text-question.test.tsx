import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanup } from 'ink-testing-library';
import { App } from '../../screens/App.js';
import { FakeStore } from '../helpers/fake-store.js';
import { KEY, renderReady, waitFor, waitForFrame } from '../helpers/ink.js';
import type { QuestionView } from '../../src/wizard/state.js';

afterEach(() => cleanup());

const JOIN = 'kubeadm join 192.0.2.10:6443 --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash sha256:' + '0'.repeat(64);
const question: QuestionView = { id: 'join', kind: 'text', secret: true, prompt: 'Paste the join command:', help: 'masked', options: [], initial: 0 };

test('a pasted join line is shown masked, q is typed rather than quitting, and Enter sends the real text', async () => {
  const store = new FakeStore({ phase: 'question', question });
  const r = await renderReady(<App store={store} rows={24} columns={80} />);
  // q is a letter here, not quit
  r.stdin.write('q');
  await waitForFrame(r, (f) => f.includes('> q'));
  assert.deepEqual(store.calls, [], 'q did not quit');
  r.stdin.write('\x7f'); // backspace removes it
  await waitForFrame(r, (f) => !f.includes('> q'));
  await new Promise((res) => setTimeout(res, 20));
  r.stdin.write(JOIN);
  const frame = await waitForFrame(r, (f) => f.includes('abcdef.****'));
  assert.doesNotMatch(frame, /0123456789abcdef/);
  assert.doesNotMatch(frame, /0{64}/);
  await new Promise((res) => setTimeout(res, 20));
  r.stdin.write(KEY.enter);
  await waitFor(() => store.calls.length > 0);
  assert.deepEqual(store.calls, [{ intent: 'answer', questionId: 'join', value: JOIN }]);
});

test('a refused join line shows the masked reason under the input', async () => {
  const store = new FakeStore({ phase: 'question', question: { ...question, error: 'endpoint "192.0.2.10:6443--token" is not host:port' } });
  const r = await renderReady(<App store={store} rows={24} columns={80} />);
  assert.match(r.lastFrame() ?? '', /is not host:port/);
});
