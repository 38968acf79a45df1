// Step: the pod isolation check on the node. The test pod runs `sleep <marker>` (testPodYaml). Under
// gVisor that process lives in the sandbox's own kernel: it is invisible in the host's process list,
// and a runsc sandbox process (`runsc-sandbox ... boot ... <container id>`) hosts the pod's
// containers. Evidence, all read on this node:
//   - the pod's containers in containerd's k8s.io namespace (`ctr -n k8s.io containers ls` filtered on
//     the CRI label io.kubernetes.pod.name), and that one of them runs `sleep <marker>` (its spec);
//   - a runsc sandbox process naming one of those container ids;
//   - the marker absent from the host's processes — visible there means "ran on the host kernel";
//   - with --kubeconfig: `kubectl exec ... dmesg` shows gVisor's boot log.
// Without a kubeconfig the operator creates the pod on the control plane: the check waits (bounded by
// --check-timeout) for its containers to appear here, and says what it found.

import { ctr } from '../../containerd/ctr.js';
import { hostProcessesWithMarker } from '../../check/evidence.js';
import type { Inspection, Step, StepContext } from '../../steps/step.js';
import type { CheckView, EvidenceItem, Problem } from '../../wizard/state.js';
import { maskedFailure, manifestFile, sleep, TEST_POD_NAME, TEST_POD_NAMESPACE } from './common.js';
import { kubectl, readStateFile, testPodOf, waitForPodPhase, type TestPodInfo } from './runtimeclass.js';

export const K8S_NAMESPACE = 'k8s.io';

/** CRI ids are 64 hex digits: shown short, like crictl does; other names whole. */
const short = (id: string): string => (/^[0-9a-f]{64}$/.test(id) ? id.slice(0, 13) : id);

export interface PodContainer {
  id: string;
  runtime: string;
  args?: string[];
}

/** `ctr containers ls` output: CONTAINER IMAGE RUNTIME. */
export function parseContainersLs(stdout: string): { id: string; image: string; runtime: string }[] {
  return stdout.split('\n').slice(1).map((l) => l.trim().split(/\s+/)).filter((c) => c.length >= 3 && c[0]).map((c) => ({ id: c[0]!, image: c[1]!, runtime: c[2]! }));
}

async function podContainers(ctx: StepContext, pod: TestPodInfo): Promise<PodContainer[]> {
  const filter = `labels."io.kubernetes.pod.name"==${pod.name}`;
  const ls = await ctr(ctx, ['-n', K8S_NAMESPACE, 'containers', 'ls', filter], { readOnly: true, quiet: true, timeoutMs: 15_000 });
  if (!ls.ok) return [];
  const out: PodContainer[] = [];
  for (const c of parseContainersLs(ls.stdout)) {
    const info = await ctr(ctx, ['-n', K8S_NAMESPACE, 'containers', 'info', c.id], { readOnly: true, quiet: true, timeoutMs: 15_000 });
    let args: string[] | undefined;
    let ns: string | undefined;
    try {
      const j = JSON.parse(info.stdout) as { Labels?: Record<string, string>; Spec?: { process?: { args?: string[] } } };
      args = j.Spec?.process?.args;
      ns = j.Labels?.['io.kubernetes.pod.namespace'];
    } catch {
      // not JSON: no spec evidence
    }
    if (ns !== undefined && ns !== pod.namespace) continue;
    out.push({ id: c.id, runtime: c.runtime, args });
  }
  return out;
}

/** runsc processes (the sandbox, `runsc-sandbox`, and its gofer) that name one of the ids. */
async function sandboxesFor(ctx: StepContext, ids: string[]): Promise<{ pid: number; exe: string; id: string }[]> {
  const out = [];
  for (const p of await ctx.host.listProcesses()) {
    const exe = (p.argv[0] ?? '').split('/').pop() ?? '';
    if (!/^runsc(-sandbox|-gofer)?$/.test(exe)) continue;
    const id = ids.find((i) => p.argv.some((a) => a === i || a.endsWith(`/${i}`)));
    if (id) out.push({ pid: p.pid, exe, id });
  }
  return out;
}

