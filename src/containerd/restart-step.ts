// Step: containerd reads its config only at start, so a changed config needs a restart.
// "Needed" is judged honestly: a config file newer than the running process.

import { commandFailed, Inspection, Step, StepContext, StepFailure } from '../steps/step.js';
import { configDump, ctr, runtimeEntry } from './ctr.js';
import { containerdSocketOf, findContainerd, processStartTime } from './daemon.js';

/** Running containerds and the sockets they serve (to point at the right one). */
async function otherContainerds(ctx: StepContext): Promise<string[]> {
  const out: string[] = [];
  for (const p of await ctx.host.listProcesses()) {
    if (!/(^|\/)containerd$/.test(p.argv[0] ?? '')) continue;
    out.push(`pid ${p.pid} on ${await containerdSocketOf(ctx.host, p.argv)}`);
  }
  return out;
}

/**
 * Files whose change containerd only sees after a restart: the config. runsc.toml and the
 * runc-shim wrapper are read again by every new shim/container, so they need none.
 */
function watchedFiles(ctx: StepContext): string[] {
  return [ctx.facts.containerd.configFile];
}

async function newestChange(ctx: StepContext): Promise<{ path: string; mtime: number } | undefined> {
  let newest: { path: string; mtime: number } | undefined;
  for (const path of watchedFiles(ctx)) {
    const s = await ctx.host.stat(path);
    if (s && (!newest || s.mtimeMs / 1000 > newest.mtime)) newest = { path, mtime: s.mtimeMs / 1000 };
  }
  return newest;
}

export const restartContainerdStep: Step = {
  id: 'restart-containerd',
  title: 'Restart containerd so it reads the new config',

  async inspect(ctx): Promise<Inspection> {
    const daemon = await findContainerd(ctx.host, ctx.facts.containerd.socket);
    const systemd = ctx.facts.init === 'systemd';
    if (!daemon) {
      const others = await otherContainerds(ctx);
      if (others.length) {
        return { status: 'blocked', summary: `no containerd serves ${ctx.facts.containerd.socket}`, problem: { what: `no containerd serves ${ctx.facts.containerd.socket}`, why: `containerd runs elsewhere: ${others.join('; ')}`, next: 'Pass that socket with --containerd-socket (starting a second containerd on the same root would clash), then rerun.' } };
      }
      if (!systemd) return { status: 'blocked', summary: 'containerd is not running', problem: { what: 'containerd is not running', why: `nothing serves ${ctx.facts.containerd.socket} and there is no service manager (systemd) to start it`, next: `Start it (containerd --config ${ctx.facts.containerd.configFile} &), then rerun this step.` } };
      return { status: 'needed', summary: 'containerd is not running: start it', plan: { files: [], commands: [['systemctl', 'start', 'containerd']], notes: [] } };
    }
    const started = await processStartTime(ctx.host, daemon.pid);
    const change = await newestChange(ctx);
    const pending = ctx.results.get('containerd-config-pending') === true && ctx.host.dryRun;
    if (!pending && started !== undefined && change && change.mtime < started) {
      return { status: 'done', summary: `containerd (pid ${daemon.pid}) started after the last change to ${change.path}` };
    }
    if (!systemd) {
      return {
        status: 'blocked',
        summary: 'containerd must be restarted by hand',
        problem: {
          what: 'containerd needs a restart to read the new config',
          why: `${change?.path ?? 'its config'} changed after containerd (pid ${daemon.pid}) started, containerd has no reload, and there is no service manager (systemd) on this machine`,
          next: `Restart containerd the way it was started here (its command line: ${daemon.argv.join(' ')}), then rerun this step to verify. Running containers keep running: their shims outlive containerd.`,
        },
      };
    }
    return {
      status: 'needed',
      summary: `${change?.path} changed after containerd started: restart it`,
      plan: { files: [], commands: [['systemctl', 'restart', 'containerd']], notes: ['Running containers keep running: their shims outlive the containerd process.'] },
    };
  },

  async apply(ctx, plan) {
    const cmd = plan.commands[0]!;
    const r = await ctx.host.run(cmd, { timeoutMs: 90_000, signal: ctx.signal });
    if (!r.ok) throw commandFailed(r, "See `journalctl -u containerd -n 50` for containerd's own message (often a config error), fix it and rerun this step; the previous config is in the backup folder.");
    return `${cmd.join(' ')} done`;
  },

  async verify(ctx) {
    const deadline = Date.now() + 30_000;
    let answered = false;
    while (Date.now() < deadline && !answered) {
      answered = (await ctr(ctx, ['version'], { readOnly: true, quiet: true, timeoutMs: 5_000 })).ok;
      if (!answered) await new Promise((r) => setTimeout(r, 500));
    }
    if (!answered) {
      throw new StepFailure({ what: 'containerd does not answer after the restart', why: `nothing answers on ${ctx.facts.containerd.socket} within 30 s`, next: "Look at containerd's log (journalctl -u containerd) for a config error; restore the backup of the config if needed, then rerun." });
    }
    const dump = await configDump(ctx);
    const entry = runtimeEntry(dump.config, ctx.options.runtimeName);
    if (!entry) {
      throw new StepFailure({
        what: `runtime ${ctx.options.runtimeName} is not in containerd's effective config`,
        why: dump.error ?? `containerd --config ${ctx.facts.containerd.configFile} config dump has no ${ctx.options.runtimeName} runtime (an imports drop-in may replace the CRI section on containerd < 2.0)`,
        next: 'Rerun the configure step and read its notes about imports; `gvisor-wizard doctor` explains the known causes.',
      });
    }
    return `containerd answers; effective config has ${entry.table} (runtime_type ${entry.runtimeType})`;
  },
};
