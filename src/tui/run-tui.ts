// Mount the Ink app on a controller and wait for the operator to quit.

import React from 'react';
import { render } from 'ink';
import { App } from '../../screens/App.js';
import type { ParsedCli } from '../cli/args.js';
import { Session } from '../wizard/session.js';
import { WizardController } from './controller.js';

export async function runTui(cli: ParsedCli): Promise<number> {
  if (cli.noColor) process.env.NO_COLOR = '1';
  const session = new Session(cli.options, { logName: 'tui' });
  const controller = new WizardController(session, cli);
  const app = render(React.createElement(App, { store: controller }), { exitOnCtrlC: false, maxFps: 20 });
  controller.start().catch((e: Error) => {
    session.log.error(`detection failed: ${e.message}`);
  });
  const code = await controller.finished;
  app.unmount();
  await app.waitUntilExit().catch(() => {});
  controller.dispose();
  session.close();
  if (session.log.filePath) process.stderr.write(`\nlog file: ${session.log.filePath}\n`);
  return code;
}
