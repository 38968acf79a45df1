import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { diffSequences, unifiedDiff } from '../../src/util/unified-diff.js';

interface PatchLine {
  text: string;
  eol: boolean;
}

function toLines(text: string): PatchLine[] {
  if (text === '') return [];
  const parts = text.split('\n');
  const eolAtEnd = parts[parts.length - 1] === '';
  if (eolAtEnd) parts.pop();
  return parts.map((t, i) => ({ text: t, eol: eolAtEnd || i < parts.length - 1 }));
}

/** A small strict `patch`: applies a unified diff to `oldText`, failing on any mismatch. */
function applyPatch(oldText: string, diff: string): string {
  const old = toLines(oldText);
  const out: PatchLine[] = [];
  const lines = diff.split('\n');
  assert.equal(lines.pop(), '', 'a diff ends with a newline');
  assert.match(lines[0] ?? '', /^--- /);
  assert.match(lines[1] ?? '', /^\+\+\+ /);
  let oldIdx = 0;
  let i = 2;
  while (i < lines.length) {
    const header = /^@@ -(\d+),(\d+) \+(\d+),(\d+) @@$/.exec(lines[i]!);
    assert.ok(header, `hunk header expected, got ${JSON.stringify(lines[i])}`);
    const [oldStart, oldLen, newStart, newLen] = header.slice(1).map(Number) as [number, number, number, number];
    const hunkOldStart = oldLen === 0 ? oldStart : oldStart - 1;
    assert.ok(hunkOldStart >= oldIdx, 'hunks are in order and do not overlap');
    while (oldIdx < hunkOldStart) out.push(old[oldIdx++]!);
    assert.equal(newLen === 0 ? newStart : newStart - 1, out.length, 'new start matches the output so far');
    i++;
    let seenOld = 0;
    let seenNew = 0;
    let lastOld: PatchLine | undefined;
    let lastNew: PatchLine | undefined;
    while (i < lines.length && !lines[i]!.startsWith('@@')) {
      const line = lines[i]!;
      const tag = line[0];
      const text = line.slice(1);
      if (tag === '\\') {
        assert.equal(line, '\\ No newline at end of file');
        const prevTag = lines[i - 1]![0];
        if (prevTag !== '+') {
          assert.equal(lastOld?.eol, false, 'marker only after the real last line of the old file');
        }
        if (prevTag !== '-') lastNew!.eol = false;
      } else if (tag === ' ' || tag === '-') {
        const o = old[oldIdx++];
        assert.ok(o, 'context/removed line exists in the old text');
        assert.equal(o.text, text, 'context/removed line matches the old text');
        lastOld = o;
        seenOld++;
        if (tag === ' ') {
          lastNew = { ...o, eol: true };
          out.push(lastNew);
          seenNew++;
        }
      } else if (tag === '+') {
        lastNew = { text, eol: true };
        out.push(lastNew);
        seenNew++;
      } else {
        assert.fail(`unexpected diff line ${JSON.stringify(line)}`);
      }
      i++;
    }
    assert.equal(seenOld, oldLen, 'old line count in header');
    assert.equal(seenNew, newLen, 'new line count in header');
  }
  while (oldIdx < old.length) out.push(old[oldIdx++]!);
  return out.map((l) => l.text + (l.eol ? '\n' : '')).join('');
}

