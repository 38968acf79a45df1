// Step: the RuntimeClass (handler = the runtime name in containerd, case E6; scheduling.nodeSelector
// on the node label) and the isolation-check pod. With --kubeconfig the wizard applies both itself
// (`kubectl apply -f -`) and waits, bounded, for the pod to run. Without one (the usual case on a
// worker, which has no admin credential) it writes both to a file in the state dir and says exactly
// what to run on the control plane: the step is then done, with instructions.

import { randomInt } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Inspection, Step, StepContext } from '../../steps/step.js';
import { readYamlDocuments, runtimeClassYaml, testPodYaml, yamlGet, yamlToJs } from '../manifests.js';
import { validateNodeLabel } from '../join.js';
import { blocked, maskedFailure, manifestFile, sleep, stateMachinePath, TEST_POD_NAME, TEST_POD_NAMESPACE } from './common.js';

export interface TestPodInfo {
  name: string;
  namespace: string;
  marker: string;
}

/** Reads a state file through the host when it lies under --root, else directly. */
export async function readStateFile(ctx: StepContext, realPath: string): Promise<string | null> {
  const m = stateMachinePath(ctx, realPath);
  if (m !== undefined) return ctx.host.readText(m);
  try {
    return readFileSync(realPath, 'utf8');
  } catch {
    return null;
  }
}

async function writeStateFile(ctx: StepContext, realPath: string, text: string): Promise<void> {
  const m = stateMachinePath(ctx, realPath);
  if (m !== undefined) {
    await ctx.host.writeFileAtomic(m, text, { mode: 0o644 });
    return;
  }
  mkdirSync(dirname(realPath), { recursive: true, mode: 0o755 });
  writeFileSync(realPath, text, { mode: 0o644 });
}

/** The test pod of a manifest file: name, namespace and the marker of its `sleep <marker>`. */
export function testPodOf(text: string): TestPodInfo | undefined {
  try {
    for (const doc of readYamlDocuments(text)) {
      const kind = yamlToJs(yamlGet(doc.root, ['kind']));
      if (kind !== 'Pod') continue;
      const name = yamlToJs(yamlGet(doc.root, ['metadata', 'name']));
      const ns = yamlToJs(yamlGet(doc.root, ['metadata', 'namespace']));
      const containers = yamlToJs(yamlGet(doc.root, ['spec', 'containers'])) as { command?: string[] }[] | null;
      const cmd = containers?.[0]?.command;
      if (typeof name === 'string' && cmd?.[0] === 'sleep' && /^\d+$/.test(cmd[1] ?? '')) return { name, namespace: typeof ns === 'string' ? ns : 'default', marker: cmd[1]! };
    }
  } catch {
    return undefined;
  }
  return undefined;
}

export function manifestsText(ctx: StepContext, marker: string): string {
  const label = validateNodeLabel(ctx.options.nodeLabel);
  const rc = runtimeClassYaml({ name: ctx.options.runtimeClass, handler: ctx.options.runtimeName, nodeLabel: label });
  const pod = testPodYaml({ name: TEST_POD_NAME, namespace: TEST_POD_NAMESPACE, runtimeClassName: ctx.options.runtimeClass, image: ctx.options.image, marker, nodeLabel: label });
  return `${rc}---\n${pod}`;
}

export function kubectl(ctx: StepContext, args: string[]): string[] {
  return ['kubectl', '--kubeconfig', ctx.options.kubeconfig!, ...args];
}

/** The manifests as they should be: the marker of an existing file is kept (its pod may exist already). */
async function wanted(ctx: StepContext): Promise<{ path: string; before: string | null; text: string; pod: TestPodInfo }> {
  const path = manifestFile(ctx);
  const before = await readStateFile(ctx, path);
  const old = before ? testPodOf(before) : undefined;
  const marker = old?.marker ?? String(randomInt(300_000_000, 999_999_999));
  const text = manifestsText(ctx, marker);
  return { path, before, text, pod: { name: TEST_POD_NAME, namespace: TEST_POD_NAMESPACE, marker } };
}

function controlPlaneInstructions(ctx: StepContext, path: string): string[] {
  return [
    `copy ${path} to a machine with cluster-admin access (a control-plane node), then run there:`,
    `  kubectl apply -f ${path.split('/').pop()}`,
    `  kubectl get pod ${TEST_POD_NAME} -n ${TEST_POD_NAMESPACE} -o wide   # must be Running on this node`,
    `the pod-check step then looks for it on this node (it waits up to ${ctx.options.checkTimeoutSeconds} s); afterwards: kubectl delete pod ${TEST_POD_NAME} -n ${TEST_POD_NAMESPACE}`,
  ];
}

