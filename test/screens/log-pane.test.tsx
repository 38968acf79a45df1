import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanup, render } from 'ink-testing-library';
import { App } from '../../screens/App.js';
import { LogPane } from '../../screens/LogPane.js';
import { FakeStore } from '../helpers/fake-store.js';
import { frameRows, renderReady, waitForFrame } from '../helpers/ink.js';
import { STEPS, logLines } from './fixtures.js';

afterEach(() => cleanup());

test('the log pane follows streamed lines and stays bounded', async () => {
  const store = new FakeStore({ phase: 'running', engine: 'docker', steps: STEPS, currentStepId: 'configure' });
  const r = await renderReady(<App store={store} rows={24} columns={80} />);
  assert.match(r.lastFrame() ?? '', /\(no output yet\)/);

  for (let n = 1; n <= 60; n += 7) {
    store.set({ logTail: logLines(1, n) });
    const frame = await waitForFrame(r, (f) => new RegExp(`output line ${n}\\b`).test(f));
    assert.ok(frameRows(frame).length <= 24, `frame too tall:\n${frame}`);
  }
  store.set({ logTail: logLines(1, 200) });
  const frame = await waitForFrame(r, (f) => /output line 200\b/.test(f));
  const shown = frameRows(frame).filter((l) => /output line \d+/.test(l));
  assert.ok(shown.length >= 3 && shown.length <= 12, `shown ${shown.length} lines`);
  assert.doesNotMatch(frame, /output line 1\b/);
  assert.ok(frameRows(frame).length <= 24);
});

test('command lines get a "$" prefix, long lines are cut to one row, progress shows a bar', () => {
  const r = render(
    <LogPane
      width={60}
      maxLines={8}
      lines={[
        { id: 1, level: 'cmd', text: 'curl -fsSL https://storage.googleapis.com/gvisor/releases/release/latest/x86_64/runsc' },
        { id: 2, level: 'out', text: 'x'.repeat(300) },
        { id: 3, level: 'err', text: 'warning: something on stderr' },
      ]}
      progress={{ label: 'downloading runsc', bytes: 12.3 * 1048576, total: 40.1 * 1048576, bytesPerSecond: 8.2 * 1048576, etaSeconds: 3 }}
    />,
  );
  const frame = r.lastFrame() ?? '';
  const rows = frameRows(frame);
  assert.match(rows[0] ?? '', /^\$ curl -fsSL /);
  assert.ok(rows.every((l) => l.length <= 100), frame);
  assert.equal(rows.length, 5, frame);
  assert.match(frame, /warning: something on stderr/);
  assert.match(frame, /downloading runsc/);
  assert.match(frame, /\[#+\.+\] 12\.3\/40\.1 MiB 8\.2 MiB\/s ETA 3s/);
});
