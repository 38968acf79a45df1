#!/usr/bin/env node
// Thin launcher: the compiled program lives in dist/ (npm run build).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('gvisor-wizard: not built yet. Run `npm ci && npm run build` in the project folder first.\n');
  process.exit(2);
}
if (!process.env.NODE_ENV) process.env.NODE_ENV = 'production'; // React's production build
const { main } = await import(entry.href);
process.exit(await main(process.argv.slice(2)));
