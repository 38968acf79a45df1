// Entry point. Parses flags, then hands over to the headless runner or (loaded lazily,
// so --help and --version never pay for Ink/React) the TUI.

import { parseCli, UsageError, type ParsedCli } from './args.js';
import type { FlagValues } from '../answers/answers-file.js';
import { parseOrAnswer } from './quick.js';

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

/** Commands that act on what an earlier run set up: they start from its recorded answers. */
const USES_RECORDED_ANSWERS = new Set(['run', 'resume', 'steps', 'undo', 'doctor', 'report']);

/**
 * Answers come in layers, lowest first: the defaults, the answers recorded by the last run
 * (for commands that continue it), an answers file, then the command line.
 */
async function withAnswerLayers(argv: string[], cli: ParsedCli): Promise<ParsedCli> {
  if (!cli.answersFile && !USES_RECORDED_ANSWERS.has(cli.command)) return cli;
  const [{ answersToFlags, readAnswersFile }, { readState, STATE_FILE }] = await Promise.all([import('../answers/answers-file.js'), import('../state/state-file.js')]);
  const layers: { source: string; flags: FlagValues }[] = [];
  if (USES_RECORDED_ANSWERS.has(cli.command)) {
    const source = `${cli.options.stateDir}/${STATE_FILE}`;
    try {
      layers.push({ source, flags: answersToFlags(readState(cli.options.stateDir).answers, source) });
    } catch (e) {
      // The doctor and undo must work on a machine whose state file is damaged.
      if (!TOLERATE_DAMAGED_STATE.has(cli.command)) throw e;
      process.stderr.write(`gvisor-wizard: warning: ${(e as Error).message}; going on without the recorded answers\n`);
    }
  }
  if (cli.answersFile) layers.push({ source: cli.answersFile, flags: readAnswersFile(cli.answersFile) });
  // A release source on the command line replaces the file's (--from-dir on an air-gapped worker).
  const given = cli.explicit;
  if (given.has('from-dir') || given.has('mirror')) for (const l of layers) { delete l.flags['from-dir']; delete l.flags.mirror; }
  try {
    return parseCli(argv, layers.map((l) => l.flags));
  } catch (e) {
    // A bad value that came from a file is named with the file and key, not as a flag.
    const flag = e instanceof UsageError ? /^--([a-z-]+)/.exec(e.message)?.[1] : undefined;
    const from = flag && !given.has(flag) ? [...layers].reverse().find((l) => flag in l.flags) : undefined;
    if (from) throw new UsageError(`${from.source}: key "${flag}": ${(e as Error).message}`);
    throw e;
  }
}

/** Commands that still work when state.json is damaged (they read the journal or the machine). */
const TOLERATE_DAMAGED_STATE = new Set(['doctor', 'undo']);

/**
 * `gvisor-wizard undo | head` closes the pipe early (EPIPE), a dropped ssh link closes the
 * terminal (EIO): the work (an undo half done, a check's cleanup) must go on; only output is
 * lost, and the log file still has all of it.
 */
function ignoreLostOutput(): void {
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
}

export async function main(argv: string[]): Promise<number> {
  ignoreLostOutput();
  const parsed = parseOrAnswer(argv);
  if ('code' in parsed) return parsed.code;
  let { cli } = parsed;
  try {
    cli = await withAnswerLayers(argv, cli);
  } catch (e) {
    const err = e as Error;
    if (e instanceof UsageError || err.name === 'AnswersError' || err.name === 'StateFileError') {
      process.stderr.write(`gvisor-wizard: ${err.message}\n`);
      return 2;
    }
    throw e;
  }
  // Practice: stand-in engines below DIR, started here and always stopped below.
  let practice: import('../practice/practice.js').PracticeSession | undefined;
  if (cli.practice || (cli.options.root !== '/' && PRACTICE_COMMANDS.has(cli.command) && (await import('../practice/paths.js')).isPracticeRoot(cli.options.root))) {
    const p = await import('../practice/practice.js');
    cli.practice = true;
    try {
      practice = await p.startPractice(cli.command, cli.options, cli.explicit);
      // Headless commands and the TUI show the banner themselves; the others say it here.
      if (OWN_BANNER.has(cli.command)) process.stderr.write(`${p.practiceBanner(cli.options)}\n`);
    } catch (e) {
      if (!(e instanceof p.PracticeError)) throw e;
      process.stderr.write(`gvisor-wizard: error: ${e.what}\n  why: ${e.why}\n  next: ${e.next}\n`);
      return 1;
    }
  }
  try {
    return await runCommand(argv, cli);
  } finally {
    await practice?.stop();
  }
}

/** Commands that do not go through runHeadless or the TUI. */
const OWN_BANNER = new Set(['undo', 'report', 'steps']);

/** Commands that run against the engines: on a DIR prepared for practice they are practice runs too. */
const PRACTICE_COMMANDS = new Set(['tui', 'apply', 'plan', 'check', 'detect', 'run', 'resume', 'undo', 'doctor', 'report', 'steps']);

async function runCommand(argv: string[], cli: ParsedCli): Promise<number> {
  // Checked before anything opens the log file under /var/log: say why, not EACCES.
  if (['apply', 'check', 'tui', 'run', 'resume', 'undo'].includes(cli.command) && cli.options.root === '/' && process.getuid?.() !== 0) {
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
      return await runTui(cli, argv);
    }
    switch (cli.command) {
      case 'steps': return await (await import('./steps-command.js')).stepsCommand(cli);
      case 'undo': return await (await import('./undo-command.js')).undoCommand(cli);
      case 'logs': return (await import('./logs-command.js')).logsCommand(cli);
      case 'report': return await (await import('./report-command.js')).reportCommand(cli);
      default: {
        const { runHeadless } = await import('./headless.js');
        return await runHeadless(cli);
      }
    }
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`gvisor-wizard: ${e.message}\n`);
      return 2;
    }
    process.stderr.write(`gvisor-wizard: unexpected error: ${(e as Error).stack ?? e}\n`);
    return 1;
  }
}
