// Step: make dockerd pick up the new runtime. dockerd reloads `runtimes` and
// `default-runtime` on SIGHUP, which `systemctl reload docker` sends; a restart would
// stop every running container, so it is used only to start a stopped daemon.

import { runscInstallPath } from '../wizard/options.js';
import { commandFailed, Inspection, Step, StepContext, StepFailure } from '../steps/step.js';
import { daemonRuntimes, DaemonRuntimes } from './docker-cli.js';
import { dockerConfigFileOf, findDockerd } from './daemon-process.js';
import { conflictProblem, flagConflicts } from './configure-step.js';

const sameArgs = (a: string[] | undefined, b: string[] | undefined) => JSON.stringify(a ?? []) === JSON.stringify(b ?? []);

/** What differs between the running daemon and what the wizard wants; empty when live. */
function differences(ctx: StepContext, live: DaemonRuntimes): string[] {
  const { runtimeName: name, runtimeArgs, makeDefault } = ctx.options;
  const r = live.runtimes[name];
  const want = runscInstallPath(ctx.options);
  if (!r) return [`dockerd does not list runtime ${name} yet`];
  const out: string[] = [];
  if (r.path !== want) out.push(`dockerd's ${name} runs ${r.path}, not ${want}`);
  if (runtimeArgs !== undefined && !sameArgs(r.runtimeArgs, runtimeArgs)) out.push(`dockerd's ${name} has runtimeArgs ${JSON.stringify(r.runtimeArgs ?? [])}, not ${JSON.stringify(runtimeArgs)}`);
  if (makeDefault && live.defaultRuntime !== name) out.push(`dockerd's default runtime is ${live.defaultRuntime ?? 'runc'}, not ${name}`);
  return out;
}

function reloadCommand(ctx: StepContext, pid: number | undefined, running: boolean): string[] | null {
  if (ctx.facts.init === 'systemd') return ['systemctl', running ? 'reload' : 'start', 'docker'];
  return running && pid ? ['kill', '-HUP', String(pid)] : null;
}

export const reloadDockerStep: Step = {
  id: 'reload-docker',
  title: 'Reload docker and confirm it lists the runtime',

  async inspect(ctx): Promise<Inspection> {
    const live = await daemonRuntimes(ctx);
    const daemon = await findDockerd(ctx.host, ctx.facts.docker.host);
    if ('error' in live && daemon) {
      return { status: 'blocked', summary: 'docker does not answer', problem: { what: `the docker daemon (pid ${daemon.pid}) does not answer at ${ctx.facts.docker.host}`, why: live.error, next: 'Run the wizard as root (the docker socket is root-only), or check the --docker-host address; then rerun.' } };
    }
    const diffs = 'error' in live ? [] : differences(ctx, live);
    if (!('error' in live) && diffs.length === 0) {
      return { status: 'done', summary: `docker already runs ${ctx.options.runtimeName} from ${runscInstallPath(ctx.options)}${ctx.options.makeDefault ? ' as its default runtime' : ''}` };
    }
    const running = !('error' in live);
    const cmd = reloadCommand(ctx, daemon?.pid, running);
    if (!cmd) {
      return {
        status: 'blocked',
        summary: 'dockerd cannot be reloaded',
        problem: running
          ? { what: 'cannot find the dockerd process to reload', why: `docker answers at ${ctx.facts.docker.host}, but no dockerd process serving it is visible (another PID namespace?)`, next: 'Reload it yourself (kill -HUP <dockerd pid>, or systemctl reload docker), then rerun this step.' }
          : { what: 'dockerd is not running', why: 'there is no service manager (systemd) on this machine to start it', next: 'Start dockerd (for example `dockerd &`), then rerun this step.' },
      };
    }
    const text = await ctx.host.readText(ctx.facts.docker.configFile);
    const conflicts = text ? await flagConflicts(ctx, text) : [];
    if (conflicts.length) return { status: 'blocked', summary: 'reload would fail', problem: conflictProblem(ctx, conflicts) };
    return {
      status: 'needed',
      summary: running ? `${diffs.join('; ')}: reload it` : 'dockerd is not running: start it',
      plan: { files: [], commands: [cmd, ['docker', 'info', '--format', '{{json .Runtimes}}']], notes: running ? ['Reloading does not stop running containers.'] : [] },
    };
  },

  async apply(ctx, plan) {
    const cmd = plan.commands[0]!;
    if (cmd[0] === 'kill') {
      await ctx.host.signal(Number(cmd[2]), 'SIGHUP');
      return `sent SIGHUP to dockerd (pid ${cmd[2]})`;
    }
    const r = await ctx.host.run(cmd, { timeoutMs: 90_000, signal: ctx.signal });
    if (!r.ok) throw commandFailed(r, "See `journalctl -u docker -n 50` for dockerd's own message; fix it and rerun this step.");
    return `${cmd.join(' ')} done`;
  },

  async verify(ctx) {
    // The reload is asynchronous: give dockerd a few seconds to read its file again.
    const deadline = Date.now() + 20_000;
    let diffs: string[] = ['docker does not answer'];
    while (Date.now() < deadline) {
      const live = await daemonRuntimes(ctx);
      diffs = 'error' in live ? [`docker does not answer: ${live.error}`] : differences(ctx, live);
      if (diffs.length === 0) return `docker info lists ${ctx.options.runtimeName} -> ${runscInstallPath(ctx.options)}${ctx.options.makeDefault ? ' (default runtime)' : ''}`;
      if (ctx.signal.aborted) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const daemon = await findDockerd(ctx.host, ctx.facts.docker.host);
    const reads = daemon ? `${dockerConfigFileOf(daemon.argv)} (pid ${daemon.pid})` : 'a file the wizard could not see';
    throw new StepFailure({
      what: `docker did not take the new settings for ${ctx.options.runtimeName}`,
      why: `${diffs.join('; ')}. The wizard wrote ${ctx.facts.docker.configFile}; dockerd reads ${reads}`,
      next: `If those differ, point the wizard at the file dockerd reads (--docker-config) or fix dockerd's --config-file; otherwise check dockerd's log for a reload error ("unable to configure the Docker daemon"); then rerun this step.`,
    });
  },
};
