// Unified diff of two small text files, shown to the operator before the wizard writes a file.
// Line diff: Myers' O(ND) algorithm in its linear-space form (middle snake, divide and conquer),
// so two unrelated 5000-line files cost O(N) memory instead of a trace of O(D^2) or a table of O(N*M).

export interface UnifiedDiffOptions {
  /** Lines of unchanged context around each change (default 3). */
  context?: number;
}

/** One line of the edit script; `a`/`b` are the 0-based positions in the old/new line lists. */
export interface DiffOp {
  kind: 'equal' | 'delete' | 'insert';
  a: number;
  b: number;
}
type Op = DiffOp;

interface SplitText {
  lines: string[];
  /** False when the last line has no '\n' (diff prints "\ No newline at end of file"). */
  endsWithNewline: boolean;
}

export function unifiedDiff(oldText: string, newText: string, path: string, opts: UnifiedDiffOptions = {}): string {
  if (oldText === newText) return '';
  const context = opts.context ?? 3;
  if (!Number.isInteger(context) || context < 0) throw new Error(`unifiedDiff: context must be a whole number >= 0, got ${context}`);

  const oldSplit = splitLines(oldText);
  const newSplit = splitLines(newText);
  const [aIds, bIds] = lineIds(oldSplit, newSplit);
  const ops = diffSequences(aIds, bIds);

  const name = path.replace(/^\/+/, '');
  let out = `--- ${oldText === '' ? '/dev/null' : `a/${name}`}\n`;
  out += `+++ ${newText === '' ? '/dev/null' : `b/${name}`}\n`;
  for (const [start, end] of hunkRanges(ops, context)) {
    out += renderHunk(ops.slice(start, end), oldSplit, newSplit);
  }
  return out;
}

function splitLines(text: string): SplitText {
  if (text === '') return { lines: [], endsWithNewline: true };
  const lines = text.split('\n');
  const endsWithNewline = lines[lines.length - 1] === '';
  if (endsWithNewline) lines.pop();
  return { lines, endsWithNewline };
}

/**
 * Numbers each distinct line so the diff compares integers. A last line without '\n' gets a
 * different number than the same text with '\n': that difference must show up in the diff.
 */
function lineIds(a: SplitText, b: SplitText): [Int32Array, Int32Array] {
  const ids = new Map<string, number>();
  const convert = (s: SplitText): Int32Array => {
    const out = new Int32Array(s.lines.length);
    s.lines.forEach((line, i) => {
      const key = i === s.lines.length - 1 && !s.endsWithNewline ? `${line}\u0000noeol` : line;
      let id = ids.get(key);
      if (id === undefined) {
        id = ids.size;
        ids.set(key, id);
      }
      out[i] = id;
    });
    return out;
  };
  return [convert(a), convert(b)];
}

/** A shortest edit script turning `a` into `b`, one Op per line, in order. */
export function diffSequences(a: ArrayLike<number>, b: ArrayLike<number>): DiffOp[] {
  const out: Op[] = [];
  diffRange(a, 0, a.length, b, 0, b.length, out);
  return out;
}

function diffRange(
  a: ArrayLike<number>, aLo: number, aHi: number,
  b: ArrayLike<number>, bLo: number, bHi: number,
  out: Op[],
): void {
  // Common prefix and suffix never need the expensive search.
  while (aLo < aHi && bLo < bHi && a[aLo] === b[bLo]) {
    out.push({ kind: 'equal', a: aLo++, b: bLo++ });
  }
  let aEnd = aHi;
  let bEnd = bHi;
  while (aEnd > aLo && bEnd > bLo && a[aEnd - 1] === b[bEnd - 1]) {
    aEnd--;
    bEnd--;
  }

  if (aLo === aEnd) {
    for (let j = bLo; j < bEnd; j++) out.push({ kind: 'insert', a: aLo, b: j });
  } else if (bLo === bEnd) {
    for (let i = aLo; i < aEnd; i++) out.push({ kind: 'delete', a: i, b: bLo });
  } else {
    const split = middleSnake(a, aLo, aEnd, b, bLo, bEnd);
    if (split) {
      diffRange(a, aLo, split.x, b, bLo, split.y, out);
      diffRange(a, split.x, aEnd, b, split.y, bEnd, out);
    } else {
      // Nothing in common: replace the whole range.
      for (let i = aLo; i < aEnd; i++) out.push({ kind: 'delete', a: i, b: bLo });
      for (let j = bLo; j < bEnd; j++) out.push({ kind: 'insert', a: aEnd, b: j });
    }
  }

  for (let k = 0; aEnd + k < aHi; k++) out.push({ kind: 'equal', a: aEnd + k, b: bEnd + k });
}