/** Deterministic pseudo-random numbers (mulberry32) so failures can be replayed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function lcsLength(a: number[], b: number[]): number {
  const row = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    let diag = 0;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j]!;
      row[j] = a[i - 1] === b[j - 1] ? diag + 1 : Math.max(row[j]!, row[j - 1]!);
      diag = up;
    }
  }
  return row[b.length]!;
}

const numbered = (n: number, from = 1): string => Array.from({ length: n }, (_, i) => `line ${i + from}\n`).join('');

describe('unifiedDiff', () => {
  it('given two equal texts, when diffed, then the result is empty', () => {
    assert.equal(unifiedDiff('a\nb\n', 'a\nb\n', 'x.json'), '');
    assert.equal(unifiedDiff('', '', 'x.json'), '');
  });

  it('given one changed line in the middle of a file, when diffed, then one hunk shows it with three lines of context', () => {
    const oldText = numbered(10);
    const newText = oldText.replace('line 5\n', 'line five\n');
    const expected = [
      '--- a/etc/docker/daemon.json',
      '+++ b/etc/docker/daemon.json',
      '@@ -2,7 +2,7 @@',
      ' line 2',
      ' line 3',
      ' line 4',
      '-line 5',
      '+line five',
      ' line 6',
      ' line 7',
      ' line 8',
      '',
    ].join('\n');
    assert.equal(unifiedDiff(oldText, newText, '/etc/docker/daemon.json'), expected);
  });

  it('given a created file, when diffed, then the old side is /dev/null and every line is an addition', () => {
    const diff = unifiedDiff('', '{\n  "a": 1\n}\n', 'etc/docker/daemon.json');
    assert.equal(diff, '--- /dev/null\n+++ b/etc/docker/daemon.json\n@@ -0,0 +1,3 @@\n+{\n+  "a": 1\n+}\n');
    assert.equal(applyPatch('', diff), '{\n  "a": 1\n}\n');
  });

  it('given a file emptied completely, when diffed, then the new side is /dev/null', () => {
    const diff = unifiedDiff('a\nb\n', '', 'f');
    assert.equal(diff, '--- a/f\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-a\n-b\n');
  });

  it('given an old file without a final newline, when a line is appended, then the old last line is marked and replaced', () => {
    const diff = unifiedDiff('a\nb', 'a\nb\nc\n', 'f');
    assert.equal(diff, '--- a/f\n+++ b/f\n@@ -1,2 +1,3 @@\n a\n-b\n\\ No newline at end of file\n+b\n+c\n');
    assert.equal(applyPatch('a\nb', diff), 'a\nb\nc\n');
  });

  it('given a change that keeps a missing final newline, when diffed, then the unchanged last context line carries the marker', () => {
    const diff = unifiedDiff('x\ny\nz', 'X\ny\nz', 'f');
    assert.equal(diff, '--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n-x\n+X\n y\n z\n\\ No newline at end of file\n');
    assert.equal(applyPatch('x\ny\nz', diff), 'X\ny\nz');
  });

  it('given only a final newline removed, when diffed, then the diff shows exactly that', () => {
    const diff = unifiedDiff('a\n', 'a', 'f');
    assert.equal(diff, '--- a/f\n+++ b/f\n@@ -1,1 +1,1 @@\n-a\n+a\n\\ No newline at end of file\n');
    assert.equal(applyPatch('a\n', diff), 'a');
  });

  it('given changes 7 equal lines apart, when diffed with 3 lines of context, then they form two hunks; 6 apart, one hunk', () => {
    const oldText = numbered(30);
    const far = oldText.replace('line 5\n', 'five\n').replace('line 13\n', 'thirteen\n');
    assert.equal(unifiedDiff(oldText, far, 'f').match(/^@@/gm)?.length, 2);
    const near = oldText.replace('line 5\n', 'five\n').replace('line 12\n', 'twelve\n');
    assert.equal(unifiedDiff(oldText, near, 'f').match(/^@@/gm)?.length, 1);
    assert.equal(applyPatch(oldText, unifiedDiff(oldText, far, 'f')), far);
    assert.equal(applyPatch(oldText, unifiedDiff(oldText, near, 'f')), near);
  });

  it('given context 0, when a line is inserted, then the header names the line before the insertion', () => {
    const diff = unifiedDiff('a\nb\nc\n', 'a\nb\nNEW\nc\n', 'f', { context: 0 });
    assert.equal(diff, '--- a/f\n+++ b/f\n@@ -2,0 +3,1 @@\n+NEW\n');
    assert.equal(applyPatch('a\nb\nc\n', diff), 'a\nb\nNEW\nc\n');
  });

  it('given CRLF lines, when diffed, then the carriage returns are kept and the diff applies back', () => {
    const oldText = '{\r\n\t"a": 1\r\n}';
    const newText = '{\r\n\t"a": 1,\r\n\t"b": 2\r\n}';
    const diff = unifiedDiff(oldText, newText, 'f');
    assert.ok(diff.includes('+\t"a": 1,\r\n'));
    assert.equal(applyPatch(oldText, diff), newText);
  });

  it('given a negative context, when diffed, then it refuses', () => {
    assert.throws(() => unifiedDiff('a', 'b', 'f', { context: -1 }), /context/);
  });

  it('given many random pairs of texts, when diffed, then every diff applies back and changes the fewest lines', () => {
    const random = rng(20240601);
    for (let round = 0; round < 400; round++) {
      const alphabet = 1 + Math.floor(random() * 5);
      const make = (): number[] => Array.from({ length: Math.floor(random() * 25) }, () => Math.floor(random() * alphabet));
      const a = make();
      const b = make();
      const ops = diffSequences(a, b);
      const equal = ops.filter((o) => o.kind === 'equal').length;
      assert.equal(equal, lcsLength(a, b), `minimal for ${JSON.stringify([a, b])}`);

      const text = (xs: number[], eol: boolean): string => xs.map((x) => `v${x}`).join('\n') + (eol && xs.length ? '\n' : '');
      const oldText = text(a, random() < 0.8);
      const newText = text(b, random() < 0.8);
      const diff = unifiedDiff(oldText, newText, 'f', { context: Math.floor(random() * 4) });
      if (oldText === newText) {
        assert.equal(diff, '');
        continue;
      }
      assert.equal(applyPatch(oldText, diff), newText, `round ${round}: ${JSON.stringify({ oldText, newText, diff })}`);
    }
  });

  it('given two unrelated 5000-line files, when diffed, then it finishes quickly and the diff applies back', () => {
    const oldText = numbered(5000);
    const newText = Array.from({ length: 5000 }, (_, i) => `other ${i}\n`).join('');
    const started = Date.now();
    const diff = unifiedDiff(oldText, newText, 'f');
    assert.ok(Date.now() - started < 5000, 'diff of 5000 lines takes seconds at most');
    assert.equal(applyPatch(oldText, diff), newText);
  });

  it('given a 5000-line file with scattered edits, when diffed, then each edit gets its own small hunk', () => {
    const oldLines = numbered(5000).split('\n');
    const newLines = [...oldLines];
    for (const at of [10, 1000, 2500, 4990]) newLines[at] = `changed ${at}`;
    newLines.splice(3000, 0, 'inserted');
    const oldText = oldLines.join('\n');
    const newText = newLines.join('\n');
    const diff = unifiedDiff(oldText, newText, 'f');
    assert.equal(diff.match(/^@@/gm)?.length, 5);
    assert.equal(diff.match(/^[-+][^-+]/gm)?.length, 9);
    assert.equal(applyPatch(oldText, diff), newText);
  });
});
