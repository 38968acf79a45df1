// The Kubernetes node steps against real files under a temp node root (--kube-root) and stand-in
// executables (kubeadm, kubelet, kubectl, swapoff, modprobe, sysctl) first on PATH.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { parse as parseToml } from '@iarna/toml';
import { parseCli, UsageError } from '../../src/cli/args.js';
import { checkRuntimeClassFixture } from '../../src/kube/manifests.js';
import { cgroupDriverStep, joinStep, kubeletFlagsStep, kubernetesSteps, prepareHostStep, runtimeClassStep } from '../../src/kube/steps/index.js';
import { procSysPath } from '../../src/kube/steps/common.js';
import { preflightChecks } from '../../src/kube/steps/preflight.js';
import { testPodOf } from '../../src/kube/steps/runtimeclass.js';
import { parseContainersLs } from '../../src/kube/steps/pod-check.js';
import { RunLog } from '../../src/log/run-log.js';
import { runOneStep, type RunHooks } from '../../src/steps/runner.js';
import type { Step } from '../../src/steps/step.js';
import { stepsFor } from '../../src/wizard/session.js';
import type { CheckView, Problem } from '../../src/wizard/state.js';
import { makeKubeStandins, makeNodeRoot, type KubeStandinOptions, type KubeStandins } from '../helpers/kube-standins.js';
import { sharedDir } from '../helpers/paths.js';
import { minimalFacts, tempStepContext, type TempContext } from '../helpers/step-context.js';

const cases = join(sharedDir(), 'cases');
const readCase = (n: string) => readFileSync(join(cases, n), 'utf8');
const TOKEN = 'k8s9zq.w7x1v3m5p0r2t4y6';
const HEX = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const HASH = `sha256:${HEX}`;
const JOIN = `kubeadm join 192.0.2.10:6443 --token ${TOKEN} --discovery-token-ca-cert-hash ${HASH}`;
const NODE = '/node';

const savedPath = process.env.PATH;
after(() => { process.env.PATH = savedPath; });

interface Env {
  t: TempContext;
  s: KubeStandins;
  /** Real path of a node file. */
  node(p: string): string;
  logDir: string;
}

function setup(over: { options?: Record<string, unknown>; standins?: Partial<KubeStandinOptions>; fstab?: string; swaps?: string[] } = {}): Env {
  const t = tempStepContext({
    options: { engine: 'containerd', kubernetes: true, kubeRoot: NODE, join: JOIN, stateDir: '', ...over.options },
    facts: { ...minimalFacts(), containerd: { installed: true, running: true, socket: '/run/containerd/containerd.sock', configFile: '/etc/containerd/config.toml' } },
  });
  const logDir = join(dirname(t.root), 'log');
  // A log with a file, like a real run: every line is checked for secrets later.
  (t.ctx as { log: RunLog }).log = new RunLog({ dir: logDir });
  (t.host as unknown as { log: RunLog }).log = t.ctx.log;
  t.ctx.options.stateDir = join(t.root, 'var/lib/gvisor-wizard');
  const nodeRoot = t.real(NODE);
  makeNodeRoot(nodeRoot, { fstab: over.fstab, swaps: over.swaps });
  const s = makeKubeStandins(join(dirname(t.root), 'standins'), { root: nodeRoot, ...over.standins });
  process.env.PATH = `${s.bin}:${savedPath}`;
  return { t, s, node: (p) => join(nodeRoot, p), logDir };
}

function hooks(): RunHooks & { problems: Problem[]; checks: CheckView[] } {
  const problems: Problem[] = [];
  return {
    problems,
    checks: [],
    report: (_id, r) => { if (r.problem) problems.push(r.problem); },
    confirm: async () => true,
  };
}

async function run(e: Env, step: Step) {
  const h = hooks();
  const out = await runOneStep(step, e.t.ctx, h);
  e.t.ctx.log.flush();
  return { ...out, h };
}

