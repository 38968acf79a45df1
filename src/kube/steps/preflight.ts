// Step: preflight before `kubeadm join`, kubeadm style: each check named, with its fix. Read-only.
// Checks an earlier step of this run fixes (swap, modules, sysctls, CRI, runsc in containerd) are
// only reported as pending in a dry run (`plan`), where those steps have not run yet.

import { lookup } from 'node:dns/promises';
import { hostname as osHostname } from 'node:os';
import { ctr, configDump, runtimeEntry } from '../../containerd/ctr.js';
import type { Inspection, Step, StepContext } from '../../steps/step.js';
import { K8S_MODULES } from '../hostprep.js';
import { alreadyJoined, blocked, kernelPath, JOINED_MARKER, nodePath, parsedJoin, toolVersion } from './common.js';
import { activeSwaps, readSysctls } from './prepare-host.js';

export interface PreflightCheck {
  name: string;
  ok: boolean;
  detail: string;
  /** How to fix it (when not ok). */
  fix?: string;
  /** Fixed by an earlier step of this run (only pending in a dry run). */
  fixedBy?: string;
}

const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*$/;

/** Is TCP port `port` listened on (from /proc/net/tcp and tcp6: state 0A)? undefined when unreadable. */
async function portListening(ctx: StepContext, port: number): Promise<boolean | undefined> {
  let seen = false;
  let any = false;
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await ctx.host.readText(kernelPath(ctx, f));
    if (text === null) continue;
    any = true;
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      const local = cols[1];
      if (!local || cols[3] !== '0A') continue;
      if (parseInt(local.split(':').pop() ?? '', 16) === port) seen = true;
    }
  }
  return any ? seen : undefined;
}

async function nodeHostname(ctx: StepContext): Promise<string> {
  if (ctx.options.kubeRoot !== '/') {
    const h = await ctx.host.readText(nodePath(ctx, '/etc/hostname'));
    if (h?.trim()) return h.trim();
  }
  return osHostname();
}

