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

/** Runtimes the daemon reports right now, or null when it does not answer. */
export async function daemonRuntimes(ctx: StepContext): Promise<Record<string, RuntimeInfo> | null> {
  const r = await docker(ctx, ['info', '--format', '{{json .Runtimes}}'], { readOnly: true, quiet: true, timeoutMs: 15_000 });
  if (!r.ok) return null;
  try {
    return JSON.parse(r.stdout) as Record<string, RuntimeInfo>;
  } catch {
    return null;
  }
}
