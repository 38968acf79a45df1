// After undo restored an engine's config, the engine must read it again and still answer:
// docker reloads on SIGHUP (systemctl reload); containerd only reads its config at start.

import type { StepContext } from '../steps/step.js';
import { daemonRuntimes } from '../docker/docker-cli.js';
import { findDockerd } from '../docker/daemon-process.js';
import { ctr } from '../containerd/ctr.js';
import { findContainerd } from '../containerd/daemon.js';

export interface EngineAction {
  engine: 'docker' | 'containerd';
  ok: boolean;
  detail: string;
}

/** Steps whose changes an engine reads from its config. */
const ENGINE_OF_STEP: Record<string, 'docker' | 'containerd'> = {
  'configure-docker': 'docker',
  'configure-containerd': 'containerd',
  'kube-containerd-cri': 'containerd',
};

export function enginesTouched(steps: readonly (string | undefined)[]): ('docker' | 'containerd')[] {
  return [...new Set(steps.map((s) => ENGINE_OF_STEP[s ?? '']).filter((e): e is 'docker' | 'containerd' => e !== undefined))];
}

async function waitFor(ok: () => Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await ok()) return true;
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

export async function reloadDocker(ctx: StepContext): Promise<EngineAction> {
  const systemd = ctx.facts.init === 'systemd';
  const daemon = await findDockerd(ctx.host, ctx.facts.docker.host);
  if (systemd) {
    const r = await ctx.host.run(['systemctl', 'reload-or-restart', 'docker'], { timeoutMs: 90_000 });
    if (!r.ok) return { engine: 'docker', ok: false, detail: `systemctl reload-or-restart docker failed: ${(r.stderr || r.stdout).trim().split('\n').pop()}; see journalctl -u docker -n 50` };
  } else if (daemon) {
    await ctx.host.signal(daemon.pid, 'SIGHUP');
  } else {
    return { engine: 'docker', ok: false, detail: `no dockerd serves ${ctx.facts.docker.host}: start it yourself; it reads the restored file at start` };
  }
  const answers = await waitFor(async () => !('error' in (await daemonRuntimes(ctx))), 20_000);
  const live = await daemonRuntimes(ctx);
  if (!answers || 'error' in live) return { engine: 'docker', ok: false, detail: `docker does not answer after the reload: ${'error' in live ? live.error : ''}` };
  const still = live.runtimes[ctx.options.runtimeName];
  return {
    engine: 'docker',
    ok: true,
    detail: `docker reloaded and answers (runtimes: ${Object.keys(live.runtimes).join(', ') || 'none'})${still ? `; dockerd still lists ${ctx.options.runtimeName} until it is restarted when no "runtimes" key is left in daemon.json` : ''}`,
  };
}

export async function restartContainerd(ctx: StepContext): Promise<EngineAction> {
  const daemon = await findContainerd(ctx.host, ctx.facts.containerd.socket);
  if (ctx.facts.init !== 'systemd') {
    return { engine: 'containerd', ok: false, detail: daemon ? `restart containerd yourself to read the restored config (its command line: ${daemon.argv.join(' ')}); running containers keep running` : `containerd is not running on ${ctx.facts.containerd.socket}; it reads the restored config when started` };
  }
  const r = await ctx.host.run(['systemctl', 'restart', 'containerd'], { timeoutMs: 90_000 });
  if (!r.ok) return { engine: 'containerd', ok: false, detail: `systemctl restart containerd failed: ${(r.stderr || r.stdout).trim().split('\n').pop()}; see journalctl -u containerd -n 50` };
  const answers = await waitFor(async () => (await ctr(ctx, ['version'], { readOnly: true, quiet: true, timeoutMs: 5_000 })).ok, 30_000);
  return { engine: 'containerd', ok: answers, detail: answers ? 'containerd restarted and answers' : `containerd does not answer on ${ctx.facts.containerd.socket} after the restart; see journalctl -u containerd` };
}

export async function refreshEngines(ctx: StepContext, steps: readonly (string | undefined)[]): Promise<EngineAction[]> {
  const out: EngineAction[] = [];
  for (const e of enginesTouched(steps)) out.push(e === 'docker' ? await reloadDocker(ctx) : await restartContainerd(ctx));
  return out;
}
