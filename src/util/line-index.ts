// Offsets to lines for editors that point at "file:line:column".

/** Index of the last line start <= offset (binary search; lineStarts is ascending). */
export function lineIndexOf(lineStarts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lineStarts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return Math.max(lo, 0);
}

/** 1-based line and column of an offset. */
export function lineColOf(lineStarts: readonly number[], offset: number): { line: number; column: number } {
  const i = lineIndexOf(lineStarts, offset);
  return { line: i + 1, column: offset - lineStarts[i]! + 1 };
}
