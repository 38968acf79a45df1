// Step: containerd ready for the kubelet. One cgroup driver for the whole node (case F1): the
// kubelet's driver wins (systemd when it has no config yet: kubeadm 1.22+ writes systemd at join),
// and containerd's runc SystemdCgroup, the runsc runtime's options and runsc.toml are set to match;
// all four values are shown before anything is written. And the CRI plugin must be enabled (case B3:
// docker's containerd.io package ships disabled_plugins = ["cri"]). containerd reads its config only
// at start: the restart step's logic restarts it when the config is newer than the process.

import { parse as parseToml } from '@iarna/toml';
import { ConfigFileError } from '../../docker/daemon-json.js';
import {
  analyseContainerdConfig, CRI_IMAGES_PLUGIN_V3, CRI_PLUGIN_V2, CRI_RUNTIME_PLUGIN_V3, ensureRuntime, getPath, removeDisabledPlugin, runtimeTablePath, runscTomlText,
  setRuncSystemdCgroup, type EditResult,
} from '../../containerd/config-toml.js';
import { configDump, runtimeEntry } from '../../containerd/ctr.js';
import { restartContainerdStep } from '../../containerd/restart-step.js';
import type { FileChange, Inspection, Step, StepContext, StepPlan } from '../../steps/step.js';
import { cgroupTriad, type CgroupTriad } from '../cgroup-triad.js';
import { parseKubeadmFlagsEnv, readKubeletCgroupDriver, type CgroupDriverReading } from '../kubelet-args.js';
import { blocked, maskedFailure, nodePath } from './common.js';

const KUBELET_CONFIG = '/var/lib/kubelet/config.yaml';
const KUBEADM_FLAGS = '/var/lib/kubelet/kubeadm-flags.env';
const CRI_IDS = ['cri', CRI_PLUGIN_V2, CRI_RUNTIME_PLUGIN_V3, CRI_IMAGES_PLUGIN_V3];

export async function kubeletDriver(ctx: StepContext): Promise<CgroupDriverReading> {
  const configFile = nodePath(ctx, KUBELET_CONFIG);
  const flagsFile = nodePath(ctx, KUBEADM_FLAGS);
  const flags = await ctx.host.readText(flagsFile);
  const args = flags === null ? [] : parseKubeadmFlagsEnv(flags, KUBEADM_FLAGS).args;
  return readKubeletCgroupDriver(await ctx.host.readText(configFile), { file: KUBELET_CONFIG, kubeletArgs: args, argsFile: KUBEADM_FLAGS });
}

const asBool = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : undefined);

interface Planned {
  triad: CgroupTriad;
  reading: CgroupDriverReading;
  files: FileChange[];
  notes: string[];
}

function fold(a: EditResult, b: EditResult): EditResult {
  return { text: b.text, changed: a.changed || b.changed, changes: [...a.changes, ...b.changes], warnings: [...a.warnings, ...b.warnings] };
}

