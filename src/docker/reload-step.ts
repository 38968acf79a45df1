// Step: make dockerd pick up the new runtime. dockerd reloads `runtimes` (and
// default-runtime) on SIGHUP, which `systemctl reload docker` sends; a restart would
// stop every running container, so it is used only to start a stopped daemon.

import { runscInstallPath } from '../wizard/options.js';
import { Inspection, Step, StepContext, StepFailure } from '../steps/step.js';
import { daemonRuntimes, RuntimeInfo } from './docker-cli.js';
import { dockerConfigFileOf, findDockerd } from './daemon-process.js';
import { conflictProblem, flagConflicts } from './configure-step.js';

const sameArgs = (a: string[] | undefined, b: string[] | undefined) => JSON.stringify(a ?? []) === JSON.stringify(b ?? []);

function runtimeIsLive(ctx: StepContext, runtimes: Record<string, RuntimeInfo> | null): boolean {
  const r = runtimes?.[ctx.options.runtimeName];
  if (!r || r.path !== runscInstallPath(ctx.options)) return false;
  return ctx.options.runtimeArgs === undefined || sameArgs(r.runtimeArgs, ctx.options.runtimeArgs);
}

function reloadCommand(ctx: StepContext, pid: number | undefined, running: boolean): string[] | null {
  if (ctx.facts.init === 'systemd') return ['systemctl', running ? 'reload' : 'start', 'docker'];
  return running && pid ? ['kill', '-HUP', String(pid)] : null;
}

export const reloadDockerStep: Step = {
  id: 'reload-docker',
  title: 'Reload docker and confirm it lists the runtime',

  async inspect(ctx): Promise<Inspection> {
    const runtimes = await daemonRuntimes(ctx);
    if (runtimeIsLive(ctx, runtimes)) {
      return { status: 'done', summary: `docker already lists runtime ${ctx.options.runtimeName} at ${runscInstallPath(ctx.options)}` };
    }
    const daemon = await findDockerd(ctx.host, ctx.facts.docker.host);
    const running = runtimes !== null;
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
    if (conflicts.length) return { status: 'blocked', summary: 'reload would fail', problem: conflictProblem(ctx.facts.docker.configFile, conflicts) };
    return {
      status: 'needed',
      summary: running ? `dockerd does not list ${ctx.options.runtimeName} yet: reload it` : 'dockerd is not running: start it',
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
    if (!r.ok) {
      throw new StepFailure({
        what: `${cmd.join(' ')} failed`,
        why: (r.stderr || r.stdout || r.spawnError || `exit ${r.exitCode}`).trim().split('\n').slice(-3).join(' / '),
        next: 'See `journalctl -u docker -n 50` for dockerd\'s own message, or run `gvisor-wizard doctor`; fix it and rerun this step.',
      });
    }
    return `${cmd.join(' ')} done`;
  },

  async verify(ctx) {
    // The reload is asynchronous: give dockerd a few seconds to read its file again.
    const deadline = Date.now() + 20_000;
    let runtimes: Record<string, RuntimeInfo> | null = null;
    while (Date.now() < deadline) {
      runtimes = await daemonRuntimes(ctx);
      if (runtimeIsLive(ctx, runtimes)) return `docker info lists ${ctx.options.runtimeName} -> ${runscInstallPath(ctx.options)}`;
      await new Promise((r) => setTimeout(r, 500));
    }
    const seen = runtimes?.[ctx.options.runtimeName];
    const daemon = await findDockerd(ctx.host, ctx.facts.docker.host);
    const reads = daemon ? `${dockerConfigFileOf(daemon.argv)} (pid ${daemon.pid})` : 'a file the wizard could not see';
    throw new StepFailure({
      what: `docker does not list runtime ${ctx.options.runtimeName} with ${runscInstallPath(ctx.options)}`,
      why: seen
        ? `dockerd reports ${JSON.stringify(seen)} instead`
        : `the wizard wrote ${ctx.facts.docker.configFile}, but dockerd reads ${reads} and did not pick the runtime up`,
      next: `Compare the file dockerd reads (--config-file on its command line) with ${ctx.facts.docker.configFile}; check dockerd's log for a reload error; then rerun this step.`,
    });
  },
};
