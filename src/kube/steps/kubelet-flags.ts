// Step: the kubelet's own settings before the join.
//  - case E1: kubelet ≥ 1.27 has no --container-runtime and refuses to start with it: never written,
//    and removed from /var/lib/kubelet/kubeadm-flags.env when an older setup left it there (the CRI
//    socket goes through `kubeadm join --cri-socket`, which writes --container-runtime-endpoint).
//  - the node label (and optional taint) the kubelet sets on its own Node at registration, through
//    KUBELET_EXTRA_ARGS in /etc/default/kubelet (/etc/sysconfig/kubelet on rpm systems): no admin
//    credential needed. Labels NodeRestriction forbids a kubelet to set are refused.

import { ConfigFileError } from '../../docker/daemon-json.js';
import type { FileChange, Inspection, Step, StepContext } from '../../steps/step.js';
import { NodeValueError } from '../join.js';
import { kubeletExtraArgs, parseKubeletVersion, removeContainerRuntimeFlag } from '../kubelet-args.js';
import { blocked, maskedFailure, nodePath, toolVersion } from './common.js';

export const KUBEADM_FLAGS = '/var/lib/kubelet/kubeadm-flags.env';

/** /etc/sysconfig/kubelet when it exists (rpm), else /etc/default/kubelet (deb). */
async function extraArgsFile(ctx: StepContext): Promise<string> {
  if (await ctx.host.stat(nodePath(ctx, '/etc/sysconfig/kubelet'))) return '/etc/sysconfig/kubelet';
  return '/etc/default/kubelet';
}

async function plan(ctx: StepContext): Promise<{ files: FileChange[]; notes: string[]; version: string } | Inspection> {
  const v = await toolVersion(ctx, 'kubelet');
  if (!v.version) return blocked(ctx, 'kubelet is not installed', { what: 'kubelet is not installed', why: v.problem ?? 'kubelet --version failed', next: 'Install kubelet and kubeadm (pkgs.k8s.io), then rerun.' });
  const files: FileChange[] = [];
  const notes: string[] = [];
  const [major, minor] = parseKubeletVersion(v.version);
  notes.push(`kubelet ${v.version}: ${major > 1 || minor >= 27 ? 'no --container-runtime flag (removed in 1.27); the CRI socket is passed to kubeadm join with --cri-socket' : 'an old kubelet: --container-runtime=remote is left as kubeadm writes it'}`);
  try {
    const flagsPath = nodePath(ctx, KUBEADM_FLAGS);
    const flags = await ctx.host.readText(flagsPath);
    if (flags !== null) {
      const r = removeContainerRuntimeFlag(flags, v.version, KUBEADM_FLAGS);
      if (r.changed) {
        files.push({ path: flagsPath, before: flags, after: r.text });
        notes.push(...r.changes);
      }
    }
    const labels = [ctx.options.nodeLabel];
    const taints = ctx.options.nodeTaint ? [ctx.options.nodeTaint] : [];
    const file = await extraArgsFile(ctx);
    const extraPath = nodePath(ctx, file);
    const existing = await ctx.host.readText(extraPath);
    const e = kubeletExtraArgs(existing, labels, taints, { file });
    if (e.changed) {
      files.push({ path: extraPath, before: existing, after: e.text, mode: 0o644 });
      notes.push(...e.changes, `the kubelet reads ${file} at start (kubeadm join starts it): the label is set when the node registers, without an admin credential`);
    }
  } catch (e) {
    if (e instanceof NodeValueError) return blocked(ctx, 'the node label or taint cannot be used', { what: `--node-label/--node-taint "${e.input}" cannot be set by the kubelet`, why: e.detail, next: e.hint });
    if (e instanceof ConfigFileError) return blocked(ctx, `${e.file} cannot be edited safely`, { what: `${e.file} cannot be edited safely`, why: `${e.line !== undefined ? `line ${e.line}: ` : ''}${e.detail}`, next: e.hint });
    throw e;
  }
  return { files, notes, version: v.version };
}

export const kubeletFlagsStep: Step = {
  id: 'kube-kubelet-flags',
  title: 'Kubelet settings: node label, taint, no removed flags',

  async inspect(ctx): Promise<Inspection> {
    const p = await plan(ctx);
    if ('status' in p) return p;
    if (p.files.length === 0) return { status: 'done', summary: `kubelet ${p.version}: node label ${ctx.options.nodeLabel}${ctx.options.nodeTaint ? ` and taint ${ctx.options.nodeTaint}` : ''} already in KUBELET_EXTRA_ARGS; no removed flags` };
    return { status: 'needed', summary: `kubelet ${p.version}: ${p.files.map((f) => f.path).join(', ')}`, plan: { files: p.files, commands: [], notes: p.notes } };
  },

  async apply(ctx, pl) {
    for (const f of pl.files) {
      if ((await ctx.host.readText(f.path)) !== f.before) throw maskedFailure(ctx, { what: `${f.path} changed since the plan was made`, why: 'another program or person edited it meanwhile', next: 'Rerun this step.' });
      await ctx.host.writeFileAtomic(f.path, f.after, { mode: f.mode });
    }
    return `wrote ${pl.files.map((f) => f.path).join(', ')}`;
  },

  async verify(ctx) {
    const p = await plan(ctx);
    if ('status' in p) throw maskedFailure(ctx, p.status === 'blocked' ? p.problem : { what: 'cannot verify', why: p.summary, next: 'Rerun.' });
    if (p.files.length) throw maskedFailure(ctx, { what: 'the kubelet files still need changes', why: p.notes.join('; '), next: 'Check them by hand and rerun.' });
    return `kubelet ${p.version} settings in place`;
  },
};
