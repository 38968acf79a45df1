// The doctor: collect the evidence, then match it against the known failures. diagnose() is pure, so
// the step runner can call it with a failing step's text as well as `gvisor-wizard doctor` can.

import type { StepContext } from '../steps/step.js';
import { collectEvidence, emptyEvidence, type Evidence } from './collect.js';
import { KNOWN_FAILURES, kubeletEndpoint, type Diagnosis } from './known-failures.js';

export type { Diagnosis } from './known-failures.js';

/** Every line of error text in the evidence: log lines, probe errors and containerd's own complaint. */
export function errorLines(e: Evidence): string[] {
  const probes = [e.docker.version, e.docker.info, e.containerd.versionProbe, e.runsc.installed?.probe, e.runsc.onPath?.probe];
  return [
    ...e.logs.flatMap((l) => l.lines),
    ...probes.flatMap((p) => (p && !p.ok ? [p.stderr, p.error ?? ''] : [])),
    e.containerd.dump?.error ?? '',
  ].flatMap(splitLines);
}

function splitLines(text: string): string[] {
  return text.split('\n').filter((l) => l.trim() !== '');
}

/**
 * The known failures that match. `extraText`: the text of a failed step or check (its Problem, the
 * command's stderr), so the runner can ask the doctor the moment something fails. Without evidence
 * (the runner has none at hand) only the error texts are matched.
 */
export function diagnose(evidence: Evidence | undefined, extraText?: string): Diagnosis[] {
  const e = evidence ?? emptyEvidence();
  const lines = [...splitLines(extraText ?? ''), ...errorLines(e)];
  const out: Diagnosis[] = [];
  for (const kf of KNOWN_FAILURES) {
    try {
      const d = kf.match({ evidence: e, lines });
      if (d) out.push(d);
    } catch {
      // A detector that trips over odd evidence must not hide the others.
    }
  }
  return out;
}

export interface DoctorResult {
  evidence: Evidence;
  diagnoses: Diagnosis[];
}

/** Collect (read-only, every probe bounded) and diagnose. ctx: a Session's context after detect(). */
export async function runDoctor(ctx: StepContext, extraText?: string): Promise<DoctorResult> {
  const evidence = await collectEvidence(ctx);
  return { evidence, diagnoses: diagnose(evidence, extraText) };
}

/** What the doctor prints before the diagnoses: versions and the effective configuration, in short. */
export interface DoctorSummary {
  versions: {
    kernel?: string;
    dockerClient?: string;
    dockerServer?: string;
    containerd?: string;
    runsc: { path: string; version?: string; error?: string }[];
  };
  config: {
    dockerDaemonJson: { path: string; exists: boolean };
    dockerRuntimes?: Record<string, string>;
    dockerCgroupDriver?: string;
    dockerError?: string;
    containerdConfig: { path: string; exists: boolean };
    /** Runtime names of containerd's CRI plugin in `config dump`, with their runtime_type. */
    containerdRuntimes?: Record<string, string>;
    containerdDisabledPlugins?: string[];
    containerdDumpError?: string;
    shim: { name: string; foundAt?: string; onContainerdPath: boolean };
    kubeletEndpoint?: string;
  };
}

export function summarise(e: Evidence): DoctorSummary {
  const dockerVersion = parseJson(e.docker.version?.stdout) as { Client?: { Version?: string }; Server?: { Version?: string } | null } | undefined;
  const runsc = [e.runsc.installed, e.runsc.onPath].filter((x) => x !== undefined).map((r) => ({
    path: r.path,
    ...(r.version ? { version: r.version } : {}),
    ...(r.probe.ok ? {} : { error: firstLine(r.probe.stderr || r.probe.error || `exit ${r.probe.exitCode}`) }),
  }));
  const dump = e.containerd.dump?.ok ? e.containerd.dump.config : undefined;
  const disabled = dump?.disabled_plugins;
  return {
    versions: {
      kernel: e.kernel.release,
      dockerClient: dockerVersion?.Client?.Version,
      dockerServer: e.docker.serverVersion ?? dockerVersion?.Server?.Version,
      containerd: e.containerd.version,
      runsc,
    },
    config: {
      dockerDaemonJson: { path: e.docker.daemonJson.path, exists: e.docker.daemonJson.text !== null },
      ...(e.docker.runtimes ? { dockerRuntimes: Object.fromEntries(Object.entries(e.docker.runtimes).map(([k, v]) => [k, v.path])) } : {}),
      ...(e.docker.cgroupDriver ? { dockerCgroupDriver: e.docker.cgroupDriver } : {}),
      ...(e.docker.info && !e.docker.info.ok ? { dockerError: firstLine(e.docker.info.stderr || e.docker.info.error || `exit ${e.docker.info.exitCode}`) } : {}),
      containerdConfig: { path: e.containerd.configFile.path, exists: e.containerd.configFile.text !== null },
      ...(dump ? { containerdRuntimes: criRuntimes(dump) } : {}),
      ...(Array.isArray(disabled) ? { containerdDisabledPlugins: disabled.map(String) } : {}),
      ...(e.containerd.dump && !e.containerd.dump.ok ? { containerdDumpError: e.containerd.dump.error } : {}),
      shim: { name: e.containerd.shim.name, ...(e.containerd.shim.foundAt ? { foundAt: e.containerd.shim.foundAt } : {}), onContainerdPath: e.containerd.shim.onServicePath },
      ...(kubeletEndpointOf(e) ? { kubeletEndpoint: kubeletEndpointOf(e) } : {}),
    },
  };
}

function criRuntimes(dump: Record<string, unknown>): Record<string, string> {
  const plugins = (dump.plugins ?? {}) as Record<string, Record<string, unknown>>;
  const out: Record<string, string> = {};
  for (const id of ['io.containerd.cri.v1.runtime', 'io.containerd.grpc.v1.cri']) {
    const runtimes = (plugins[id]?.containerd as { runtimes?: Record<string, { runtime_type?: unknown }> } | undefined)?.runtimes ?? {};
    for (const [name, r] of Object.entries(runtimes)) out[name] ??= typeof r.runtime_type === 'string' ? r.runtime_type : '';
  }
  return out;
}

function kubeletEndpointOf(e: Evidence): string | undefined {
  const f = kubeletEndpoint(e);
  return f ? `${f.endpoint} (${f.where})` : undefined;
}

function parseJson(text: string | undefined): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

function firstLine(s: string): string {
  return s.trim().split('\n')[0] ?? '';
}