export async function runPodCheck(ctx: StepContext): Promise<CheckView> {
  const evidence: EvidenceItem[] = [];
  const fail = (problem: Problem): CheckView => ({ passed: false, verdict: problem.what, evidence, problem });
  const text = await readStateFile(ctx, manifestFile(ctx));
  const pod = text ? testPodOf(text) : undefined;
  if (!pod) {
    return fail({ what: 'no test pod to look for', why: `${manifestFile(ctx)} is missing or holds no test pod`, next: 'Run the kube-runtimeclass step first (gvisor-wizard apply ... --kubernetes).' });
  }
  const deadline = Date.now() + ctx.options.checkTimeoutSeconds * 1000;
  const kc = Boolean(ctx.options.kubeconfig);
  if (kc) {
    const phase = await waitForPodPhase(ctx, pod, deadline);
    evidence.push({ label: 'pod is Running', ok: phase === 'Running', detail: `kubectl get pod ${pod.name}: ${phase}` });
  } else {
    ctx.log.info(`waiting up to ${ctx.options.checkTimeoutSeconds} s for pod ${pod.namespace}/${pod.name} (created on the control plane from ${manifestFile(ctx)}) to run on this node`);
  }

  // The pod's containers on this node, and a runsc sandbox for them.
  let containers: PodContainer[] = [];
  let sandboxes: { pid: number; exe: string; id: string }[] = [];
  let runsMarker: PodContainer | undefined;
  while (!ctx.signal.aborted) {
    containers = await podContainers(ctx, pod);
    runsMarker = containers.find((c) => c.args?.[0] === 'sleep' && c.args[1] === pod.marker);
    sandboxes = await sandboxesFor(ctx, containers.map((c) => c.id));
    if ((runsMarker && sandboxes.length > 0) || Date.now() >= deadline) break;
    // A pod running on the host kernel never gets a sandbox: stop waiting once the marker is on the host.
    if (runsMarker && (await hostProcessesWithMarker(ctx.host, ['sleep', pod.marker])).length > 0) break;
    await sleep(2000, ctx.signal);
  }
  if (ctx.signal.aborted) return fail({ what: 'interrupted', why: 'the operator quit while the check was waiting', next: 'Run it again: gvisor-wizard check --runtime containerd --kubernetes.' });
  evidence.push({
    label: "the pod's containers are on this node",
    ok: containers.length > 0,
    detail: containers.length ? `ctr -n ${K8S_NAMESPACE}: ${containers.map((c) => `${short(c.id)} (${c.runtime})`).join(', ')}` : `no container labelled io.kubernetes.pod.name=${pod.name} in containerd's ${K8S_NAMESPACE} namespace`,
  });
  if (containers.length === 0) {
    return fail({
      what: 'the test pod did not appear on this node',
      why: `within ${ctx.options.checkTimeoutSeconds} s no container of pod ${pod.namespace}/${pod.name} showed up in containerd (${K8S_NAMESPACE} namespace)`,
      next: kc
        ? `kubectl --kubeconfig ${ctx.options.kubeconfig} get pod ${pod.name} -o wide shows where it runs: it must be scheduled on this node (label ${ctx.options.nodeLabel}).`
        : `Apply ${manifestFile(ctx)} on the control plane (kubectl apply -f gvisor-runtimeclass.yaml), then run the check again: gvisor-wizard check --runtime containerd --kubernetes (--check-timeout S waits longer).`,
    });
  }
  evidence.push({ label: 'a container runs the marker', ok: Boolean(runsMarker), detail: runsMarker ? `${short(runsMarker.id)} runs \`sleep ${pod.marker}\`` : `no container of the pod has \`sleep ${pod.marker}\` in its spec (an older pod from another manifest?)` });

  const onHost = await hostProcessesWithMarker(ctx.host, ['sleep', pod.marker]);
  evidence.push({ label: 'marker absent from the host process list', ok: onHost.length === 0, detail: onHost.length ? `host pid ${onHost.map((p) => p.pid).join(', ')} runs \`sleep ${pod.marker}\`` : `no host process runs \`sleep ${pod.marker}\`` });
  evidence.push({ label: 'a runsc sandbox hosts the pod', ok: sandboxes.length > 0, detail: sandboxes.length ? sandboxes.map((s) => `${s.exe} pid ${s.pid} (container ${short(s.id)})`).join(', ') : 'no runsc-sandbox process names a container of the pod' });

  if (kc) {
    const dmesg = await ctx.host.run(kubectl(ctx, ['exec', pod.name, '-n', pod.namespace, '--', 'dmesg']), { readOnly: true, timeoutMs: 30_000, signal: ctx.signal });
    const boot = dmesg.stdout.split('\n').find((l) => /gVisor/i.test(l));
    evidence.push({ label: "guest kernel log is gVisor's", ok: Boolean(boot), detail: boot?.trim() ?? `kubectl exec dmesg shows no gVisor line${dmesg.ok ? '' : ` (${(dmesg.stderr || '').trim().split('\n')[0]})`}` });
  }

  if (onHost.length > 0) {
    return fail({
      what: 'ran on the host kernel',
      why: `the pod's \`sleep ${pod.marker}\` is visible in the host's process list, so it is not sandboxed (the RuntimeClass handler "${ctx.options.runtimeName}" does not run gVisor, or the pod has no runtimeClassName)`,
      next: `Check the handler: containerd config dump must show runtimes.${ctx.options.runtimeName} pointing at runsc, and the pod must use runtimeClassName ${ctx.options.runtimeClass}.`,
    });
  }
  const missing = evidence.filter((e) => !e.ok);
  if (missing.length) {
    return fail({ what: 'isolation not proven', why: missing.map((m) => `${m.label}: ${m.detail}`).join('; '), next: 'Look at the evidence above; rerun the check once the pod runs (gvisor-wizard check --runtime containerd --kubernetes).' });
  }
  return { passed: true, verdict: `pod ${pod.namespace}/${pod.name} runs inside gVisor (RuntimeClass ${ctx.options.runtimeClass}, handler ${ctx.options.runtimeName})`, evidence };
}

