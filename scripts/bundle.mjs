#!/usr/bin/env node
// Builds dist/gvisor-wizard.mjs: the whole wizard in one file that runs with `node` alone
// (no node_modules), to copy onto a worker. React's production build; Ink's optional
// devtools left out.
//
// The file has two parts (issue 6: `--version`/`--help` within 1.3× of a bare `node -e 0`,
// the TUI's first frame within 2×):
//  1. a small entry (args.ts, help.ts, quick.ts, compile-cache.ts) that answers usage errors,
//     --version and --help itself, and otherwise compiles and runs the program;
//  2. the program (~1 MB), brotli-compressed, in base64, in a comment at the end of the file.
//     It is compiled only when the command needs it, as the body of an async function (so its
//     top-level await works), from V8's code cache when an earlier run left one
//     (src/cli/compile-cache.ts); without a cache the entry reads its own file to unpack it.
// Measured with scripts/bench.mjs and side by side on one machine: V8 must at least pre-parse
// every function of a script before running any of it (for the program ~0.5× a bare node);
// a string literal of the same size costs ~0.05× to scan and a comment less still (V8 makes
// no string of it: ~5 ms less for the ~380 KB here). Importing the program from a data: URL
// cost more than it saved (Node parses the URL repeatedly). The file is pure ASCII: one other
// character anywhere makes V8 hold the whole source as two-byte text (~3 ms more).
// The program gets Node's modules from the entry's require() (it has no import statement),
// sees the file's own URL as import.meta.url, and stack traces name `<file>#program`.
import { build } from 'esbuild';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { PACKED_MARK } from '../dist/src/cli/compile-cache.js';
import { __gvwLazySegmenter } from './lazy-segmenter.mjs';
import { brotliCompressSync, constants as zlibConstants } from 'node:zlib';
import { isBuiltin } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));

/** esbuild options shared by the program, the entry and scripts/bench.mjs's Ink hello world. */
export const common = {
  bundle: true,
  write: false,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
  define: { 'process.env.NODE_ENV': '"production"' },
  // Node 20 has regular expressions with the `v` flag (string-width uses them). Without this
  // esbuild rewrites them to `new RegExp(..., 'v')`, which V8 compiles at once when the module
  // loads: ~35 ms for /^\p{RGI_Emoji}$/v before the first frame, instead of on first use.
  supported: { 'regexp-set-notation': true },
};

/** A module replaced by `contents`. */
const stub = (contents) => ({ path: 'stub', namespace: 'gvw-stub', pluginData: contents });

/** A dependency's file with `from` replaced by `to`; the build fails unless `from` is there exactly once. */
function patch(file, from, to, text = readFileSync(file, 'utf8')) {
  const at = text.indexOf(from);
  if (at < 0 || text.indexOf(from, at + 1) >= 0) throw new Error(`bundle: cannot patch ${file}: the expected text is not there exactly once (dependency updated?): ${from}`);
  return text.slice(0, at) + to + text.slice(at + from.length);
}

/** What every bundle of Ink leaves out or loads differently. */
export const slimInk = {
  name: 'gvw-slim-ink',
  setup(b) {
    // Ink loads its devtools (react-devtools-core, ws) only when DEV=true: left out.
    b.onResolve({ filter: /^react-devtools-core$/ }, () => stub('export default { initialize() {}, connectToDevTools() {} };'));
    b.onResolve({ filter: /^\.\/devtools\.js$/ }, (a) => (/[/\\]ink[/\\]build[/\\]/.test(a.importer) ? stub('export {};') : undefined));
    b.onLoad({ filter: /.*/, namespace: 'gvw-stub' }, (a) => ({ contents: a.pluginData, loader: 'js' }));
    // Grapheme segmenters that need no ICU for ASCII and are made on first use
    // (scripts/lazy-segmenter.mjs says why).
    b.onLoad({ filter: /[/\\]node_modules[/\\].*\.js$/ }, (a) => {
      const text = readFileSync(a.path, 'utf8');
      if (!text.includes('new Intl.Segmenter(')) return undefined;
      return { contents: `${__gvwLazySegmenter.toString()}\n${text.replaceAll('new Intl.Segmenter(', '__gvwLazySegmenter(')}`, loader: 'js', resolveDir: dirname(a.path) };
    });
    // yoga-layout's emscripten loader reads its embedded wasm (a data: URI) with fetch(), which
    // makes Node load undici (~25 ms before the first frame); decode it with atob() instead,
    // the loader's own fallback.
    b.onLoad({ filter: /yoga-layout[/\\]dist[/\\]binaries[/\\]yoga-wasm-base64-esm\.js$/ }, (a) => ({
      contents: patch(a.path, 'function ya(){return w||"function"!=typeof fetch?', 'function ya(){return w||!0?'),
      loader: 'js',
    }));
  },
};

