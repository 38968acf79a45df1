// `gvisor-wizard doctor`: look at the machine (read-only, like `plan`), show versions, the effective
// configuration and recent daemon log lines, and name every known failure that matches, with its
// cause and fix. Exit 0 when none matched, 1 when some did. Every line goes through the log's masker.

import { runDoctor, summarise, type DoctorSummary } from '../doctor/doctor.js';
import type { Diagnosis } from '../doctor/known-failures.js';
import type { Evidence } from '../doctor/collect.js';
import { Session } from '../wizard/session.js';
import { readState } from '../state/state-file.js';
import type { ParsedCli } from './args.js';

interface Out {
  out(text: string): void;
  err(text: string): void;
}

/** Log lines shown without --verbose (per source); the JSON and --verbose carry all collected lines. */
const SHOWN_LOG_LINES = 20;

/** The documented JSON of `doctor --json` (docs/doctor.md). */
export interface DoctorJson {
  ok: boolean;
  collectedAt: string;
  versions: DoctorSummary['versions'];
  config: DoctorSummary['config'];
  logs: { source: string; lines: string[] }[];
  probes: { argv: string[]; ok: boolean; exitCode: number | null; timedOut: boolean; error?: string }[];
  diagnoses: Diagnosis[];
}

export async function doctorCommand(cli: ParsedCli, io: Out): Promise<number> {
  // Like plan: nothing is written (no log file, every write refused by the host).
  const session = new Session({ ...cli.options, logDir: '' }, { dryRun: true });
  try {
    await session.detect();
    const { evidence, diagnoses } = await runDoctor(session.context(), lastFailureText(cli.options.stateDir));
    const mask = (s: string) => session.log.masker.mask(s);
    if (cli.json) io.out(mask(JSON.stringify(doctorJson(evidence, diagnoses), null, 2)));
    else for (const line of doctorText(evidence, diagnoses, cli.verbose)) io.out(mask(line));
    return diagnoses.length === 0 ? 0 : 1;
  } finally {
    session.close();
  }
}

/** The errors the last runs recorded (a failed step, a failed check): matched like log lines. */
function lastFailureText(stateDir: string): string {
  try {
    const s = readState(stateDir);
    const problems = [...Object.values(s.steps).map((r) => r.problem), s.check?.problem];
    return problems.filter((p) => p !== undefined).map((p) => `${p!.what}\n${p!.why}`).join('\n');
  } catch {
    return '';
  }
}

export function doctorJson(evidence: Evidence, diagnoses: Diagnosis[]): DoctorJson {
  const s = summarise(evidence);
  const probes = [evidence.kernel.probe, evidence.docker.version, evidence.docker.info, evidence.containerd.versionProbe, evidence.runsc.installed?.probe, evidence.runsc.onPath?.probe, ...evidence.logs.map((l) => l.probe)];
  return {
    ok: diagnoses.length === 0,
    collectedAt: evidence.collectedAt,
    versions: s.versions,
    config: s.config,
    logs: evidence.logs.map((l) => ({ source: l.source, lines: l.lines })),
    probes: probes.filter((p) => p !== undefined).map((p) => ({ argv: p.argv, ok: p.ok, exitCode: p.exitCode, timedOut: p.timedOut, ...(p.error ? { error: p.error } : {}) })),
    diagnoses,
  };
}

export function doctorText(evidence: Evidence, diagnoses: Diagnosis[], verbose: boolean): string[] {
  const { versions: v, config: c } = summarise(evidence);
  const out: string[] = [];
  const none = 'not found';
  out.push('Versions');
  out.push(`  kernel       ${v.kernel ?? 'unknown'}`);
  out.push(`  docker       ${v.dockerClient ? `client ${v.dockerClient}` : none}${v.dockerServer ? `, server ${v.dockerServer}` : v.dockerClient ? ', server not answering' : ''}`);
  out.push(`  containerd   ${v.containerd ?? none}`);
  if (v.runsc.length === 0) out.push(`  runsc        ${none}`);
  for (const r of v.runsc) out.push(`  runsc        ${r.version ?? 'version unknown'} (${r.path})${r.error ? `: ${r.error}` : ''}`);

  out.push('', 'Effective configuration');
  out.push(`  daemon.json  ${c.dockerDaemonJson.path}${c.dockerDaemonJson.exists ? '' : ' (absent)'}`);
  if (c.dockerRuntimes) out.push(`  docker runtimes: ${Object.entries(c.dockerRuntimes).map(([k, p]) => `${k}=${p}`).join(', ') || 'none'}${c.dockerCgroupDriver ? `; cgroup driver ${c.dockerCgroupDriver}` : ''}`);
  if (c.dockerError) out.push(`  docker info: ${c.dockerError}`);
  out.push(`  containerd   ${c.containerdConfig.path}${c.containerdConfig.exists ? '' : ' (absent: built-in defaults)'}`);
  if (c.containerdRuntimes) out.push(`  containerd runtimes (config dump): ${Object.entries(c.containerdRuntimes).map(([k, t]) => `${k} (${t || 'no runtime_type'})`).join(', ') || 'none'}`);
  if (c.containerdDisabledPlugins?.length) out.push(`  containerd disabled_plugins: ${c.containerdDisabledPlugins.join(', ')}`);
  if (c.containerdDumpError) out.push(`  containerd config dump failed: ${c.containerdDumpError}`);
  out.push(`  ${c.shim.name}: ${c.shim.foundAt ? `${c.shim.foundAt}${c.shim.onContainerdPath ? '' : " (not on containerd's PATH)"}` : none}`);
  if (c.kubeletEndpoint) out.push(`  kubelet runtime endpoint: ${c.kubeletEndpoint}`);

  out.push('', 'Recent daemon log lines');
  if (evidence.logs.length === 0) out.push('  (no daemon log found: no systemd journal, no /var/log/docker.log, containerd.log or daemon.log)');
  for (const l of evidence.logs) {
    const shown = verbose ? l.lines : l.lines.slice(-SHOWN_LOG_LINES);
    out.push(`  -- ${l.source}${!verbose && l.lines.length > shown.length ? ` (last ${shown.length} of ${l.lines.length}; --verbose shows all)` : ''}`);
    if (l.probe && !l.probe.ok) out.push(`  (could not read: ${(l.probe.stderr || l.probe.error || `exit ${l.probe.exitCode}`).trim().split('\n')[0]})`);
    for (const line of shown) out.push(`  | ${line}`);
  }

  out.push('');
  if (diagnoses.length === 0) {
    out.push('No known failure matched.');
    return out;
  }
  out.push(`${diagnoses.length} known failure${diagnoses.length === 1 ? '' : 's'} matched:`);
  for (const d of diagnoses) {
    out.push('', `== ${d.title} [${d.id}]`);
    out.push(`   cause: ${d.cause}`);
    out.push(`   why:   ${d.explanation}`);
    out.push(`   seen:  ${d.evidence}`);
    d.fix.forEach((f, i) => out.push(`   fix ${i + 1}: ${f}`));
  }
  return out;
}