export const podCheckStep: Step = {
  id: 'kube-pod-check',
  title: 'Prove that the test pod runs inside gVisor',

  async inspect(ctx): Promise<Inspection> {
    return {
      status: 'needed',
      summary: ctx.options.kubeconfig ? `check pod ${TEST_POD_NAME} on this node` : `wait up to ${ctx.options.checkTimeoutSeconds} s for pod ${TEST_POD_NAME} (created on the control plane) and check it on this node`,
      plan: {
        files: [],
        commands: [
          ['ctr', '--address', ctx.facts.containerd.socket, '-n', K8S_NAMESPACE, 'containers', 'ls', `labels."io.kubernetes.pod.name"==${TEST_POD_NAME}`],
          ...(ctx.options.kubeconfig ? [kubectl(ctx, ['exec', TEST_POD_NAME, '-n', TEST_POD_NAMESPACE, '--', 'dmesg']), kubectl(ctx, ['delete', 'pod', TEST_POD_NAME, '-n', TEST_POD_NAMESPACE, '--wait=false'])] : []),
        ],
        notes: ["The pod's `sleep <marker>` must be absent from the host's process list and a runsc sandbox must host its containers."],
      },
    };
  },

  async apply(ctx) {
    const check = await runPodCheck(ctx);
    ctx.reportCheck(check);
    for (const e of check.evidence) ctx.log.info(`evidence: [${e.ok ? 'ok' : '!!'}] ${e.label}: ${e.detail}`);
    if (ctx.options.kubeconfig) {
      await ctx.host.run(kubectl(ctx, ['delete', 'pod', TEST_POD_NAME, '-n', TEST_POD_NAMESPACE, '--wait=false', '--ignore-not-found']), { timeoutMs: 30_000 });
    } else {
      ctx.log.info(`when done: kubectl delete pod ${TEST_POD_NAME} -n ${TEST_POD_NAMESPACE} (on the control plane)`);
    }
    if (!check.passed) throw maskedFailure(ctx, check.problem ?? { what: check.verdict, why: 'see the evidence', next: 'Run the check again after fixing the cause.' });
    ctx.results.set('check', check);
    return check.verdict;
  },

  async verify(ctx) {
    const check = ctx.results.get('check') as CheckView | undefined;
    return `${check?.evidence.length ?? 0} pieces of evidence collected`;
  },
};
