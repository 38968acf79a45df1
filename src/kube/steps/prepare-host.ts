// Step: host preparation for a Kubernetes node (cases D1, D2): swap off now and out of /etc/fstab,
// overlay + br_netfilter loaded now and persisted, then the bridge/forwarding sysctls persisted,
// applied and read back from /proc/sys (the read-back, not an exit status, is the proof), and an
// optional /etc/hosts entry for the control plane. Every change is shown first (diffs, argv).

import {
  commentOutSwap, ensureHostsEntry, ensureModulesLoad, ensureSysctl, hostPrepPlanOrder, K8S_MODULES, K8S_SYSCTLS, parseProcSwaps, unexplainedSwap,
} from '../hostprep.js';
import { commandFailed, type FileChange, type Inspection, type Step, type StepContext, type StepPlan } from '../../steps/step.js';
import { blocked, kernelPath, maskedFailure, nodePath, procSysPath } from './common.js';

const FSTAB = '/etc/fstab';
const MODULES_FILE = '/etc/modules-load.d/k8s.conf';
const SYSCTL_FILE = '/etc/sysctl.d/k8s.conf';
const HOSTS = '/etc/hosts';

/** Loaded modules: /proc/modules, plus built-in ones (they have /sys/module/NAME but no /proc/modules line). */
async function loadedModules(ctx: StepContext): Promise<Set<string>> {
  const out = new Set<string>();
  const text = (await ctx.host.readText(kernelPath(ctx, '/proc/modules'))) ?? '';
  for (const line of text.split('\n')) {
    const name = line.split(' ')[0];
    if (name) out.add(name.replace(/-/g, '_'));
  }
  for (const m of K8S_MODULES) if (await ctx.host.stat(kernelPath(ctx, `/sys/module/${m}`))) out.add(m);
  return out;
}

export async function readSysctls(ctx: StepContext): Promise<{ key: string; path: string; value: string | null; ok: boolean }[]> {
  const out = [];
  for (const [key, want] of Object.entries(K8S_SYSCTLS)) {
    const path = procSysPath(ctx, key);
    const raw = await ctx.host.readText(path);
    const value = raw === null ? null : raw.trim();
    out.push({ key, path, value, ok: value === want });
  }
  return out;
}

export async function activeSwaps(ctx: StepContext): Promise<ReturnType<typeof parseProcSwaps>> {
  return parseProcSwaps((await ctx.host.readText(kernelPath(ctx, '/proc/swaps'))) ?? '');
}

export function parseControlPlaneHost(value: string): { ip: string; name: string } {
  const parts = value.trim().split(/\s+/);
  if (parts.length !== 2) throw new Error(`--control-plane-host must be "IP NAME", not ${JSON.stringify(value)}`);
  return { ip: parts[0]!, name: parts[1]! };
}

