// The bundle's stand-in for Intl.Segmenter (scripts/lazy-segmenter.mjs) must split text exactly
// as ICU does: the TUI measures and cuts every line with it.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../helpers/paths.js';

type SegmenterLike = { segment(text: string): Iterable<{ segment: string; index: number; input: string }> & { containing(i?: number): unknown } };
const { __gvwLazySegmenter: lazy } = (await import(pathToFileURL(join(repoRoot(), 'scripts', 'lazy-segmenter.mjs')).href)) as {
  __gvwLazySegmenter: (locales?: string, options?: Intl.SegmenterOptions) => SegmenterLike & { resolvedOptions(): Intl.ResolvedSegmenterOptions };
};

const SAMPLES = [
  '',
  'gvisor-wizard - looking at this machine',
  '\u001b[1mbold\u001b[22m and \u001b]8;;http://x\u0007link\u001b]8;;\u0007',
  'a\r\nb',
  '\r\n\r\n',
  'line\rover\n',
  'tab\there\u0000nul\u007f',
  'e\u0301 combining',
  'flags \ud83c\uddea\ud83c\uddfa and \ud83d\udc4d\ud83c\udffd thumbs',
  'family \ud83d\udc68\u200d\ud83d\udc69\u200d\ud83d\udc67',
  '\u2026 ellipsis \u2192 arrow \u25cf dot',
  '\ud55c\uad6d\uc5b4 \u1100\u1161\u11a8 jamo',
  '\u6f22\u5b57 wide',
  'lone \ud800 surrogate',
];

function plain(it: Iterable<{ segment: string; index: number; input: string }>) {
  return [...it].map(({ segment, index, input }) => ({ segment, index, input }));
}

describe('the bundle\'s lazy Intl.Segmenter', () => {
  for (const granularity of ['grapheme', 'word', undefined] as const) {
    test(`splits like Intl.Segmenter (granularity ${granularity ?? 'default'})`, () => {
      const options = granularity ? { granularity } : undefined;
      const real = new Intl.Segmenter(undefined, options);
      const mine = lazy(undefined, options);
      for (const text of SAMPLES) {
        assert.deepEqual(plain(mine.segment(text)), plain(real.segment(text)), JSON.stringify(text));
        for (let i = -2; i <= text.length + 1; i++) {
          const a = mine.segment(text).containing(i) as { segment: string; index: number } | undefined;
          const b = real.segment(text).containing(i);
          assert.deepEqual(a && { segment: a.segment, index: a.index }, b && { segment: b.segment, index: b.index }, `${JSON.stringify(text)} containing(${i})`);
        }
      }
    });
  }

  test('containing() without an index and with odd ones behaves like Intl', () => {
    const real = new Intl.Segmenter().segment('abc');
    const mine = lazy().segment('abc');
    for (const i of [undefined, NaN, 1.7, '2' as unknown as number, Infinity, -0.5]) {
      const a = mine.containing(i) as { segment: string; index: number } | undefined;
      const b = real.containing(i);
      assert.deepEqual(a && { segment: a.segment, index: a.index }, b && { segment: b.segment, index: b.index }, String(i));
    }
  });

  test('reports the options of the segmenter it stands for', () => {
    assert.deepEqual(lazy('en', { granularity: 'word' }).resolvedOptions(), new Intl.Segmenter('en', { granularity: 'word' }).resolvedOptions());
  });
});
