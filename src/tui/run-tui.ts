// Mount the Ink app on a controller and wait for the operator to quit.

import React from 'react';
import { render } from 'ink';
import { App } from '../../screens/App.js';
import type { ParsedCli } from '../cli/args.js';
import type { WizardState, WizardStore } from '../wizard/state.js';

/** How the app is mounted (also by scripts/bench.mjs, which measures the log pane). */
export const INK_OPTIONS = { exitOnCtrlC: false, maxFps: 20 } as const;

/**
 * The first frame does not wait for the wizard's engine (the controller, the session and every
 * step, check and parser behind them): the app is mounted on this stand-in, which shows the
 * detecting phase the controller starts in, and is handed the controller once that is loaded.
 * A `q` pressed meanwhile is kept.
 */
class LoadingStore implements WizardStore {
  quitRequested = false;
  private readonly state: WizardState = { phase: 'detecting', runtimeChoices: [], steps: [], logTail: [] };
  getState = (): WizardState => this.state;
  subscribe = (): (() => void) => () => {};
  proceed = (): void => {};
  chooseRuntime = (): void => {};
  answer = (): void => {};
  confirm = (): void => {};
  resume = (): void => {};
  toggleDryRun = (): void => {};
  openMenu = (): void => {};
  rerunStep = (): void => {};
  openUndo = (): void => {};
  undoAnswer = (): void => {};
  back = (): void => {};
  scrollLog = (): void => {};
  toggleLogFilter = (): void => {};
  quit = (): void => { this.quitRequested = true; };
}

/** `argv`: the command line as given (resume rebuilds the recorded run's options from it). */
export async function runTui(cli: ParsedCli, argv: string[] = process.argv.slice(2)): Promise<number> {
  if (cli.noColor) process.env.NO_COLOR = '1';
  const loading = new LoadingStore();
  const app = render(React.createElement(App, { store: loading }), INK_OPTIONS);
  let engine;
  try {
    const [{ Session }, { WizardController }] = await Promise.all([import('../wizard/session.js'), import('./controller.js')]);
    const session = new Session(cli.options, { logName: 'tui' });
    // Practice: the same steps, with the check's verdict marked as simulated evidence.
    const stepsOf = cli.practice ? (await import('../practice/practice.js')).practiceStepsOf : undefined;
    engine = { session, controller: new WizardController(session, cli, argv, stepsOf) };
  } catch (e) {
    app.unmount();
    await app.waitUntilExit().catch(() => {});
    throw e;
  }
  const { session, controller } = engine;
  app.rerender(React.createElement(App, { store: controller }));
  // A closed terminal (SIGHUP) or a service manager's TERM is a quit like q: the running
  // command stops and the check still removes its workload before the process ends.
  let signalled: NodeJS.Signals | undefined;
  const onSignal = (sig: NodeJS.Signals) => { signalled ??= sig; controller.quit(); };
  const signals = ['SIGHUP', 'SIGTERM'] as const;
  for (const sig of signals) process.on(sig, onSignal);
  // With the terminal gone, reading keys fails too (EIO; lost output is handled in main.ts):
  // that must not end the process before the cleanup.
  const ignore = () => {};
  process.stdin.on('error', ignore);
  if (loading.quitRequested) {
    controller.quit();
  } else {
    controller.start().catch((e: Error) => {
      session.log.error(`detection failed: ${e.message}`);
    });
  }
  const finished = await controller.finished;
  for (const sig of signals) process.off(sig, onSignal);
  const code = signalled ? 128 + (signalled === 'SIGHUP' ? 1 : 15) : finished;
  app.unmount();
  await app.waitUntilExit().catch(() => {});
  controller.dispose();
  session.close();
  if (session.log.filePath && !signalled) process.stderr.write(`\nlog file: ${session.log.filePath}\n`);
  process.stdin.off('error', ignore);
  return code;
}
