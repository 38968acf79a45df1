// Entry point. Parses flags, then hands over to the headless runner or (loaded lazily,
// so --help and --version never pay for Ink/React) the TUI.

import { readFileSync } from 'node:fs';
import { parseCli, UsageError } from './args.js';
import { COMMAND_HELP, MAIN_HELP } from './help.js';

function version(): string {
  // The single-file bundle carries its version (no package.json next to it).
  if (process.env.GVW_BUNDLED_VERSION) return process.env.GVW_BUNDLED_VERSION;
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/**
 * Ink draws nothing until exit when it believes it runs in CI (it reads CI and
 * CONTINUOUS_INTEGRATION once, when loaded). The TUI only starts on a real terminal, so it
 * must draw live there even inside a CI job: hide those variables while Ink loads.
 */
async function importTuiLive(): Promise<typeof import('../tui/run-tui.js')> {
  const saved = { CI: process.env.CI, CONTINUOUS_INTEGRATION: process.env.CONTINUOUS_INTEGRATION };
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
  try {
    return await import('../tui/run-tui.js');
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v !== undefined) process.env[k] = v;
  }
}

export async function main(argv: string[]): Promise<number> {
  let cli;
  try {
    cli = parseCli(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`gvisor-wizard: ${e.message}\nTry gvisor-wizard --help.\n`);
      return 2;
    }
    throw e;
  }
  if (cli.version) { process.stdout.write(`gvisor-wizard ${version()}\n`); return 0; }
  if (cli.help) {
    // The command parseCli found, not the first word: a flag's value (`--runtime docker plan --help`) is no topic.
    const topic = cli.command !== 'tui' || argv.includes('tui') ? cli.command : undefined;
    process.stdout.write(topic && COMMAND_HELP[topic] ? COMMAND_HELP[topic] : MAIN_HELP);
    return 0;
  }
  // Checked before anything opens the log file under /var/log: say why, not EACCES.
  if ((cli.command === 'apply' || cli.command === 'check' || cli.command === 'tui') && cli.options.root === '/' && process.getuid?.() !== 0) {
    process.stderr.write(`gvisor-wizard: error: ${cli.command} must run as root\n  why: ${cli.command === 'check' ? 'the check talks to the container engine\'s root-only socket and reads every process on the host' : 'installing runsc, editing the engine\'s config and reloading it need root'}\n  next: run it again as root (sudo ${['gvisor-wizard', ...argv].join(' ')}); \`gvisor-wizard plan\` shows what would change without root.\n`);
    return 1;
  }
  try {
    if (cli.command === 'tui') {
      if (!process.stdin.isTTY || !process.stdout.isTTY) {
        process.stderr.write(`gvisor-wizard: the interactive wizard needs a terminal; use \`gvisor-wizard apply --runtime ${cli.options.engine} --yes\` for a headless run.\n`);
        return 2;
      }
      const { runTui } = await importTuiLive();
      return await runTui(cli);
    }
    const { runHeadless } = await import('./headless.js');
    return await runHeadless(cli);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`gvisor-wizard: ${e.message}\n`);
      return 2;
    }
    process.stderr.write(`gvisor-wizard: unexpected error: ${(e as Error).stack ?? e}\n`);
    return 1;
  }
}
