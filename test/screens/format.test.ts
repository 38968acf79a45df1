import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  argvForDisplay,
  fitLines,
  formatBytes,
  formatDuration,
  planLines,
  sanitizeLine,
  tail,
  truncate,
} from '../../screens/format.js';
import { formatProgress } from '../../screens/LogPane.js';
import { PLAN } from './fixtures.js';

const MiB = 1024 * 1024;

test('formatProgress shows a bar, amounts, speed and ETA within the width', () => {
  const s = formatProgress({ label: 'runsc', bytes: 12.3 * MiB, total: 40.1 * MiB, bytesPerSecond: 8.2 * MiB, etaSeconds: 3 }, 50);
  assert.match(s, /^\[#+\.+\] 12\.3\/40\.1 MiB 8\.2 MiB\/s ETA 3s$/);
  assert.equal(s.length, 50);
});

test('formatProgress fills the bar in proportion to the bytes', () => {
  const s = formatProgress({ label: 'x', bytes: 50, total: 100, bytesPerSecond: 10, etaSeconds: 5 }, 40);
  const bar = /^\[([#.]+)\]/.exec(s)?.[1] ?? '';
  const filled = bar.split('').filter((c) => c === '#').length;
  assert.ok(Math.abs(filled - bar.length / 2) <= 1, s);
});

test('formatProgress computes the ETA when none is given', () => {
  const s = formatProgress({ label: 'x', bytes: 0, total: 65 * MiB, bytesPerSecond: MiB }, 60);
  assert.match(s, /ETA 1m05s$/);
});

test('formatProgress without a total shows bytes and speed only', () => {
  const s = formatProgress({ label: 'x', bytes: 1536, bytesPerSecond: 2048 }, 60);
  assert.equal(s, '1.5 KiB 2.0 KiB/s');
});

test('formatProgress never exceeds a narrow width', () => {
  const s = formatProgress({ label: 'x', bytes: 1, total: 2 * 1024 ** 3, bytesPerSecond: 1, etaSeconds: 99999 }, 20);
  assert.ok(s.length <= 20, s);
  assert.ok(s.endsWith('…'));
});

test('formatProgress at 100% fills the whole bar', () => {
  const s = formatProgress({ label: 'x', bytes: 10 * MiB, total: 10 * MiB, bytesPerSecond: MiB, etaSeconds: 0 }, 40);
  assert.match(s, /^\[#+\] /);
  assert.match(s, /ETA 0s$/);
});

test('formatBytes and formatDuration pick sensible units', () => {
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(3 * 1024 ** 3), '3.0 GiB');
  assert.equal(formatDuration(59.6), '1m00s');
  assert.equal(formatDuration(3720), '1h02m');
});

test('truncate cuts with an ellipsis and keeps short text', () => {
  assert.equal(truncate('abcdef', 4), 'abc…');
  assert.equal(truncate('abc', 4), 'abc');
  assert.equal(truncate('abc', 0), '');
});

test('tail keeps the last n items', () => {
  assert.deepEqual(tail([1, 2, 3, 4], 2), [3, 4]);
  assert.deepEqual(tail([1], 5), [1]);
  assert.deepEqual(tail([1, 2], 0), []);
});

test('sanitizeLine drops escapes and keeps what a terminal would show after \\r', () => {
  assert.equal(sanitizeLine('\u001B[31mred\u001B[0m\tx'), 'red    x');
  assert.equal(sanitizeLine('10%\r50%\r100%'), '100%');
  assert.equal(sanitizeLine('done\r'), 'done');
  assert.equal(sanitizeLine('a\u0007b'), 'ab');
});

test('argvForDisplay quotes only what needs quoting', () => {
  assert.equal(argvForDisplay(['systemctl', 'restart', 'docker.service']), 'systemctl restart docker.service');
  assert.equal(argvForDisplay(['sh', '-c', "echo it's"]), `sh -c 'echo it'\\''s'`);
  assert.equal(argvForDisplay(['x', '']), "x ''");
});

test('planLines classifies diff lines, lists commands and notes', () => {
  const lines = planLines(PLAN);
  assert.deepEqual(lines[0], { kind: 'file', text: 'file /etc/docker/daemon.json' });
  assert.ok(lines.some((l) => l.kind === 'add' && l.text.includes('"runtimes"')));
  assert.ok(lines.some((l) => l.kind === 'del' && l.text.startsWith('-  "log-driver"')));
  assert.ok(lines.some((l) => l.kind === 'meta' && l.text.startsWith('+++')));
  assert.ok(lines.some((l) => l.kind === 'cmd' && l.text === '$ systemctl reload-or-restart docker.service'));
  assert.ok(lines.some((l) => l.kind === 'note' && l.text.startsWith('note: Running containers')));
});

test('planLines marks a created file that has no diff', () => {
  const lines = planLines({ stepId: 's', title: 't', files: [{ path: '/etc/x', diff: '', created: true }], commands: [], notes: [] });
  assert.equal(lines[0]?.text, 'file /etc/x (new file)');
  assert.match(lines[1]?.text ?? '', /created/);
});

test('fitLines keeps the first lines and says how many more are in the log file', () => {
  const lines = Array.from({ length: 30 }, (_, i) => ({ kind: 'context' as const, text: `l${i}` }));
  const fit = fitLines(lines, 10);
  assert.equal(fit.length, 10);
  assert.equal(fit[8]?.text, 'l8');
  assert.equal(fit[9]?.text, '… 21 more lines (full plan in the log file)');
  assert.equal(fitLines(lines.slice(0, 5), 10).length, 5);
});
