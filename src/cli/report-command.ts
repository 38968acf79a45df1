// `gvisor-wizard report [--format md|json] [-o FILE]`: the node report (src/report) from the
// state file and a read-only detection; changes nothing but the output file.

import { writeFileSync } from 'node:fs';
import { buildReport, reportMarkdown } from '../report/report.js';
import { readState } from '../state/state-file.js';
import { Session } from '../wizard/session.js';
import type { ParsedCli } from './args.js';
import { EXIT } from './headless.js';

export async function reportCommand(cli: ParsedCli, io = { out: (t: string) => process.stdout.write(`${t}\n`), err: (t: string) => process.stderr.write(`${t}\n`) }): Promise<number> {
  const session = new Session({ ...cli.options, logDir: '' }, { dryRun: true });
  try {
    const state = readState(cli.options.stateDir);
    const facts = await session.detect();
    const report = buildReport(state, facts, (s) => session.log.masker.mask(s));
    const text = cli.format === 'json' || cli.json ? `${JSON.stringify(report, null, 2)}\n` : reportMarkdown(report);
    if (cli.output) {
      try {
        writeFileSync(cli.output, text, { mode: 0o644 });
      } catch (e) {
        io.err(`gvisor-wizard: cannot write the report to ${cli.output}: ${(e as Error).message}\n  next: pick a file in a folder that exists and is writable (-o FILE), or leave -o out to print it`);
        return EXIT.failed;
      }
      io.err(`report written to ${cli.output} (verdict: ${report.verdict}${report.practice ? ', practice run' : ''})`);
    } else {
      io.out(text.trimEnd());
    }
    return EXIT.ok;
  } finally {
    session.close();
  }
}