async function planEdits(ctx: StepContext): Promise<Planned | Inspection> {
  const file = ctx.facts.containerd.configFile;
  const before = await ctx.host.readText(file);
  const pending = (what: string): Inspection => ({ status: 'needed', summary: `after configure-containerd: ${what}`, plan: { files: [], commands: [['systemctl', 'restart', 'containerd']], notes: [`${what}: the configure-containerd step of this run writes it first; the cgroup driver and CRI settings are planned then`] } });
  if (before === null) {
    if (ctx.host.dryRun) return pending(`${file} does not exist yet`);
    return blocked(ctx, `${file} does not exist`, { what: `containerd's config ${file} does not exist`, why: 'the configure-containerd step writes it before this step', next: 'Run the containerd steps first (gvisor-wizard apply --runtime containerd --kubernetes).' });
  }
  let reading: CgroupDriverReading;
  try {
    reading = await kubeletDriver(ctx);
  } catch (e) {
    if (e instanceof ConfigFileError) return blocked(ctx, 'the kubelet config cannot be read', { what: `${e.file} cannot be read`, why: `${e.line !== undefined ? `line ${e.line}: ` : ''}${e.detail}`, next: e.hint });
    throw e;
  }
  let text = before;
  let analysis;
  try {
    analysis = analyseContainerdConfig(text, file);
  } catch (e) {
    if (e instanceof ConfigFileError) return blocked(ctx, `${file} is not valid TOML`, { what: `${file} cannot be edited safely`, why: e.message, next: e.hint });
    throw e;
  }
  const version = analysis.version === 3 ? 3 : 2;
  const value = analysis.value;
  const runc = getPath(value, [...runtimeTablePath(version, 'runc'), 'options', 'SystemdCgroup']);
  const runscTable = getPath(value, runtimeTablePath(version, ctx.options.runtimeName)) as Record<string, unknown> | undefined;
  if (!runscTable) {
    if (ctx.host.dryRun) return pending(`${file} has no runtime ${ctx.options.runtimeName} yet`);
    return blocked(ctx, `${file} has no runtime ${ctx.options.runtimeName}`, { what: `runtime ${ctx.options.runtimeName} is not in ${file}`, why: 'the configure-containerd step adds it before this step', next: 'Run the containerd steps first.' });
  }
  const runscOptions = (runscTable.options ?? {}) as Record<string, unknown>;
  const configPath = typeof runscOptions.ConfigPath === 'string' ? runscOptions.ConfigPath : undefined;
  const runscTomlBefore = configPath ? await ctx.host.readText(configPath) : null;
  let tomlValue: string | boolean | undefined;
  if (runscTomlBefore !== null) {
    try {
      const v = getPath(parseToml(runscTomlBefore), ['runsc_config', 'systemd-cgroup']);
      tomlValue = typeof v === 'string' || typeof v === 'boolean' ? v : undefined;
    } catch (e) {
      return blocked(ctx, `${configPath} is not valid TOML`, { what: `${configPath} cannot be edited safely`, why: (e as Error).message, next: 'Fix the file by hand, then rerun.' });
    }
  }
  const triad = cgroupTriad({
    kubeletDriver: reading.driver,
    runcSystemdCgroup: asBool(runc),
    runscOptionsSystemdCgroup: asBool(runscOptions.SystemdCgroup),
    // runsc.toml is only read by runsc's own shim; with the runc-shim wrapper there is no such file.
    runscTomlSystemdCgroup: configPath ? tomlValue : reading.driver === 'systemd' ? 'true' : 'false',
  });
  const notes: string[] = [];
  const source = { flag: `--cgroup-driver in ${KUBEADM_FLAGS}`, config: `${KUBELET_CONFIG}${reading.line ? ` line ${reading.line}` : ''}`, 'kubelet-default': `${KUBELET_CONFIG} has no cgroupDriver (kubelet default)`, 'kubeadm-default': `no ${KUBELET_CONFIG} yet: kubeadm join writes systemd (the default since kubeadm 1.22)` }[reading.source];
  notes.push(`cgroup driver: the kubelet's wins: ${reading.driver} (${source})`);
  for (const r of triad.rows) {
    if (r.id === 'runsc-toml' && !configPath) continue;
    notes.push(`  ${r.ok ? 'ok    ' : 'change'} ${r.where}: ${r.current}${r.ok ? '' : ` → ${r.wanted}`}${r.note ? ` (${r.note})` : ''}`);
  }
  if (!configPath) notes.push("  (no runsc.toml: containerd's runc shim runs runsc, and passes SystemdCgroup of the runtime's options to it as --systemd-cgroup)");

  const files: FileChange[] = [];
  let edit: EditResult = { text, changed: false, changes: [], warnings: [] };
  try {
    const cri = removeDisabledPlugin(text, CRI_IDS, file);
    if (cri.changed) notes.push(`CRI plugin: ${cri.changes.join('; ')} — the kubelet talks to containerd through it (case B3)`);
    edit = fold(edit, cri);
    const want = triad.wanted;
    if (!triad.rows.find((r) => r.id === 'containerd-runc')!.ok) edit = fold(edit, setRuncSystemdCgroup(edit.text, version, want, file));
    if (!triad.rows.find((r) => r.id === 'containerd-runsc')!.ok) {
      const type = typeof runscTable.runtime_type === 'string' ? runscTable.runtime_type : 'io.containerd.runsc.v1';
      edit = fold(edit, ensureRuntime(edit.text, { version, name: ctx.options.runtimeName, runtimeType: type, options: { SystemdCgroup: want }, keepDefaultRuntime: false }, file));
    }
  } catch (e) {
    if (e instanceof ConfigFileError) return blocked(ctx, `${file} cannot be edited safely`, { what: `${file} cannot be edited safely`, why: e.message, next: e.hint });
    throw e;
  }
  text = edit.text;
  if (configPath && !triad.rows.find((r) => r.id === 'runsc-toml')!.ok) {
    const t = runscTomlText({ systemdCgroup: triad.wanted }, runscTomlBefore ?? undefined, configPath);
    if (t.changed) {
      files.push({ path: configPath, before: runscTomlBefore, after: t.text, mode: 0o644 });
      notes.push(...t.changes.map((c) => `${configPath}: ${c}`));
    }
  }
  if (text !== before) {
    files.unshift({ path: file, before, after: text });
    notes.push(...edit.changes.filter((c) => !/disabled_plugins/.test(c)).map((c) => `${file}: ${c}`));
  }
  for (const w of edit.warnings) if (!/disabled_plugins|CRI plugin/.test(w.message)) notes.push(`warning: ${file}:${w.line}: ${w.message}`);
  return { triad, reading, files, notes };
}