async function resolvable(ctx: StepContext, name: string): Promise<string | undefined> {
  const hosts = (await ctx.host.readText(nodePath(ctx, '/etc/hosts'))) ?? '';
  for (const line of hosts.split('\n')) {
    const words = line.replace(/#.*/, '').trim().split(/\s+/);
    if (words.length > 1 && words.slice(1).some((w) => w.toLowerCase() === name.toLowerCase())) return `${words[0]} (/etc/hosts)`;
  }
  if (ctx.options.kubeRoot !== '/') return undefined;
  try {
    const r = await Promise.race([lookup(name), new Promise<never>((_, rej) => setTimeout(() => rej(new Error('timeout')), 5000))]);
    return `${r.address} (DNS)`;
  } catch {
    return undefined;
  }
}

export async function preflightChecks(ctx: StepContext): Promise<PreflightCheck[]> {
  const checks: PreflightCheck[] = [];
  const add = (c: PreflightCheck) => checks.push(c);
  add({ name: 'root', ok: ctx.facts.isRoot || ctx.host.root !== '/', detail: ctx.facts.isRoot ? 'running as root' : 'not root', fix: 'Run the wizard as root (sudo).' });

  const swaps = await activeSwaps(ctx);
  add({ name: 'swap off', ok: swaps.length === 0, detail: swaps.length ? `active: ${swaps.map((s) => s.filename).join(', ')}` : '/proc/swaps lists nothing', fix: 'swapoff -a and comment out the swap lines of /etc/fstab', fixedBy: 'kube-prepare-host' });

  const modulesText = (await ctx.host.readText(kernelPath(ctx, '/proc/modules'))) ?? '';
  const loaded = new Set(modulesText.split('\n').map((l) => l.split(' ')[0]));
  for (const m of K8S_MODULES) if (await ctx.host.stat(kernelPath(ctx, `/sys/module/${m}`))) loaded.add(m);
  const missing = K8S_MODULES.filter((m) => !loaded.has(m));
  add({ name: 'kernel modules', ok: missing.length === 0, detail: missing.length ? `not loaded: ${missing.join(', ')}` : `${K8S_MODULES.join(', ')} loaded`, fix: `modprobe ${missing.join(' ')} and list them in /etc/modules-load.d/k8s.conf`, fixedBy: 'kube-prepare-host' });

  const sysctls = await readSysctls(ctx);
  const badSysctls = sysctls.filter((s) => !s.ok);
  add({ name: 'sysctls', ok: badSysctls.length === 0, detail: sysctls.map((s) => `${s.key}=${s.value ?? 'missing'}`).join(', '), fix: 'set them to 1 in /etc/sysctl.d/k8s.conf and run sysctl --system', fixedBy: 'kube-prepare-host' });

  const port = await portListening(ctx, 10250);
  add({ name: 'port 10250 free', ok: port !== true, detail: port === undefined ? 'cannot read /proc/net/tcp (not checked)' : port ? 'something listens on 10250 (the kubelet port)' : 'nothing listens on 10250', fix: 'Find it with `ss -ltnp "sport = :10250"` and stop it (an old kubelet: kubeadm reset).' });

  const join = parsedJoin(ctx);
  add({ name: 'join command', ok: join.ok, detail: join.ok ? `endpoint ${join.join.endpoint}, token ${join.join.token.slice(0, 6)}.****` : `${join.problem.what}: ${join.problem.why}`, fix: join.ok ? '' : join.problem.next });
  const name = join.ok && join.join.nodeName ? join.join.nodeName : await nodeHostname(ctx);
  const lower = name === name.toLowerCase() && DNS_SUBDOMAIN.test(name);
  add({ name: 'hostname lowercase', ok: lower, detail: `node name "${name}"`, fix: 'Node names must be lowercase DNS names: set one with hostnamectl set-hostname, or add --node-name to the join line.' });
  const ip = await resolvable(ctx, name);
  add({ name: 'hostname resolvable', ok: ip !== undefined, detail: ip ? `${name} → ${ip}` : `${name} does not resolve`, fix: `Add "IP ${name}" to /etc/hosts (the node's own address), or fix DNS.` });

  const plugins = await ctr(ctx, ['--connect-timeout', '5s', 'plugins', 'ls'], { readOnly: true, quiet: true, timeoutMs: 15_000 });
  const criLine = plugins.stdout.split('\n').find((l) => /^io\.containerd\.grpc\.v1\s+cri\s/.test(l));
  const criOk = plugins.ok && Boolean(criLine && /\sok\s*$/.test(criLine));
  add({
    name: 'containerd CRI plugin',
    ok: criOk,
    detail: !plugins.ok ? `containerd does not answer on ${ctx.facts.containerd.socket}` : criLine ? criLine.replace(/\s+/g, ' ').trim() : 'io.containerd.grpc.v1.cri is not listed (disabled_plugins?)',
    fix: plugins.ok ? 'Remove "cri" from disabled_plugins in config.toml and restart containerd; if it says error, `journalctl -u containerd` tells why.' : 'Start containerd (systemctl start containerd).',
    fixedBy: 'kube-containerd-cri',
  });

  const dump = await configDump(ctx);
  const entry = runtimeEntry(dump.config, ctx.options.runtimeName);
  add({ name: `runtime ${ctx.options.runtimeName} in containerd`, ok: Boolean(entry), detail: entry ? `${entry.table} (${entry.runtimeType})` : dump.error ?? 'not in `containerd config dump`', fix: 'Run the containerd steps (configure-containerd, restart-containerd).', fixedBy: 'configure-containerd' });

  for (const tool of ['kubelet', 'kubeadm'] as const) {
    const v = await toolVersion(ctx, tool);
    add({ name: `${tool} installed`, ok: Boolean(v.version), detail: v.version ?? v.problem ?? '', fix: `Install ${tool} from pkgs.k8s.io (the same minor version as the control plane), see https://kubernetes.io/docs/setup/production-environment/tools/kubeadm/install-kubeadm/` });
  }
  return checks;
}

export const preflightStep: Step = {
  id: 'kube-preflight',
  title: 'Preflight checks before kubeadm join',

  async inspect(ctx): Promise<Inspection> {
    if (await alreadyJoined(ctx)) {
      return { status: 'done', summary: `${JOINED_MARKER} exists: this node has joined already (nothing to check before a join)` };
    }
    const checks = await preflightChecks(ctx);
    for (const c of checks) ctx.log.info(`[${c.ok ? 'ok' : c.fixedBy && ctx.host.dryRun ? 'pending' : 'FAIL'}] ${c.name}: ${c.detail}`);
    const failing = checks.filter((c) => !c.ok && !(c.fixedBy && ctx.host.dryRun));
    const pending = checks.filter((c) => !c.ok && c.fixedBy && ctx.host.dryRun);
    if (failing.length) {
      return blocked(ctx, `${failing.length} preflight check(s) failed: ${failing.map((c) => c.name).join(', ')}`, {
        what: `preflight: ${failing.map((c) => c.name).join(', ')}`,
        why: failing.map((c) => `${c.name}: ${c.detail}`).join('; '),
        next: failing.map((c) => `${c.name}: ${c.fix}`).join(' — '),
      });
    }
    if (pending.length) {
      return {
        status: 'needed',
        summary: `${checks.length - pending.length} checks pass; ${pending.length} wait for earlier steps`,
        plan: { files: [], commands: [], notes: [...checks.map((c) => `[${c.ok ? 'ok' : `after ${c.fixedBy}`}] ${c.name}: ${c.detail}`)] },
      };
    }
    return { status: 'done', summary: `all ${checks.length} preflight checks pass (${checks.map((c) => c.name).join(', ')})` };
  },
  async apply() {
    return 'nothing to change';
  },
  async verify() {
    return 'checks only';
  },
};