/** Waits (bounded) for the pod's phase; returns the last phase seen. */
export async function waitForPodPhase(ctx: StepContext, pod: TestPodInfo, deadline: number): Promise<string> {
  let phase = '';
  while (Date.now() < deadline && !ctx.signal.aborted) {
    const r = await ctx.host.run(kubectl(ctx, ['get', 'pod', pod.name, '-n', pod.namespace, '-o', 'jsonpath={.status.phase}']), { readOnly: true, quiet: true, timeoutMs: 20_000, signal: ctx.signal });
    phase = r.ok ? r.stdout.trim() : phase;
    if (phase === 'Running' || phase === 'Failed' || phase === 'Succeeded') return phase;
    await sleep(2000, ctx.signal);
  }
  return phase || 'unknown';
}

export const runtimeClassStep: Step = {
  id: 'kube-runtimeclass',
  title: 'RuntimeClass and test pod',

  async inspect(ctx): Promise<Inspection> {
    let w;
    try {
      w = await wanted(ctx);
    } catch (e) {
      return blocked(ctx, 'the manifests cannot be written', { what: 'the RuntimeClass or test pod is not valid', why: (e as Error).message, next: 'Fix --runtime-class, --runtime-name, --node-label or --image, then rerun.' });
    }
    const yamlLines = w.text.trimEnd().split('\n').map((l) => `  ${l}`);
    if (ctx.options.kubeconfig) {
      return {
        status: 'needed',
        summary: `apply RuntimeClass ${ctx.options.runtimeClass} (handler ${ctx.options.runtimeName}) and the test pod with ${ctx.options.kubeconfig}`,
        plan: {
          files: w.before === w.text ? [] : [{ path: w.path, before: w.before, after: w.text, mode: 0o644 }],
          commands: [kubectl(ctx, ['apply', '-f', '-']), kubectl(ctx, ['get', 'pod', TEST_POD_NAME, '-n', TEST_POD_NAMESPACE, '-o', 'jsonpath={.status.phase}'])],
          notes: ['applied from standard input:', ...yamlLines, `then waits up to ${ctx.options.checkTimeoutSeconds} s for the pod to be Running`],
        },
      };
    }
    const notes = ['no --kubeconfig: a worker has no admin credential, so the manifests are written for the control plane:', ...yamlLines, ...controlPlaneInstructions(ctx, w.path)];
    if (w.before === w.text) return { status: 'done', summary: `${w.path} is ready: ${controlPlaneInstructions(ctx, w.path).slice(0, 2).join(' ')}` };
    return { status: 'needed', summary: `write ${w.path} for the control plane`, plan: { files: [{ path: w.path, before: w.before, after: w.text, mode: 0o644 }], commands: [], notes } };
  },

  async apply(ctx, plan) {
    const w = await wanted(ctx);
    const f = plan.files[0];
    if (f) await writeStateFile(ctx, f.path, f.after);
    const text = f?.after ?? w.text;
    if (!ctx.options.kubeconfig) return `wrote ${w.path}`;
    const applied = await ctx.host.run(kubectl(ctx, ['apply', '-f', '-']), { input: text, timeoutMs: 60_000, signal: ctx.signal });
    if (!applied.ok) throw maskedFailure(ctx, { what: 'kubectl apply failed', why: (applied.stderr || applied.stdout || applied.spawnError || '').trim().split('\n').slice(-2).join(' / '), next: `Check that ${ctx.options.kubeconfig} works (kubectl --kubeconfig ${ctx.options.kubeconfig} get nodes), then rerun.` });
    const pod = testPodOf(text)!;
    const phase = await waitForPodPhase(ctx, pod, Date.now() + ctx.options.checkTimeoutSeconds * 1000);
    ctx.results.set('kube-pod-phase', phase);
    if (phase !== 'Running') {
      throw maskedFailure(ctx, {
        what: `the test pod is ${phase}, not Running`,
        why: `kubectl get pod ${pod.name} shows ${phase} after ${ctx.options.checkTimeoutSeconds} s`,
        next: `kubectl --kubeconfig ${ctx.options.kubeconfig} describe pod ${pod.name} tells why (no node with label ${ctx.options.nodeLabel}? 'no runtime for "${ctx.options.runtimeName}" is configured' means containerd on the node lacks the handler).`,
      });
    }
    return `RuntimeClass ${ctx.options.runtimeClass} applied; pod ${pod.name} Running`;
  },

  async verify(ctx) {
    const path = manifestFile(ctx);
    if (!ctx.options.kubeconfig) {
      return `${path} written (mode 0644). On the control plane: kubectl apply -f ${path.split('/').pop()} — the YAML and the commands are in the plan above and in the log`;
    }
    return `RuntimeClass ${ctx.options.runtimeClass} (handler ${ctx.options.runtimeName}) is in the cluster; the test pod runs`;
  },
};