/** Every file below dir, read as text. */
function allText(dir: string): string {
  let out = '';
  const walk = (d: string) => {
    for (const n of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, n.name);
      if (n.isDirectory()) walk(p);
      else out += readFileSync(p, 'utf8');
    }
  };
  try { walk(dir); } catch { /* missing */ }
  return out;
}

function assertNoSecrets(text: string, where: string): void {
  for (const s of [TOKEN, TOKEN.split('.')[1]!, HASH, HEX]) assert.ok(!text.includes(s), `${where} contains a secret (${s.slice(0, 6)}…)`);
}

describe('kube-prepare-host (D1, D2) on a temp node root', () => {
  it('swapoff, fstab swap lines commented, modules loaded before the sysctls, read back 1; rerun changes nothing', async () => {
    const e = setup({ fstab: readCase('fstab-swapfile.fstab'), swaps: ['/swap.img'] });
    try {
      const found = await prepareHostStep.inspect(e.t.ctx);
      assert.equal(found.status, 'needed');
      if (found.status !== 'needed') return;
      assert.deepEqual(found.plan.commands, [['swapoff', '-a'], ['modprobe', 'overlay'], ['modprobe', 'br_netfilter'], ['sysctl', '--system']]);
      assert.deepEqual(found.plan.files.map((f) => f.path), [`${NODE}/etc/fstab`, `${NODE}/etc/modules-load.d/k8s.conf`, `${NODE}/etc/sysctl.d/k8s.conf`]);

      const r = await run(e, prepareHostStep);
      assert.equal(r.ok, true, JSON.stringify(r.problem));
      assert.equal(readFileSync(e.node('etc/fstab'), 'utf8'), readCase('fstab-swapfile.expected.fstab'));
      assert.equal(readFileSync(e.node('etc/modules-load.d/k8s.conf'), 'utf8'), readCase('modules-load-k8s.expected.conf'));
      assert.equal(readFileSync(e.node('etc/sysctl.d/k8s.conf'), 'utf8'), readCase('sysctl-k8s.conf'));
      assert.equal(statSync(e.node('etc/sysctl.d/k8s.conf')).mode & 0o777, 0o644);
      for (const k of ['net/bridge/bridge-nf-call-iptables', 'net/bridge/bridge-nf-call-ip6tables', 'net/ipv4/ip_forward']) {
        assert.equal(readFileSync(e.node(`proc/sys/${k}`), 'utf8').trim(), '1', k);
      }
      // order: modules loaded (br_netfilter creates /proc/sys/net/bridge) before sysctl runs
      assert.deepEqual(e.s.calls().map((c) => c.slice(0, 2).join(' ')), ['swapoff -a', 'modprobe overlay', 'modprobe br_netfilter', 'sysctl --system']);
      assert.equal(procSysPath(e.t.ctx, 'net.ipv4.ip_forward'), `${NODE}/proc/sys/net/ipv4/ip_forward`);

      const again = await prepareHostStep.inspect(e.t.ctx);
      assert.equal(again.status, 'done', JSON.stringify(again));
    } finally { e.t.dispose(); }
  });

  it('reports active swap that /etc/fstab does not explain', async () => {
    const e = setup({ fstab: '# no swap here\n', swaps: ['/dev/zram0'] });
    try {
      const found = await prepareHostStep.inspect(e.t.ctx);
      assert.equal(found.status, 'needed');
      if (found.status !== 'needed') return;
      assert.ok(found.plan.notes.some((n) => /\/dev\/zram0 .*no active fstab line names it/.test(n)), found.plan.notes.join('\n'));
      assert.ok(!found.plan.files.some((f) => f.path.endsWith('/etc/fstab')));
    } finally { e.t.dispose(); }
  });

  it('adds the control-plane /etc/hosts entry', async () => {
    const e = setup({ fstab: '', options: { controlPlaneHost: '192.0.2.10 k8s-api.example' } });
    try {
      const r = await run(e, prepareHostStep);
      assert.equal(r.ok, true, JSON.stringify(r.problem));
      assert.match(readFileSync(e.node('etc/hosts'), 'utf8'), /^192\.0\.2\.10\tk8s-api\.example$/m);
    } finally { e.t.dispose(); }
  });
});

