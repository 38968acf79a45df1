#!/usr/bin/env node
// Builds dist/gvisor-wizard.mjs: the whole wizard in one file that runs with `node` alone
// (no node_modules), to copy onto a worker. React's production build; Ink's optional
// devtools hook left out.
import { build } from 'esbuild';
import { chmodSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = `${root}dist/gvisor-wizard.mjs`;
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));
await build({
  entryPoints: [`${root}dist/src/cli/bundle-entry.js`],
  outfile: out,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  minify: true,
  legalComments: 'none',
  define: { 'process.env.NODE_ENV': '"production"', 'process.env.GVW_BUNDLED_VERSION': JSON.stringify(pkg.version) },
  // Ink loads react-devtools-core only when DEV=true: it is replaced by an empty module.
  plugins: [{
    name: 'no-devtools',
    setup(b) {
      b.onResolve({ filter: /^react-devtools-core$/ }, () => ({ path: 'react-devtools-core', namespace: 'stub' }));
      b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({ contents: 'export default { initialize() {}, connectToDevTools() {} };', loader: 'js' }));
    },
  }],
  banner: { js: "#!/usr/bin/env node\nimport { createRequire as __gvwCreateRequire } from 'node:module'; const require = __gvwCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
chmodSync(out, 0o755);
console.log(`wrote ${out}`);
