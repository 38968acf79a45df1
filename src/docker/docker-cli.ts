import type { RunOptions, RunResult } from '../host/host.js';
import type { StepContext } from '../steps/step.js';
import { defaultDockerHost, dockerClientEnv } from './daemon-process.js';

/** Run the docker CLI against the daemon this wizard configures (DOCKER_HOST pinned). */
export function docker(ctx: StepContext, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const cli = ctx.facts.docker.cli ?? 'docker';
  const host = ctx.options.dockerHost ?? ctx.facts.docker.host ?? defaultDockerHost;
  return ctx.host.run([cli, ...args], {
    timeoutMs: 60_000,
    signal: ctx.signal,
    ...opts,
    env: { ...dockerClientEnv(host), ...opts.env },
  });
}

export interface RuntimeInfo {
  path: string;
  runtimeArgs?: string[];
}

export interface DaemonRuntimes {
  runtimes: Record<string, RuntimeInfo>;
  defaultRuntime?: string;
}

/** Runtimes (and the default one) the daemon reports right now; `error` when it does not answer. */
export async function daemonRuntimes(ctx: StepContext): Promise<DaemonRuntimes | { error: string }> {
  const r = await docker(ctx, ['info', '--format', '{"runtimes":{{json .Runtimes}},"default":{{json .DefaultRuntime}}}'], { readOnly: true, quiet: true, timeoutMs: 15_000 });
  if (!r.ok) return { error: (r.stderr || r.spawnError || `exit ${r.exitCode}`).trim().split('\n').pop() ?? 'no answer' };
  try {
    const j = JSON.parse(r.stdout) as { runtimes: Record<string, RuntimeInfo>; default?: string };
    return { runtimes: j.runtimes ?? {}, defaultRuntime: j.default };
  } catch {
    return { error: 'docker info printed something that is not JSON' };
  }
}
