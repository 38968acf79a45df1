// Talking to containerd: the ctr CLI pinned to the socket the wizard configures, and the
// effective configuration (`containerd config dump`: the main file plus its imports).

import { parseTomlText as parseToml } from './toml-parse.js';
import type { RunOptions, RunResult } from '../host/host.js';
import type { StepContext } from '../steps/step.js';

export function ctr(ctx: StepContext, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return ctx.host.run(['ctr', '--address', ctx.facts.containerd.socket, ...args], { timeoutMs: 60_000, signal: ctx.signal, ...opts });
}

export interface EffectiveConfig {
  ok: boolean;
  config?: Record<string, unknown>;
  /** containerd's own complaint when it cannot read the file. */
  error?: string;
}

/** What containerd makes of a config file (and its imports), from the real binary. */
export async function configDump(ctx: StepContext, file = ctx.facts.containerd.configFile): Promise<EffectiveConfig> {
  const bin = ctx.facts.containerd.binary ?? 'containerd';
  const r = await ctx.host.run([bin, '--config', ctx.host.resolve(file), 'config', 'dump'], { readOnly: true, quiet: true, timeoutMs: 30_000 });
  if (!r.ok) return { ok: false, error: (r.stderr || r.spawnError || `exit ${r.exitCode}`).trim().split('\n').slice(-2).join(' / ') };
  try {
    return { ok: true, config: parseToml(r.stdout) as Record<string, unknown> };
  } catch (e) {
    return { ok: false, error: `config dump printed TOML that does not parse: ${(e as Error).message}` };
  }
}

export interface RuntimeEntry {
  /** Table path, e.g. plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runsc */
  table: string;
  runtimeType?: string;
  options: Record<string, unknown>;
}

const CRI_IDS = ['io.containerd.cri.v1.runtime', 'io.containerd.grpc.v1.cri'];

/** The runtime entry `name` in a dumped config (version 3 layout first, then version 2). */
export function runtimeEntry(config: Record<string, unknown> | undefined, name: string): RuntimeEntry | undefined {
  const plugins = config?.plugins as Record<string, Record<string, unknown>> | undefined;
  for (const id of CRI_IDS) {
    const runtimes = ((plugins?.[id]?.containerd as Record<string, unknown> | undefined)?.runtimes) as Record<string, Record<string, unknown>> | undefined;
    const r = runtimes?.[name];
    if (r) {
      return {
        table: `plugins."${id}".containerd.runtimes.${name}`,
        runtimeType: typeof r.runtime_type === 'string' ? r.runtime_type : undefined,
        options: (r.options as Record<string, unknown> | undefined) ?? {},
      };
    }
  }
  return undefined;
}