/**
 * Myers' middle snake: runs the greedy search from both corners at once and returns a point on
 * an optimal edit path where the two meet. Only two vectors of O(N+M) are kept. The point is
 * strictly inside the box whenever D >= 2 (always so after trimming prefix and suffix), so the
 * recursion in diffRange always makes progress.
 */
function middleSnake(
  a: ArrayLike<number>, aLo: number, aHi: number,
  b: ArrayLike<number>, bLo: number, bHi: number,
): { x: number; y: number } | undefined {
  const n = aHi - aLo;
  const m = bHi - bLo;
  const maxD = Math.ceil((n + m) / 2);
  const offset = maxD;
  const size = 2 * maxD + 2;
  const forward = new Int32Array(size).fill(-1); // furthest x reached on diagonal k, from the top-left
  const backward = new Int32Array(size).fill(-1); // same, counted from the bottom-right
  forward[offset + 1] = 0;
  backward[offset + 1] = 0;
  const delta = n - m;
  // With an odd delta the paths meet during a forward step, with an even one during a backward step.
  const meetForward = delta % 2 !== 0;
  // Diagonals that ran off the box are skipped from then on.
  let fStart = 0, fEnd = 0, bStart = 0, bEnd = 0;

  for (let d = 0; d < maxD; d++) {
    for (let k = -d + fStart; k <= d - fEnd; k += 2) {
      const i = offset + k;
      let x = k === -d || (k !== d && forward[i - 1]! < forward[i + 1]!) ? forward[i + 1]! : forward[i - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[aLo + x] === b[bLo + y]) {
        x++;
        y++;
      }
      forward[i] = x;
      if (x > n) fEnd += 2;
      else if (y > m) fStart += 2;
      else if (meetForward) {
        const j = offset + delta - k;
        if (j >= 0 && j < size && backward[j]! !== -1 && x >= n - backward[j]!) {
          return { x: aLo + x, y: bLo + y };
        }
      }
    }
    for (let k = -d + bStart; k <= d - bEnd; k += 2) {
      const i = offset + k;
      let x = k === -d || (k !== d && backward[i - 1]! < backward[i + 1]!) ? backward[i + 1]! : backward[i - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[aHi - x - 1] === b[bHi - y - 1]) {
        x++;
        y++;
      }
      backward[i] = x;
      if (x > n) bEnd += 2;
      else if (y > m) bStart += 2;
      else if (!meetForward) {
        const j = offset + delta - k;
        if (j >= 0 && j < size && forward[j]! !== -1) {
          const fx = forward[j]!;
          const fy = fx - (j - offset);
          if (fx >= n - x) return { x: aLo + fx, y: bLo + fy };
        }
      }
    }
  }
  return undefined;
}

/** [start, end) ranges of ops that form hunks: changes plus context, merged when contexts touch. */
function hunkRanges(ops: Op[], context: number): [number, number][] {
  const ranges: [number, number][] = [];
  let start = -1;
  let lastChangeEnd = -1;
  for (let i = 0; i < ops.length; i++) {
    if (ops[i]!.kind === 'equal') continue;
    if (start === -1) {
      start = Math.max(0, i - context);
    } else if (i - lastChangeEnd > 2 * context) {
      ranges.push([start, Math.min(ops.length, lastChangeEnd + context)]);
      start = i - context;
    }
    lastChangeEnd = i + 1;
  }
  if (start !== -1) ranges.push([start, Math.min(ops.length, lastChangeEnd + context)]);
  return ranges;
}

function renderHunk(ops: Op[], oldSplit: SplitText, newSplit: SplitText): string {
  const first = ops[0]!;
  let oldLen = 0;
  let newLen = 0;
  for (const op of ops) {
    if (op.kind !== 'insert') oldLen++;
    if (op.kind !== 'delete') newLen++;
  }
  // An empty side names the line *before* the hunk (0 = start of file), as diff and patch expect.
  const oldStart = oldLen === 0 ? first.a : first.a + 1;
  const newStart = newLen === 0 ? first.b : first.b + 1;
  let out = `@@ -${oldStart},${oldLen} +${newStart},${newLen} @@\n`;

  const noEol = (s: SplitText, i: number): boolean => !s.endsWithNewline && i === s.lines.length - 1;
  for (const op of ops) {
    if (op.kind === 'insert') {
      out += `+${newSplit.lines[op.b]}\n`;
      if (noEol(newSplit, op.b)) out += '\\ No newline at end of file\n';
    } else {
      out += `${op.kind === 'equal' ? ' ' : '-'}${oldSplit.lines[op.a]}\n`;
      if (noEol(oldSplit, op.a)) out += '\\ No newline at end of file\n';
    }
  }
  return out;
}
