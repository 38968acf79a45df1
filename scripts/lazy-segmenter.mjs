// Stands in for `new Intl.Segmenter(...)` in the single-file bundle's dependencies
// (string-width, slice-ansi, ansi-tokenize; injected by scripts/bundle.mjs).
//
// Why: the first Intl.Segmenter of a process costs ~8 ms (ICU loads its break rules), and
// these modules each make one when loaded and segment every line Ink draws, so the TUI paid it
// before its first frame. ASCII text needs no ICU to be split into graphemes: by UAX #29 every
// ASCII character is a grapheme of its own except CR LF, which is one. So ASCII without CR LF
// is split here, and anything else goes to a real Intl.Segmenter, made on first use.
// test/unit/lazy-segmenter.test.ts compares both on many inputs.
// Self-contained: its source text is copied into each module that needs it.
export function __gvwLazySegmenter(locales, options) {
  let made;
  const real = () => (made ??= new Intl.Segmenter(locales, options));
  const graphemes = (options?.granularity ?? 'grapheme') === 'grapheme';
  return {
    segment(input) {
      const text = String(input);
      if (!graphemes || !/^[\x00-\x7f]*$/.test(text) || text.includes('\r\n')) return real().segment(text);
      const at = (index) => ({ segment: text[index], index, input: text });
      return {
        containing(index) {
          const i = Math.trunc(Number(index)) || 0;
          return i < 0 || i >= text.length ? undefined : at(i);
        },
        *[Symbol.iterator]() {
          for (let i = 0; i < text.length; i++) yield at(i);
        },
      };
    },
    resolvedOptions: () => real().resolvedOptions(),
  };
}