/** Node's own modules come from the entry's require(): the program has no import statement. */
const builtinsFromEntry = {
  name: 'gvw-builtins-from-entry',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (a) => (isBuiltin(a.path) ? { path: a.path, namespace: 'gvw-builtin' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'gvw-builtin' }, (a) => ({ contents: `module.exports = __gvwRequire(${JSON.stringify(a.path)});`, loader: 'js' }));
  },
};

/** One non-ASCII character makes V8 hold a whole source as two-byte text (~3 ms more per start). */
function assertAscii(text, what) {
  const bad = /[^\x00-\x7f]/.exec(text);
  if (!bad) return;
  const escape = `\\u${bad[0].charCodeAt(0).toString(16).padStart(4, '0')}`;
  throw new Error(`bundle: ${what} has a non-ASCII character ${JSON.stringify(bad[0])} near ${JSON.stringify(text.slice(Math.max(0, bad.index - 60), bad.index + 20))}; write it as an escape (${escape}) in the source`);
}

export async function bundle(out = `${root}dist/gvisor-wizard.mjs`) {
  const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));
  const version = JSON.stringify(pkg.version);
  const program = await build({
    ...common,
    entryPoints: [`${root}dist/src/cli/bundle-entry.js`],
    define: {
      ...common.define,
      'process.env.GVW_BUNDLED_VERSION': version,
      // Everything that asks where the program lives gets the file.
      'import.meta.url': '__gvwFileUrl',
    },
    plugins: [slimInk, builtinsFromEntry],
  });
  const text = program.outputFiles[0].text;
  // The program must be ASCII too (it is packed, so the file's check below cannot see it): the
  // compile cache reads it back as latin1 (src/cli/compile-cache.ts).
  assertAscii(text, 'the program');
  const packed = brotliCompressSync(Buffer.from(text, 'latin1'), {
    params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11, [zlibConstants.BROTLI_PARAM_SIZE_HINT]: text.length },
  }).toString('base64');
  const entry = await build({
    ...common,
    stdin: {
      contents: `import { parseOrAnswer } from './dist/src/cli/quick.js';
import { runBundledProgram } from './dist/src/cli/compile-cache.js';
const answered = parseOrAnswer(process.argv.slice(2));
if ('code' in answered) process.exit(answered.code);
await runBundledProgram(answered.cli, { build: __GVW_BUILD, length: __GVW_LENGTH, fileUrl: import.meta.url });`,
      resolveDir: root,
      sourcefile: 'entry.js',
    },
    define: {
      ...common.define,
      'process.env.GVW_BUNDLED_VERSION': version,
      __GVW_BUILD: JSON.stringify(createHash('sha256').update(text).digest('hex').slice(0, 16)),
      __GVW_LENGTH: String(text.length),
    },
  });
  const file = [
    '#!/usr/bin/env node',
    `// gvisor-wizard ${pkg.version} in one file (scripts/bundle.mjs): a small entry for --help/--version, then the program, compressed, in a comment.`,
    entry.outputFiles[0].text.trimEnd(),
    // base64 has no `*/`, so the comment cannot end early. In short lines, so that Node's
    // message for a file cut short shows the mark's line, not 380 KB.
    PACKED_MARK,
    ...(packed.match(/.{1,100}/g) ?? []),
    '*/',
    '',
  ].join('\n');
  assertAscii(file, 'the entry');
  writeFileSync(out, file);
  chmodSync(out, 0o755);
  return { out, bytes: file.length };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { out, bytes } = await bundle();
  console.log(`wrote ${out} (${(bytes / 1024).toFixed(0)} KB)`);
}