/** The file must still be read by containerd (imports included) with the runtime in it. */
async function validate(ctx: StepContext, tmp: string): Promise<void> {
  const bin = ctx.facts.containerd.binary ?? 'containerd';
  const r = await ctx.host.run([bin, '--config', tmp, 'config', 'dump'], { readOnly: true, quiet: true, timeoutMs: 30_000 });
  if (!r.ok) throw maskedFailure(ctx, { what: 'containerd rejects the edited config', why: (r.stderr || r.spawnError || `exit ${r.exitCode}`).trim().split('\n').slice(-2).join(' / '), next: 'Nothing was written. Fix the existing file if it is the cause, then rerun.' });
  if (!runtimeEntry(parseToml(r.stdout) as Record<string, unknown>, ctx.options.runtimeName)) {
    throw maskedFailure(ctx, { what: `runtime ${ctx.options.runtimeName} would vanish from containerd's effective config`, why: 'an imported drop-in replaces the CRI section (containerd < 2.0)', next: 'Move the CRI settings of the drop-in into the main file, then rerun. Nothing was written.' });
  }
}

export const cgroupDriverStep: Step = {
  id: 'kube-containerd-cri',
  title: "Match containerd's cgroup driver to the kubelet and enable its CRI plugin",

  async inspect(ctx): Promise<Inspection> {
    const p = await planEdits(ctx);
    if ('status' in p) return p;
    const restart = p.files.length ? undefined : await restartContainerdStep.inspect(ctx);
    if (restart?.status === 'blocked') return restart;
    if (p.files.length === 0 && restart?.status !== 'needed') {
      return { status: 'done', summary: `cgroup driver ${p.reading.driver} everywhere (kubelet, runc, ${ctx.options.runtimeName}); CRI plugin enabled` };
    }
    const plan: StepPlan = {
      files: p.files,
      commands: [['containerd', '--config', `${ctx.facts.containerd.configFile} (new content)`, 'config', 'dump'], ['systemctl', 'restart', 'containerd']],
      notes: [...p.notes, 'containerd reads its config only at start: it is restarted when the config is newer than the running process (running containers keep running).'],
    };
    return { status: 'needed', summary: `cgroup driver ${p.reading.driver}: ${p.triad.rows.filter((r) => !r.ok).length} setting(s) to change${p.files.length ? '' : ', containerd to restart'}`, plan };
  },

  async apply(ctx, plan) {
    const file = ctx.facts.containerd.configFile;
    const ordered = [...plan.files.filter((f) => f.path !== file), ...plan.files.filter((f) => f.path === file)];
    for (const f of ordered) {
      const now = await ctx.host.readText(f.path);
      if (now !== f.before) throw maskedFailure(ctx, { what: `${f.path} changed since the plan was made`, why: 'another program or person edited it meanwhile', next: 'Rerun this step.' });
      await ctx.host.writeFileAtomic(f.path, f.after, { mode: f.mode, validate: f.path === file ? (tmp) => validate(ctx, tmp) : undefined });
    }
    const extra = (ctx.results.get('containerd-extra-files') as string[] | undefined) ?? [];
    ctx.results.set('containerd-extra-files', [...new Set([...extra, ...ordered.map((f) => f.path).filter((x) => x !== file)])]);
    // The restart step's logic: restart only when a watched file is newer than the process.
    const r = await restartContainerdStep.inspect(ctx);
    if (r.status === 'blocked') throw maskedFailure(ctx, r.problem);
    if (r.status === 'needed') await restartContainerdStep.apply(ctx, r.plan);
    return `${ordered.length ? `wrote ${ordered.map((f) => f.path).join(', ')}; ` : ''}containerd ${r.status === 'needed' ? 'restarted' : 'already current'}`;
  },

  async verify(ctx) {
    const restarted = await restartContainerdStep.verify(ctx);
    const dump = await configDump(ctx);
    const disabled = (dump.config?.disabled_plugins as string[] | undefined) ?? [];
    if (disabled.some((d) => CRI_IDS.includes(d))) throw maskedFailure(ctx, { what: "containerd's CRI plugin is still disabled", why: `the effective config has disabled_plugins = ${JSON.stringify(disabled)} (an imported drop-in may set it)`, next: 'Remove "cri" from disabled_plugins wherever `containerd config dump` takes it from, then rerun.' });
    const p = await planEdits(ctx);
    if ('status' in p) throw maskedFailure(ctx, p.status === 'blocked' ? p.problem : { what: 'cannot verify', why: p.summary, next: 'Rerun.' });
    if (!p.triad.ok && p.files.length) throw maskedFailure(ctx, { what: 'the cgroup settings still disagree', why: p.notes.join('; '), next: 'Check the files by hand and rerun.' });
    return `${restarted}; cgroup driver ${p.reading.driver} everywhere; CRI enabled`;
  },
};
