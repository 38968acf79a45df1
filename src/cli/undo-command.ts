// `gvisor-wizard undo [--step ID]`: shows what would be put back, asks (or --yes), restores,
// reloads the engines it touched and reports each action.

import { INSTALL_RECORD, pendingChanges, undoChanges, type UndoOutcome } from '../undo/undo.js';
import { refreshEngines, type EngineAction } from '../undo/engines.js';
import { Session } from '../wizard/session.js';
import { UsageError, type ParsedCli } from './args.js';
import { askYesNo as ask, consolePrinter, EXIT, takeLock } from './headless.js';

const stdio = { out: (t: string) => process.stdout.write(`${t}\n`), err: (t: string) => process.stderr.write(`${t}\n`) };


export async function undoCommand(cli: ParsedCli, io = stdio): Promise<number> {
  const { stateDir } = cli.options;
  const { changes, damaged } = pendingChanges(stateDir, cli.undoStep);
  if (changes.length === 0) {
    const why = `no change by the wizard is recorded in ${stateDir}/journal.jsonl${damaged ? ` (${damaged} damaged line(s) skipped)` : ''}`;
    io.out(cli.json ? JSON.stringify({ ok: true, actions: [], engines: [], undoneSteps: [], nothingToUndo: why }, null, 2) : `nothing to undo${cli.undoStep ? ` for step ${cli.undoStep}` : ''}: ${why}`);
    return EXIT.ok;
  }
  const interactive = Boolean(process.stdin.isTTY);
  if (!cli.yes && !interactive) throw new UsageError('undo without a terminal needs --yes (it changes the machine)');
  io.out(`Undo will put back ${changes.length} change(s), newest first:`);
  for (const c of changes) io.out(`  ${c.created ? (c.action === 'mkdir' ? 'remove folder' : 'remove') : 'restore'} ${c.path}  (${c.step ?? 'unknown step'}, ${c.at})`);
  if (!cli.yes && !(await ask('Go ahead? [y/N] '))) { io.out('nothing changed'); return EXIT.failed; }

  const lock = takeLock(io, stateDir, 'undo');
  if (!lock) return EXIT.failed;
  const session = new Session(cli.options, { logName: 'undo', journal: false });
  const unsubscribe = session.log.subscribe(consolePrinter(io, cli));
  if (lock.tookOver) session.log.warn(lock.tookOver);
  try {
    await session.detect();
    const recorder = session.beginRun('undo', [], cli.explicit);
    const outcome = await undoChanges({
      host: session.host,
      log: session.log,
      stateDir,
      step: cli.undoStep,
      installRecord: INSTALL_RECORD(stateDir),
      decide: async (path, why) => cli.force || (interactive && !cli.yes ? await ask(`${path}: ${why}. Put back what was there before the wizard (restore or remove it)? [y/N] `) : false),
    });
    const engines = await refreshEngines(session.context(), outcome.actions.filter((a) => a.result === 'restored' || a.result === 'removed').map((a) => a.step));
    const ok = report(io, outcome, engines, cli.json);
    recorder.finish(ok);
    if (session.log.filePath) io.err(`log file: ${session.log.filePath}`);
    return ok ? EXIT.ok : EXIT.failed;
  } finally {
    unsubscribe();
    session.close();
    lock.release();
  }
}

function report(io: typeof stdio, outcome: UndoOutcome, engines: EngineAction[], json: boolean): boolean {
  const ok = outcome.actions.every((a) => a.result === 'restored' || a.result === 'removed') && engines.every((e) => e.ok);
  if (json) {
    io.out(JSON.stringify({ ok, actions: outcome.actions, engines, undoneSteps: outcome.undoneSteps, damagedJournalLines: outcome.damaged }, null, 2));
    return ok;
  }
  io.out('');
  io.out(`Undo: ${ok ? 'done' : 'not complete'}`);
  for (const a of outcome.actions) io.out(`  [${a.result}] ${a.path}: ${a.detail}`);
  for (const e of engines) io.out(`  [${e.ok ? 'ok' : '!!'}] ${e.engine}: ${e.detail}`);
  if (!ok) io.out('  Files left as they are are listed above with why; rerun `gvisor-wizard undo` (with --force to overwrite files changed since) when ready.');
  // Files the kernel or the kubelet read only when told to: say what to run.
  const steps = new Set(outcome.undoneSteps);
  if (steps.has('kube-prepare-host')) io.out('  note: the kernel still has the old sysctl values and swap stays off: run `sysctl --system`, and `swapon -a` if you want swap back.');
  if (steps.has('kube-kubelet-flags') || steps.has('kube-join')) io.out('  note: the kubelet reads its flags at start: `systemctl restart kubelet`; to leave the cluster use `kubeadm reset -f` (and `kubectl delete node` on the control plane).');
  return ok;
}
