// Step: merge runtimes.<name> into the daemon.json that dockerd really reads.

import { runscInstallPath } from '../wizard/options.js';
import type { Problem } from '../wizard/state.js';
import { Inspection, Step, StepContext, StepFailure, StepPlan } from '../steps/step.js';
import { ConfigFileError, mergeDockerRuntime, parseDaemonJson } from './daemon-json.js';
import { dockerConfigFileOf, dockerUnitExecStart, FlagConflict, findFlagConflicts } from './daemon-process.js';

export const configureDockerStep: Step = {
  id: 'configure-docker',
  title: 'Add the runsc runtime to docker',

  async inspect(ctx): Promise<Inspection> {
    const file = ctx.facts.docker.configFile;
    const before = await ctx.host.readText(file);
    let after: string;
    let changes: string[];
    try {
      const merged = mergeDockerRuntime(before ?? '', wantedRuntime(ctx), {
        file,
        treatEmptyAsObject: before === null || ctx.options.treatEmptyAsObject,
      });
      after = merged.text;
      // A missing file is created, not "treated as empty": say only what is true.
      changes = before === null ? merged.changes.filter((c) => !c.startsWith('treated the empty file')) : merged.changes;
      if (!merged.changed && before !== null) {
        const conflicts = await flagConflicts(ctx, after);
        if (conflicts.length) return { status: 'blocked', summary: 'daemon.json repeats a dockerd flag', problem: conflictProblem(ctx, conflicts) };
        return { status: 'done', summary: `${file} already has runtimes.${ctx.options.runtimeName} -> ${runscInstallPath(ctx.options)}` };
      }
    } catch (e) {
      if (e instanceof ConfigFileError) return { status: 'blocked', summary: `${file} cannot be used as it is`, problem: fileProblem(e) };
      throw e;
    }
    const conflicts = await flagConflicts(ctx, after);
    if (conflicts.length) return { status: 'blocked', summary: 'daemon.json repeats a dockerd flag', problem: conflictProblem(ctx, conflicts) };
    const plan: StepPlan = {
      files: [{ path: file, before, after, mode: 0o644 }],
      commands: [],
      notes: [
        ...(before === null ? [`${file} does not exist yet: it will be created`] : []),
        ...(before !== null && before.trim() === '' ? [`${file} is empty: treated as {} because you allowed it (the old file is backed up)`] : []),
        ...changes,
        ...readElsewhere(ctx, file),
      ],
    };
    return { status: 'needed', summary: `${file}: ${changes.join('; ')}`, plan };
  },

  async apply(ctx, plan) {
    const change = plan.files[0]!;
    // Someone may have edited the file since the plan was shown: never overwrite that.
    const now = await ctx.host.readText(change.path);
    if (now !== change.before) {
      throw new StepFailure({
        what: `${change.path} changed since the plan was made`,
        why: 'another program or person edited it while the wizard was waiting',
        next: 'Rerun this step: the wizard will plan again from the current file.',
      });
    }
    const w = await ctx.host.writeFileAtomic(change.path, change.after, { mode: change.mode });
    if (w.backupPath) ctx.results.set(`backup:${change.path}`, w.backupPath);
    return w.changed ? `${change.path} replaced atomically` : `${change.path} already as wanted`;
  },

  async verify(ctx) {
    const file = ctx.facts.docker.configFile;
    const text = await ctx.host.readText(file);
    const parsed = parseDaemonJson(text ?? '', file).value as { runtimes?: Record<string, { path?: string }> };
    const path = parsed.runtimes?.[ctx.options.runtimeName]?.path;
    if (path !== runscInstallPath(ctx.options)) {
      throw new StepFailure({ what: `${file} does not hold the runtime`, why: `runtimes.${ctx.options.runtimeName}.path is ${JSON.stringify(path)}`, next: 'Check the file by hand and rerun this step.' });
    }
    return `${file} has runtimes.${ctx.options.runtimeName}.path = ${path}`;
  },
};

/** A --docker-config that the running dockerd does not read would change nothing (case A9). */
function readElsewhere(ctx: StepContext, file: string): string[] {
  const argv = ctx.facts.docker.daemonArgv;
  if (!argv) return [];
  const reads = dockerConfigFileOf(argv);
  return reads === file ? [] : [`warning: the running dockerd (pid ${ctx.facts.docker.daemonPid}) reads ${reads}, not ${file}: the reload step will not see this change`];
}

function wantedRuntime(ctx: StepContext) {
  return {
    name: ctx.options.runtimeName,
    path: runscInstallPath(ctx.options),
    runtimeArgs: ctx.options.runtimeArgs,
    makeDefault: ctx.options.makeDefault,
  };
}

/** Flags of the running dockerd and of its unit that daemon.json must not repeat. */
export async function flagConflicts(ctx: StepContext, daemonJsonText: string): Promise<FlagConflict[]> {
  let keys: string[];
  try {
    keys = Object.keys(parseDaemonJson(daemonJsonText, ctx.facts.docker.configFile).value);
  } catch {
    return [];
  }
  const sources: { source: string; argv: string[] }[] = [];
  if (ctx.facts.docker.daemonArgv) sources.push({ source: `running dockerd (pid ${ctx.facts.docker.daemonPid})`, argv: ctx.facts.docker.daemonArgv });
  // The unit matters only where systemd will start dockerd with it.
  const unit = ctx.facts.init === 'systemd' ? await dockerUnitExecStart(ctx.host) : undefined;
  if (unit) sources.push({ source: unit.source, argv: unit.argv });
  return findFlagConflicts(keys, sources);
}

export function conflictProblem(ctx: StepContext, conflicts: FlagConflict[]): Problem {
  const file = ctx.facts.docker.configFile;
  const list = conflicts.map((c) => `"${c.key}" in ${file} and ${c.flag} in ${c.source}`).join('; ');
  const fromUnit = conflicts.some((c) => c.source.endsWith('.service') || c.source.endsWith('.conf'));
  return {
    what: 'dockerd would refuse to start',
    why: `a setting is given both in daemon.json and as a dockerd flag (${list}); dockerd stops with "the following directives are specified both as a flag and in the configuration file"`,
    next: fromUnit
      ? `Keep each setting in one place: remove the key from ${file}, or override ExecStart in a drop-in (systemctl edit docker) so the flag is gone; then rerun. The wizard does not edit the packaged unit.`
      : `Keep each setting in one place: remove the key from ${file}, or restart dockerd without that flag; then rerun.`,
  };
}

function fileProblem(e: ConfigFileError): Problem {
  const where = e.line !== undefined ? `${e.file}:${e.line}${e.column !== undefined ? `:${e.column}` : ''}` : e.file;
  return {
    what: `${e.file} is not valid for dockerd`,
    why: `${where}: ${e.detail}`,
    next: `${e.hint || 'Fix the file by hand (the wizard never rewrites an invalid file), then rerun this step.'}`,
  };
}
