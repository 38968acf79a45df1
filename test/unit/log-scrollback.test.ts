import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LOG_TAIL_LINES, LogScrollback } from '../../src/tui/log-scrollback.js';
import type { LogLine } from '../../src/wizard/state.js';

const lines = (from: number, to: number, step = 'a'): LogLine[] =>
  Array.from({ length: to - from + 1 }, (_, i) => ({ id: from + i, step, level: 'out' as const, text: `line ${from + i}` }));

test('the scrollback keeps the last lines only, and hands the screen a bounded window that follows the output', () => {
  const sb = new LogScrollback(2000);
  for (let i = 0; i < 50; i++) sb.append(lines(i * 1000 + 1, (i + 1) * 1000));
  const v = sb.view('a');
  assert.equal(v.logTail.length, LOG_TAIL_LINES);
  assert.equal(v.logTail.at(-1)?.text, 'line 50000');
  assert.deepEqual(v.logView, { scrolledUp: 0 });
  sb.scroll(1_000_000);
  assert.equal(sb.view('a').logView.scrolledUp, 1999, 'no further back than the oldest line kept');
  assert.equal(sb.view('a').logTail.at(-1)?.text, 'line 48001');
});

test('scrolled back, the view stays on its lines while new ones arrive; End follows again', () => {
  const sb = new LogScrollback(2000);
  sb.append(lines(1, 100));
  sb.scroll(10);
  assert.equal(sb.view().logTail.at(-1)?.text, 'line 90');
  sb.append(lines(101, 150));
  assert.equal(sb.view().logTail.at(-1)?.text, 'line 90');
  assert.equal(sb.view().logView.scrolledUp, 60);
  sb.scroll(-5);
  assert.equal(sb.view().logTail.at(-1)?.text, 'line 95');
  sb.scroll('end');
  assert.equal(sb.view().logTail.at(-1)?.text, 'line 150');
});

test('the filter shows only the current step\'s lines and says which step', () => {
  const sb = new LogScrollback(2000);
  sb.append([...lines(1, 10, 'install-runsc'), ...lines(11, 15, 'configure-docker')]);
  sb.toggleFilter();
  const v = sb.view('configure-docker');
  assert.deepEqual(v.logTail.map((l) => l.id), [11, 12, 13, 14, 15]);
  assert.deepEqual(v.logView, { step: 'configure-docker', scrolledUp: 0 });
  sb.toggleFilter();
  assert.equal(sb.view('configure-docker').logTail.length, 15);
});
