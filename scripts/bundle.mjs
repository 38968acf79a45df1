#!/usr/bin/env node
// Builds dist/gvisor-wizard.mjs: the whole wizard in one file that runs with `node` alone
// (no node_modules), to copy onto a worker. React's production build; Ink's optional
// devtools left out.
//
// The file has two parts (issue 6: `--version`/`--help` within 1.3× of a bare `node -e 0`):
//  1. a small entry (args.ts, help.ts, quick.ts) that answers usage errors, --version and
//     --help itself;
//  2. the program (~850 KB) as one string literal, compiled only when the command needs it,
//     as the body of an async function (so its top-level await works).
// Why a string: V8 must at least pre-parse every function of a script before running any of
// it; for this bundle that alone cost ~0.5× a bare `node -e 0`, while scanning a string
// literal of the same size costs ~0.05× (measured with scripts/bench.mjs). Importing the
// program from a data: URL instead cost more than it saved (Node parses the URL repeatedly).
// The string is the program brotli-compressed, in base64 (~290 KB instead of ~1 MB): scanning
// the shorter literal saves more on every start than decompressing costs (~3 ms) when the
// program is needed. The file is pure ASCII: one non-ASCII character anywhere makes V8 hold
// the whole source as two-byte text (measured: ~3 ms more for --version).
// The program gets Node's modules from the entry's require() (it has no import statement),
// sees the file's own URL as import.meta.url, and stack traces name `<file>#program`.
import { build } from 'esbuild';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { brotliCompressSync, constants as zlibConstants } from 'node:zlib';
import { isBuiltin } from 'node:module';
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
  const entry = await build({
    ...common,
    stdin: {
      contents: `import { parseOrAnswer } from './dist/src/cli/quick.js';
const answered = parseOrAnswer(process.argv.slice(2));
if ('code' in answered) process.exit(answered.code);`,
      resolveDir: root,
      sourcefile: 'entry.js',
    },
    define: { ...common.define, 'process.env.GVW_BUNDLED_VERSION': version },
  });
  const packed = brotliCompressSync(Buffer.from(program.outputFiles[0].text, 'utf8'), {
    params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11, [zlibConstants.BROTLI_PARAM_SIZE_HINT]: program.outputFiles[0].text.length },
  }).toString('base64');
  const file = [
    '#!/usr/bin/env node',
    `// gvisor-wizard ${pkg.version} in one file (scripts/bundle.mjs): a small entry for --help/--version, then the program, compressed, as a string.`,
    entry.outputFiles[0].text.trimEnd(),
    `const packed = ${JSON.stringify(packed)};`,
    // Imported here, not at the top: --version and --help do not need them.
    "const require = (await import('node:module')).createRequire(import.meta.url);",
    "const program = require('node:zlib').brotliDecompressSync(Buffer.from(packed, 'base64')).toString('utf8');",
    // `require` too: esbuild's shim for a dependency's require(variable) looks for it.
    "await new (async () => {}).constructor('__gvwRequire', 'require', '__gvwFileUrl', `\"use strict\";${program}\\n//# sourceURL=${import.meta.url}#program`)(require, require, import.meta.url);",
    '',
  ].join('\n');
  const nonAscii = /[^\x00-\x7f]/.exec(file);
  if (nonAscii) throw new Error(`bundle: the entry has a non-ASCII character (${JSON.stringify(nonAscii[0])} at ${nonAscii.index}): V8 would hold the whole file as two-byte text`);
  writeFileSync(out, file);
  chmodSync(out, 0o755);
  return { out, bytes: file.length };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { out, bytes } = await bundle();
  console.log(`wrote ${out} (${(bytes / 1024).toFixed(0)} KB)`);
}
