// What the wizard answers without loading the program: usage errors, --version and --help.
// Apart from main.ts so the single-file bundle's small entry (scripts/bundle.mjs) can give
// these answers before it evaluates the rest; only args.ts and help.ts are needed here.

import { readFileSync } from 'node:fs';
import { parseCli, UsageError, type ParsedCli } from './args.js';
import { COMMAND_HELP, MAIN_HELP } from './help.js';

export function version(): string {
  // The single-file bundle carries its version (no package.json next to it).
  if (process.env.GVW_BUNDLED_VERSION) return process.env.GVW_BUNDLED_VERSION;
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/**
 * Parses the command line; a usage error, --version or --help is answered here (written to
 * stdout/stderr) and comes back as the exit code. Anything else needs the program: `{ cli }`.
 */
export function parseOrAnswer(argv: string[]): { cli: ParsedCli } | { code: number } {
  let cli: ParsedCli;
  try {
    cli = parseCli(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`gvisor-wizard: ${e.message}\nTry gvisor-wizard --help.\n`);
      return { code: 2 };
    }
    throw e;
  }
  if (cli.version) { process.stdout.write(`gvisor-wizard ${version()}\n`); return { code: 0 }; }
  if (cli.help) {
    // The command parseCli found, not the first word: a flag's value (`--runtime docker plan --help`) is no topic.
    const topic = cli.command !== 'tui' || argv.includes('tui') ? cli.command : undefined;
    process.stdout.write(topic && COMMAND_HELP[topic] ? COMMAND_HELP[topic] : MAIN_HELP);
    return { code: 0 };
  }
  return { cli };
}
