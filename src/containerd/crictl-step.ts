// Step: point crictl at the containerd the wizard configured (/etc/crictl.yaml). Only the
// endpoint lines are touched; any other setting and comment stays.

import { Inspection, Step, StepContext } from '../steps/step.js';

function wantedEndpoint(ctx: StepContext): string {
  const s = ctx.facts.containerd.socket;
  return s.startsWith('unix://') ? s : `unix://${s}`;
}

/** Set `key: value` lines surgically; keys are top-level YAML scalars in this file. */
export function setCrictlEndpoints(text: string, endpoint: string): { text: string; changes: string[] } {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text === '' ? [] : text.split(/\r?\n/);
  const hadFinalNewline = text === '' || /\n$/.test(text);
  if (hadFinalNewline && lines.at(-1) === '') lines.pop();
  const changes: string[] = [];
  for (const key of ['runtime-endpoint', 'image-endpoint']) {
    const i = lines.findIndex((l) => new RegExp(`^${key}\\s*:`).test(l));
    if (i === -1) {
      lines.push(`${key}: ${endpoint}`);
      changes.push(`added ${key}: ${endpoint}`);
      continue;
    }
    const m = /^([^:]+:\s*)(["']?)([^"'#\s]*)\2(\s*(#.*)?)$/.exec(lines[i]!);
    if (m && m[3] === endpoint) continue;
    const comment = m?.[4] ?? '';
    lines[i] = `${key}: ${endpoint}${comment}`;
    changes.push(`${key}: ${m?.[3] ?? '?'} -> ${endpoint}`);
  }
  return { text: lines.join(eol) + (hadFinalNewline || changes.length ? eol : ''), changes };
}

export const crictlStep: Step = {
  id: 'crictl-endpoint',
  title: 'Point crictl at containerd',

  async inspect(ctx): Promise<Inspection> {
    const crictlYaml = ctx.options.crictlConfig;
    const before = await ctx.host.readText(crictlYaml);
    const { text, changes } = setCrictlEndpoints(before ?? '', wantedEndpoint(ctx));
    const namespaces = 'crictl (like the kubelet) sees only the k8s.io namespace of containerd; ctr uses "default" unless given -n k8s.io, so images imported with plain `ctr images import` are invisible to Kubernetes.';
    if (before !== null && changes.length === 0) return { status: 'done', summary: `${crictlYaml} already points at ${wantedEndpoint(ctx)}` };
    return { status: 'needed', summary: `${crictlYaml}: ${changes.join('; ')}`, plan: { files: [{ path: crictlYaml, before, after: text, mode: 0o644 }], commands: [], notes: [namespaces] } };
  },

  async apply(ctx, plan) {
    const f = plan.files[0]!;
    await ctx.host.writeFileAtomic(f.path, f.after, { mode: f.mode });
    return `wrote ${f.path}`;
  },

  async verify(ctx) {
    const crictlYaml = ctx.options.crictlConfig;
    const text = (await ctx.host.readText(crictlYaml)) ?? '';
    const want = wantedEndpoint(ctx);
    if (!new RegExp(`^runtime-endpoint:\\s*["']?${want.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}["']?\\s*(#.*)?$`, 'm').test(text)) {
      throw new Error(`${crictlYaml} does not say runtime-endpoint: ${want}`);
    }
    return `${crictlYaml} runtime-endpoint = ${want}`;
  },
};
