// `gvisor-wizard steps`: every step of the path with its state on this machine now and its
// last result, read-only (a dry-run session like `plan`).

import { readState } from '../state/state-file.js';
import { describeLast, stepStatuses } from '../steps/status.js';
import { Session, stepsFor } from '../wizard/session.js';
import type { ParsedCli } from './args.js';
import { EXIT } from './headless.js';

const NOW_WORDS = { done: 'done', needed: 'needed', 'not-applicable': 'not applicable', blocked: 'blocked', check: 'runs each time' } as const;

export async function stepsCommand(cli: ParsedCli, io = { out: (t: string) => process.stdout.write(`${t}\n`) }): Promise<number> {
  const session = new Session({ ...cli.options, logDir: '' }, { dryRun: true });
  try {
    const state = readState(cli.options.stateDir);
    await session.detect();
    const rows = await stepStatuses(stepsFor(cli.options.engine, cli.options), session.context(), state);
    if (cli.json) {
      io.out(JSON.stringify({ engine: cli.options.engine, steps: rows }, null, 2));
      return EXIT.ok;
    }
    const idW = Math.max(...rows.map((r) => r.id.length), 4);
    io.out(`Steps of the ${cli.options.engine}${cli.options.kubernetes ? ' + Kubernetes' : ''} path on this machine (rerun one: gvisor-wizard run <step> --yes)`);
    io.out(`${'STEP'.padEnd(idW)}  ${'NOW'.padEnd(14)}  LAST RESULT`);
    for (const r of rows) {
      io.out(`${r.id.padEnd(idW)}  ${NOW_WORDS[r.now].padEnd(14)}  ${describeLast(r.last)}`);
      io.out(`${''.padEnd(idW)}  ${r.summary}`);
      if (r.last?.status === 'failed' && r.last.problem) io.out(`${''.padEnd(idW)}  last error: ${r.last.problem.what}: ${r.last.problem.why}`);
      if (r.problem) io.out(`${''.padEnd(idW)}  blocked: ${r.problem.what}: ${r.problem.why}\n${''.padEnd(idW)}  next: ${r.problem.next}`);
    }
    return EXIT.ok;
  } finally {
    session.close();
  }
}