describe('kube-containerd-cri: cgroup triad (F1) and the CRI plugin (B3)', () => {
  function withContainerd(e: Env, config: string, runscToml?: string): void {
    mkdirSync(e.t.real('/etc/containerd'), { recursive: true });
    writeFileSync(e.t.real('/etc/containerd/config.toml'), config);
    if (runscToml !== undefined) writeFileSync(e.t.real('/etc/containerd/runsc.toml'), runscToml);
  }

  it("shows all four values and makes containerd and runsc.toml follow the kubelet's cgroupfs", async () => {
    const e = setup();
    try {
      withContainerd(e, readCase('runsc-cgroup-mismatch.containerd-excerpt.toml'), readCase('runsc-cgroup-mismatch.runsc.toml'));
      mkdirSync(e.node('var/lib/kubelet'), { recursive: true });
      writeFileSync(e.node('var/lib/kubelet/config.yaml'), readCase('runsc-cgroup-mismatch.kubelet-config.yaml'));
      const found = await cgroupDriverStep.inspect(e.t.ctx);
      assert.equal(found.status, 'needed', JSON.stringify(found));
      if (found.status !== 'needed') return;
      const notes = found.plan.notes.join('\n');
      assert.match(notes, /the kubelet's wins: cgroupfs/);
      assert.match(notes, /ok +containerd runtimes\.runc\.options SystemdCgroup: false/);
      assert.match(notes, /change containerd runtimes\.runsc\.options SystemdCgroup: true → false/);
      assert.match(notes, /change runsc\.toml \[runsc_config\] systemd-cgroup: "true" → "false"/);
      const byPath = new Map(found.plan.files.map((f) => [f.path, f.after]));
      const cfg = parseToml(byPath.get('/etc/containerd/config.toml')!) as any;
      assert.equal(cfg.plugins['io.containerd.grpc.v1.cri'].containerd.runtimes.runsc.options.SystemdCgroup, false);
      assert.equal(cfg.plugins['io.containerd.grpc.v1.cri'].containerd.runtimes.runsc.options.ConfigPath, '/etc/containerd/runsc.toml');
      assert.equal((parseToml(byPath.get('/etc/containerd/runsc.toml')!) as any).runsc_config['systemd-cgroup'], 'false');
      assert.ok(found.plan.commands.some((c) => c.join(' ') === 'systemctl restart containerd'));
    } finally { e.t.dispose(); }
  });

  it('without a kubelet config yet: systemd (what kubeadm join writes), and "cri" leaves disabled_plugins', async () => {
    const e = setup();
    try {
      const disabled = readCase('containerd-disabled-cri.toml');
      withContainerd(e, `version = 2\n${disabled}\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runsc]\n  runtime_type = "io.containerd.runc.v2"\n  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runsc.options]\n    BinaryName = "/usr/local/bin/runsc-for-runc-shim"\n`);
      const found = await cgroupDriverStep.inspect(e.t.ctx);
      assert.equal(found.status, 'needed', JSON.stringify(found));
      if (found.status !== 'needed') return;
      const notes = found.plan.notes.join('\n');
      assert.match(notes, /the kubelet's wins: systemd \(no \/var\/lib\/kubelet\/config\.yaml yet/);
      assert.match(notes, /CRI plugin: .*removed "cri" from disabled_plugins/);
      const after = parseToml(found.plan.files[0]!.after) as any;
      assert.ok(!(after.disabled_plugins ?? []).includes('cri'));
      assert.equal(after.plugins['io.containerd.grpc.v1.cri'].containerd.runtimes.runc.options.SystemdCgroup, true);
      assert.equal(after.plugins['io.containerd.grpc.v1.cri'].containerd.runtimes.runsc.options.SystemdCgroup, true);
      // comments of the original file stay
      for (const line of disabled.split('\n').filter((l) => l.trim().startsWith('#'))) assert.ok(found.plan.files[0]!.after.includes(line), line);
    } finally { e.t.dispose(); }
  });
});

describe('kube-kubelet-flags (E1) and the node label', () => {
  it('removes --container-runtime for kubelet 1.30 and puts the label and taint in KUBELET_EXTRA_ARGS', async () => {
    const e = setup({ options: { nodeTaint: 'gvisor.dev/runsc=true:NoSchedule' } });
    try {
      mkdirSync(e.node('var/lib/kubelet'), { recursive: true });
      writeFileSync(e.node('var/lib/kubelet/kubeadm-flags.env'), readCase('kubelet-removed-flag.kubeadm-flags.env'));
      const r = await run(e, kubeletFlagsStep);
      assert.equal(r.ok, true, JSON.stringify(r.problem));
      assert.equal(readFileSync(e.node('var/lib/kubelet/kubeadm-flags.env'), 'utf8'), readCase('kubelet-removed-flag.expected.kubeadm-flags.env'));
      assert.equal(readFileSync(e.node('etc/default/kubelet'), 'utf8'), 'KUBELET_EXTRA_ARGS="--node-labels=gvisor.dev/runsc=true --register-with-taints=gvisor.dev/runsc=true:NoSchedule"\n');
      assert.equal((await kubeletFlagsStep.inspect(e.t.ctx)).status, 'done');
    } finally { e.t.dispose(); }
  });

  it('keeps --container-runtime=remote for kubelet 1.26', async () => {
    const e = setup({ standins: { kubeletVersion: 'v1.26.9' } });
    try {
      mkdirSync(e.node('var/lib/kubelet'), { recursive: true });
      writeFileSync(e.node('var/lib/kubelet/kubeadm-flags.env'), readCase('kubelet-removed-flag.kubeadm-flags.env'));
      const found = await kubeletFlagsStep.inspect(e.t.ctx);
      assert.equal(found.status, 'needed');
      if (found.status !== 'needed') return;
      assert.deepEqual(found.plan.files.map((f) => f.path), [`${NODE}/etc/default/kubelet`]);
    } finally { e.t.dispose(); }
  });

  it('refuses a label the kubelet may not set on itself', async () => {
    const e = setup({ options: { nodeLabel: 'node-role.kubernetes.io/gvisor=' } });
    try {
      const found = await kubeletFlagsStep.inspect(e.t.ctx);
      assert.equal(found.status, 'blocked');
      if (found.status === 'blocked') assert.match(found.problem.why, /NodeRestriction/);
    } finally { e.t.dispose(); }
  });
});

describe('kube-join (E2, E3, E4) with a kubeadm stand-in', () => {
  it('passes --cri-socket, streams the output, never shows the token or hash', async () => {
    const e = setup({ standins: { kubeadmBehaviour: 'multiple-cri' } });
    const lines: string[] = [];
    try {
      e.t.ctx.log.subscribe((l) => lines.push(l.text));
      const found = await joinStep.inspect(e.t.ctx);
      assert.equal(found.status, 'needed');
      if (found.status !== 'needed') return;
      assertNoSecrets(JSON.stringify(found), 'the plan');
      assert.deepEqual(found.plan.commands[0]!.slice(-2), ['--cri-socket', 'unix:///run/containerd/containerd.sock']);
      const r = await run(e, joinStep);
      assert.equal(r.ok, true, JSON.stringify(r.problem));
      const call = e.s.calls().find((c) => c[0] === 'kubeadm' && c[1] === 'join')!;
      assert.deepEqual(call.slice(1), ['join', '192.0.2.10:6443', '--token', TOKEN, '--discovery-token-ca-cert-hash', HASH, '--cri-socket', 'unix:///run/containerd/containerd.sock']);
      assert.ok(lines.includes('This node has joined the cluster:'), 'kubeadm output is streamed into the log');
      assert.ok(lines.some((l) => /join arguments: .*k8s9zq\.\*\*\*\*/.test(l) || /k8s\*\*\*\*/.test(l)), 'the echoed token is masked');
      assertNoSecrets(lines.join('\n'), 'the live log');
      assertNoSecrets(allText(e.logDir), 'the log file');
      assertNoSecrets(allText(e.t.ctx.options.stateDir), 'the state dir');
      assert.equal((await joinStep.inspect(e.t.ctx)).status, 'done');
    } finally { e.t.dispose(); }
  });

  it('an expired token says how to print a new join command, without the token', async () => {
    const e = setup({ standins: { kubeadmBehaviour: 'expired-token' } });
    try {
      const r = await run(e, joinStep);
      assert.equal(r.ok, false);
      assert.match(r.problem!.what, /does not know this join token/);
      assert.match(r.problem!.next, /kubeadm token create --print-join-command/);
      assertNoSecrets(JSON.stringify(r.problem), 'the problem');
      assertNoSecrets(allText(e.logDir), 'the log file');
    } finally { e.t.dispose(); }
  });

  it('a malformed join line is blocked at inspect, before anything runs', async () => {
    const e = setup({ options: { join: readCase('join-command-stray-dot.txt') } });
    try {
      const found = await joinStep.inspect(e.t.ctx);
      assert.equal(found.status, 'blocked');
      if (found.status === 'blocked') assert.match(found.problem.why, /line \d+, column \d+/);
      assert.deepEqual(e.s.calls().filter((c) => c[0] === 'kubeadm'), []);
      assertNoSecrets(JSON.stringify(found), 'the problem');
    } finally { e.t.dispose(); }
  });
});

describe('kube-runtimeclass (E6)', () => {
  it('without a kubeconfig: writes the manifests (0644) and shows the YAML and the commands for the control plane', async () => {
    const e = setup();
    try {
      const found = await runtimeClassStep.inspect(e.t.ctx);
      assert.equal(found.status, 'needed');
      if (found.status !== 'needed') return;
      const notes = found.plan.notes.join('\n');
      assert.match(notes, /^ {2}handler: runsc$/m);
      assert.match(notes, /kubectl apply -f gvisor-runtimeclass\.yaml/);
      const r = await run(e, runtimeClassStep);
      assert.equal(r.ok, true, JSON.stringify(r.problem));
      const file = join(e.t.ctx.options.stateDir, 'gvisor-runtimeclass.yaml');
      assert.equal(statSync(file).mode & 0o777, 0o644);
      const text = readFileSync(file, 'utf8');
      const rc = checkRuntimeClassFixture(text, { handler: 'runsc', name: 'gvisor' });
      assert.ok(rc.ok, JSON.stringify(rc));
      assert.deepEqual(rc.runtimeClasses[0]!.nodeSelector, { 'gvisor.dev/runsc': 'true' });
      const pod = testPodOf(text)!;
      assert.equal(pod.name, 'gvisor-wizard-check');
      assert.match(pod.marker, /^\d{9}$/);
      // rerun: done (with the instructions), same marker
      const again = await runtimeClassStep.inspect(e.t.ctx);
      assert.equal(again.status, 'done');
      assert.match(again.summary, /kubectl apply -f/);
      assert.equal(readFileSync(file, 'utf8'), text);
    } finally { e.t.dispose(); }
  });

  it('with a kubeconfig: kubectl apply -f - with the YAML on stdin, then waits for Running', async () => {
    const e = setup({ options: { kubeconfig: '/root/admin.conf', checkTimeoutSeconds: 10 } });
    try {
      const r = await run(e, runtimeClassStep);
      assert.equal(r.ok, true, JSON.stringify(r.problem));
      const applied = readFileSync(join(e.s.bin, 'kubectl-applied.yaml'), 'utf8');
      assert.match(applied, /kind: RuntimeClass[\s\S]*handler: runsc[\s\S]*kind: Pod/);
      const calls = e.s.calls().filter((c) => c[0] === 'kubectl').map((c) => c.slice(1, 6).join(' '));
      assert.deepEqual(calls.slice(0, 2), ['--kubeconfig /root/admin.conf apply -f -', '--kubeconfig /root/admin.conf get pod gvisor-wizard-check']);
    } finally { e.t.dispose(); }
  });
});

describe('preflight, wiring and flags', () => {
  it('names each check', async () => {
    const e = setup();
    try {
      const checks = await preflightChecks(e.t.ctx);
      const names = checks.map((c) => c.name);
      for (const n of ['root', 'swap off', 'kernel modules', 'sysctls', 'port 10250 free', 'join command', 'hostname lowercase', 'hostname resolvable', 'containerd CRI plugin', 'runtime runsc in containerd', 'kubelet installed', 'kubeadm installed']) assert.ok(names.includes(n), n);
      const by = new Map(checks.map((c) => [c.name, c]));
      assert.equal(by.get('port 10250 free')!.ok, true);
      assert.equal(by.get('hostname resolvable')!.ok, true, by.get('hostname resolvable')!.detail);
      assert.equal(by.get('kubelet installed')!.detail, 'v1.30.2');
      assert.equal(by.get('sysctls')!.ok, false);
      assert.ok(by.get('sysctls')!.fix);
    } finally { e.t.dispose(); }
  });

  it('stepsFor(containerd) appends the Kubernetes steps only with --kubernetes', () => {
    const ids = kubernetesSteps().map((s) => s.id);
    assert.deepEqual(ids, ['kube-prepare-host', 'kube-containerd-cri', 'kube-preflight', 'kube-kubelet-flags', 'kube-join', 'kube-runtimeclass', 'kube-pod-check']);
    assert.deepEqual(stepsFor('containerd', { kubernetes: true }).slice(-7).map((s) => s.id), ids);
    assert.ok(!stepsFor('containerd', { kubernetes: false }).some((s) => s.id.startsWith('kube-')));
    assert.ok(!stepsFor('containerd').some((s) => s.id.startsWith('kube-')));
  });

  it('flags: --kubernetes needs containerd; a bad --join is a usage error without the secrets', () => {
    assert.throws(() => parseCli(['apply', '--kubernetes']), (e: Error) => e instanceof UsageError && /--runtime containerd/.test(e.message));
    assert.throws(() => parseCli(['apply', '--runtime', 'containerd', '--join', JOIN]), /--join needs --kubernetes/);
    const ok = parseCli(['apply', '--runtime', 'containerd', '--kubernetes', '--join', JOIN, '--node-label', 'example.com/gvisor=yes', '--control-plane-host', '192.0.2.10 api']);
    assert.equal(ok.options.kubernetes, true);
    assert.equal(ok.options.join, JOIN);
    assert.equal(ok.options.nodeLabel, 'example.com/gvisor=yes');
    const bad = `kubeadm join 192.0.2.10:6443 --token ${TOKEN} --discovery-token-ca-cert-hash sha256:${HEX.slice(0, 60)}`;
    assert.throws(() => parseCli(['apply', '--runtime', 'containerd', '--kubernetes', '--join', bad]), (e: Error) => {
      assert.ok(e instanceof UsageError);
      assert.match(e.message, /^--join: /);
      assertNoSecrets(e.message, 'the usage error');
      assert.ok(!e.message.includes(HEX.slice(0, 60)));
      return true;
    });
    assert.throws(() => parseCli(['apply', '--runtime', 'containerd', '--kubernetes', '--node-label', 'node-role.kubernetes.io/worker=']), /NodeRestriction/);
    assert.throws(() => parseCli(['apply', '--runtime', 'containerd', '--kubernetes', '--node-taint', 'a=b:Never']), UsageError);
    assert.throws(() => parseCli(['apply', '--runtime', 'containerd', '--kubernetes', '--control-plane-host', 'api 192.0.2.10']), UsageError);
  });

  it('ctr containers ls output', () => {
    assert.deepEqual(parseContainersLs('CONTAINER    IMAGE    RUNTIME\nabc123    docker.io/library/busybox:latest    io.containerd.runc.v2\n'), [{ id: 'abc123', image: 'docker.io/library/busybox:latest', runtime: 'io.containerd.runc.v2' }]);
  });
});