export const prepareHostStep: Step = {
  id: 'kube-prepare-host',
  title: 'Prepare the host for Kubernetes (swap, modules, sysctls)',

  async inspect(ctx): Promise<Inspection> {
    const files: FileChange[] = [];
    const commands: string[][] = [];
    const notes: string[] = [];

    // D1: swap.
    const fstabPath = nodePath(ctx, FSTAB);
    const fstab = await ctx.host.readText(fstabPath);
    const procSwaps = (await ctx.host.readText(kernelPath(ctx, '/proc/swaps'))) ?? '';
    const swaps = parseProcSwaps(procSwaps);
    if (swaps.length > 0) {
      commands.push(['swapoff', '-a']);
      notes.push(`swap is on (${swaps.map((s) => s.filename).join(', ')}): kubelet refuses to run with swap; \`swapoff -a\` turns it off now`);
      for (const f of unexplainedSwap(procSwaps, fstab ?? '')) notes.push(`warning: ${f.message}`);
    }
    if (fstab !== null) {
      const c = commentOutSwap(fstab);
      if (c.changed) {
        files.push({ path: fstabPath, before: fstab, after: c.text });
        notes.push(...c.changes.map((x) => `${FSTAB} ${x}`));
      }
    }

    // D2: modules now (modprobe), then persisted; sysctls persisted, applied, read back.
    const loaded = await loadedModules(ctx);
    const missingModules = K8S_MODULES.filter((m) => !loaded.has(m));
    const modulesPath = nodePath(ctx, MODULES_FILE);
    const modulesText = await ctx.host.readText(modulesPath);
    const modules = ensureModulesLoad(modulesText, K8S_MODULES, { kernelRelease: ctx.facts.kernel });
    for (const w of modules.warnings) notes.push(`warning: ${MODULES_FILE} ${w.message}`);
    const sysctlPath = nodePath(ctx, SYSCTL_FILE);
    const sysctlText = await ctx.host.readText(sysctlPath);
    const sysctl = ensureSysctl(sysctlText);
    for (const w of sysctl.warnings) notes.push(`warning: ${SYSCTL_FILE} ${w.message}`);
    for (const c of sysctl.conflicts) notes.push(`${SYSCTL_FILE} line ${c.line} sets ${c.key} = ${c.value}, overridden by line ${c.overriddenBy}`);
    const values = await readSysctls(ctx);
    const order = hostPrepPlanOrder({ modulesFile: modulesPath, sysctlFile: sysctlPath });
    for (const a of order) {
      if (a.kind === 'command' && a.argv[0] === 'modprobe' && missingModules.includes(a.argv[1]!)) commands.push(a.argv);
      if (a.kind === 'write-file' && a.file === 'modules-load' && modules.changed) {
        files.push({ path: modulesPath, before: modulesText, after: modules.text, mode: 0o644 });
        notes.push(...modules.changes.map((x) => `${MODULES_FILE}: ${x}`));
      }
      if (a.kind === 'write-file' && a.file === 'sysctl' && sysctl.changed) {
        files.push({ path: sysctlPath, before: sysctlText, after: sysctl.text, mode: 0o644 });
        notes.push(...sysctl.changes.map((x) => `${SYSCTL_FILE}: ${x}`));
      }
      if (a.kind === 'command' && a.argv[0] === 'sysctl' && (sysctl.changed || values.some((v) => !v.ok))) commands.push(a.argv);
    }
    if (commands.some((c) => c[0] === 'sysctl')) {
      notes.push(`then read back ${values.map((v) => v.path).join(', ')}: each must be 1 (now: ${values.map((v) => `${v.key}=${v.value ?? 'missing'}`).join(', ')})`);
      if (missingModules.includes('br_netfilter')) notes.push('br_netfilter is loaded first: /proc/sys/net/bridge/ exists only once it is');
    }

    // Optional control-plane /etc/hosts entry.
    if (ctx.options.controlPlaneHost) {
      let cp;
      try {
        cp = parseControlPlaneHost(ctx.options.controlPlaneHost);
        const hostsPath = nodePath(ctx, HOSTS);
        const hosts = (await ctx.host.readText(hostsPath)) ?? '';
        const h = ensureHostsEntry(hosts, cp.ip, cp.name);
        for (const w of h.warnings) notes.push(`warning: ${HOSTS} ${w.message}`);
        if (h.text !== hosts) {
          files.push({ path: hostsPath, before: hosts, after: h.text });
          notes.push(...h.changes.map((x) => `${HOSTS}: ${x}`));
        }
      } catch (e) {
        return blocked(ctx, 'the control-plane host entry is not valid', { what: 'the /etc/hosts entry cannot be written', why: (e as Error).message, next: 'Pass --control-plane-host "IP NAME", e.g. --control-plane-host "192.0.2.10 k8s-api.example".' });
      }
    }

    if (files.length === 0 && commands.length === 0) {
      return { status: 'done', summary: `swap off, ${K8S_MODULES.join(' and ')} loaded and persisted, ${values.map((v) => `${v.key}=1`).join(', ')}` };
    }
    const plan: StepPlan = { files, commands, notes };
    return { status: 'needed', summary: `${files.length} file(s) and ${commands.length} command(s) to prepare the node`, plan };
  },

  async apply(ctx, plan) {
    const run = async (argv: string[], mustSucceed: boolean): Promise<void> => {
      const r = await ctx.host.run(argv, { timeoutMs: 60_000, signal: ctx.signal });
      if (!r.ok && mustSucceed) throw commandFailed(r, argv[0] === 'modprobe' ? `Install the module for this kernel (e.g. apt-get install linux-modules-extra-$(uname -r)) or load it by hand, then rerun.` : 'Fix the cause shown above and rerun this step.');
      if (!r.ok) ctx.log.warn(`${argv.join(' ')} failed (exit ${r.exitCode}); the read-back decides`);
    };
    const write = async (f: FileChange): Promise<void> => {
      const now = await ctx.host.readText(f.path);
      if (now !== f.before) throw maskedFailure(ctx, { what: `${f.path} changed since the plan was made`, why: 'another program or person edited it meanwhile', next: 'Rerun this step: it plans again from the current file.' });
      await ctx.host.writeFileAtomic(f.path, f.after, { mode: f.mode });
    };
    const file = (p: string) => plan.files.find((f) => f.path === nodePath(ctx, p));
    const cmds = (name: string) => plan.commands.filter((c) => c[0] === name);
    // Swap off now, then out of fstab (so a reboot keeps it off).
    for (const c of cmds('swapoff')) await run(c, true);
    const fstab = file(FSTAB);
    if (fstab) await write(fstab);
    // Modules before the bridge sysctls: /proc/sys/net/bridge exists only with br_netfilter loaded.
    for (const c of cmds('modprobe')) await run(c, true);
    const modules = file(MODULES_FILE);
    if (modules) await write(modules);
    const sysctl = file(SYSCTL_FILE);
    if (sysctl) await write(sysctl);
    for (const c of cmds('sysctl')) await run(c, false);
    const hosts = file(HOSTS);
    if (hosts) await write(hosts);
    return `${plan.files.length} file(s) written, ${plan.commands.length} command(s) run`;
  },

  async verify(ctx) {
    const swaps = await activeSwaps(ctx);
    if (swaps.length > 0) {
      throw maskedFailure(ctx, { what: 'swap is still on', why: `${swaps.map((s) => s.filename).join(', ')} still listed in /proc/swaps after swapoff -a`, next: 'Turn it off by hand (swapoff FILE) and disable its source (a systemd .swap unit, zram), then rerun.' });
    }
    const loaded = await loadedModules(ctx);
    const notLoaded = K8S_MODULES.filter((m) => !loaded.has(m));
    if (notLoaded.length) throw maskedFailure(ctx, { what: `${notLoaded.join(', ')} not loaded`, why: 'modprobe reported success but /proc/modules does not list it', next: `Run modprobe ${notLoaded.join(' ')} by hand and look at dmesg, then rerun.` });
    const values = await readSysctls(ctx);
    const bad = values.filter((v) => !v.ok);
    if (bad.length) {
      throw maskedFailure(ctx, {
        what: 'sysctls do not read back as 1',
        why: bad.map((v) => `${v.path} = ${v.value ?? '(missing)'}`).join(', '),
        next: `Another file in /etc/sysctl.d (or /etc/sysctl.conf) probably sets them later: \`grep -r ${bad[0]!.key} /etc/sysctl.d /etc/sysctl.conf /run/sysctl.d /usr/lib/sysctl.d\`, fix it, then rerun.`,
      });
    }
    return `swap off; ${K8S_MODULES.join(', ')} loaded; ${values.map((v) => `${v.key}=${v.value}`).join(', ')}`;
  },
};
