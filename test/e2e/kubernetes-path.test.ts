// The Kubernetes path end to end: the real wizard executable, a real private containerd (its CRI
// plugin disabled at first, case B3), real gVisor through the runc-shim wrapper, and stand-ins for
// the tools only a cluster node has (kubeadm, kubelet, kubectl, swapoff, modprobe, sysctl) first on
// PATH. The node's files and kernel views live in a temp --kube-root; containerd's stay real. The
// kubectl stand-in starts the test pod as a real container in containerd's k8s.io namespace, so the
// node-side pod check looks at a real runsc sandbox.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse as parseToml } from '@iarna/toml';
import { cleanupAfter } from '../helpers/cleanup.js';
import { CTR_BUSYBOX_REF, importBusyboxImage } from '../helpers/ctr-image.js';
import { makeFakeSystemctl, type FakeSystemctl } from '../helpers/fake-systemctl.js';
import { makeKubeStandins, makeNodeRoot } from '../helpers/kube-standins.js';
import { sharedDir } from '../helpers/paths.js';
import { e2eSkip } from '../helpers/prereqs.js';
import { baseConfig, startPrivateContainerd, type PrivateContainerd } from '../helpers/private-containerd.js';
import { startReleaseServer, type ReleaseServer } from '../helpers/release-server.js';
import { runCommand, which } from '../helpers/proc.js';
import { confirmEveryStep, startTuiInTmux } from '../helpers/tmux-wizard.js';
import { runWizard, wizardEntry, workDir } from '../helpers/wizard.js';

const cleanup = cleanupAfter();
const NS = 'gvw';
const TOKEN = 'k8s9zq.w7x1v3m5p0r2t4y6';
const HEX = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const JOIN = `kubeadm join 192.0.2.10:6443 --token ${TOKEN} \\\n\t--discovery-token-ca-cert-hash sha256:${HEX}\n`;
const readCase = (n: string) => readFileSync(join(sharedDir(), 'cases', n), 'utf8');

function allText(dir: string): string {
  let out = '';
  const walk = (d: string) => {
    for (const n of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, n.name);
      if (n.isDirectory()) walk(p);
      else if (statSync(p).size < 5_000_000) out += readFileSync(p, 'latin1');
    }
  };
  try { walk(dir); } catch { /* missing */ }
  return out;
}

function assertNoSecrets(text: string, where: string): void {
  for (const s of [TOKEN, TOKEN.split('.')[1]!, `sha256:${HEX}`, HEX]) assert.ok(!text.includes(s), `${where} contains a secret (${s.slice(0, 6)}…)`);
}

describe('Kubernetes path, end to end on a private containerd with stand-in kubeadm/kubectl', { skip: e2eSkip() }, () => {
  let c: PrivateContainerd;
  let server: ReleaseServer;
  let systemctl: FakeSystemctl;

  before(async () => {
    c = await startPrivateContainerd({
      cleanup,
      configText: (dir) => `disabled_plugins = ["io.containerd.grpc.v1.cri"]\n${baseConfig(dir)}\n[plugins."io.containerd.grpc.v1.cri".containerd]\n  default_runtime_name = "runc"\n  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]\n    runtime_type = "io.containerd.runc.v2"\n`,
    });
    await importBusyboxImage(c, NS);
    await importBusyboxImage(c, 'k8s.io');
    systemctl = makeFakeSystemctl(c.binDir, { containerd: c });
    server = await startReleaseServer({ layout: 'loose' });
    cleanup.add('release server', () => server.close());
    for (const f of ['containerd-shim-runsc-v1', 'containerd-shim-runsc-v1.sha512']) server.overrides.set(`release/latest/x86_64/${f}`, { status: 404, body: 'Not Found' });
  });
  after(() => cleanup.run());

  const args = (w: string) => [
    '--runtime', 'containerd', '--yes', '--containerd-socket', c.socket, '--namespace', NS, '--image', CTR_BUSYBOX_REF,
    '--runtime-arg=--network=host', '--mirror', server.baseUrl, '--service-manager', 'systemd',
    '--install-dir', join(w, 'bin'), '--state-dir', join(w, 'state'), '--log-dir', join(w, 'log'), '--crictl-config', join(w, 'crictl.yaml'),
    '--kubernetes', '--join', '-', '--kube-root', join(w, 'node'), '--kubeconfig', join(w, 'admin.conf'), '--check-timeout', '60',
  ];

  test('apply: host prep, CRI enabled, join with --cri-socket, RuntimeClass, pod isolated; no secret anywhere', { timeout: 600_000 }, async () => {
    const w = workDir(); cleanup.add('work dir', w.remove);
    const node = join(w.dir, 'node');
    makeNodeRoot(node, { fstab: readCase('fstab-swapfile.fstab'), swaps: ['/swap.img'] });
    const s = makeKubeStandins(join(w.dir, 'standins'), {
      root: node,
      kubectl: { ctr: { bin: c.ctrBin, socket: c.socket, image: CTR_BUSYBOX_REF, runcBinary: join(w.dir, 'bin', 'runsc-for-runc-shim') } },
    });
    cleanup.add('test pod', () => removeTestPod(c));
    const env = { ...c.env, PATH: `${s.bin}:${c.env.PATH}` };

    const r = await runCommand(process.execPath, [wizardEntry(), 'apply', ...args(w.dir)], { env, input: JOIN, timeoutMs: 540_000 });
    const out = `${r.stdout}\n${r.stderr}`;
    assert.equal(r.code, 0, out);
    assert.match(r.stdout, /Isolation check: PASS: pod default\/gvisor-wizard-check runs inside gVisor/);
    assert.match(r.stdout, /\[ok\] marker absent from the host process list/);
    assert.match(r.stdout, /\[ok\] a runsc sandbox hosts the pod: .*runsc-sandbox pid \d+/);
    assert.match(r.stdout, /\[ok\] guest kernel log is gVisor's/);
    assertNoSecrets(out, 'the console');
    assertNoSecrets(allText(join(w.dir, 'log')), 'the log files');
    assertNoSecrets(allText(join(w.dir, 'state')), 'the state dir');
    assert.match(out, /k8s9zq\.\*\*\*\*|k8s\*\*\*\*/, 'the masked token is what the operator sees');

    // D1/D2 on the node root
    assert.equal(readFileSync(join(node, 'etc/fstab'), 'utf8'), readCase('fstab-swapfile.expected.fstab'));
    assert.equal(readFileSync(join(node, 'etc/sysctl.d/k8s.conf'), 'utf8'), readCase('sysctl-k8s.conf'));
    assert.equal(readFileSync(join(node, 'proc/sys/net/bridge/bridge-nf-call-iptables'), 'utf8').trim(), '1');
    // B3 + F1: CRI enabled, systemd cgroups for runc and runsc (kubeadm's default driver)
    const cfg = parseToml(readFileSync(c.configFile, 'utf8')) as any;
    assert.deepEqual(cfg.disabled_plugins, []);
    assert.equal(cfg.plugins['io.containerd.grpc.v1.cri'].containerd.runtimes.runc.options.SystemdCgroup, true);
    assert.equal(cfg.plugins['io.containerd.grpc.v1.cri'].containerd.runtimes.runsc.options.SystemdCgroup, true);
    assert.match((await c.ctr(['plugins', 'ls'])).stdout, /io\.containerd\.grpc\.v1\s+cri\s+\S+\s+ok/);
    assert.deepEqual(systemctl.calls(), ['restart containerd', 'restart containerd']);
    // E1/E2: no --container-runtime anywhere, --cri-socket passed, label at registration
    const join_ = s.calls().find((x) => x[0] === 'kubeadm' && x[1] === 'join')!;
    assert.deepEqual(join_.slice(-2), ['--cri-socket', `unix://${c.socket}`]);
    assert.equal(readFileSync(join(node, 'etc/default/kubelet'), 'utf8'), 'KUBELET_EXTRA_ARGS="--node-labels=gvisor.dev/runsc=true"\n');
    assert.ok(!readFileSync(join(node, 'var/lib/kubelet/kubeadm-flags.env'), 'utf8').includes('--container-runtime='));
    // E6: the applied RuntimeClass's handler is the runtime in containerd
    const applied = readFileSync(join(s.bin, 'kubectl-applied.yaml'), 'utf8');
    assert.match(applied, /^handler: runsc$/m);
    assert.equal(statSync(join(w.dir, 'state', 'gvisor-runtimeclass.yaml')).mode & 0o777, 0o644);
    // the test pod was deleted
    assert.equal((await c.ctr(['-n', 'k8s.io', 'containers', 'ls', '-q'])).stdout.trim(), '');
  });

  test('the TUI walks the whole Kubernetes path: the join line is pasted, shown masked, and the pod is proven isolated', { timeout: 600_000, skip: which('tmux') ? false : 'tmux is not installed' }, async () => {
    const w = workDir(); cleanup.add('work dir', w.remove);
    const node = join(w.dir, 'node');
    makeNodeRoot(node, { fstab: readCase('fstab-swapfile.fstab'), swaps: ['/swap.img'] });
    const s = makeKubeStandins(join(w.dir, 'standins'), {
      root: node,
      kubectl: { ctr: { bin: c.ctrBin, socket: c.socket, image: CTR_BUSYBOX_REF, runcBinary: join(w.dir, 'bin', 'runsc-for-runc-shim') } },
    });
    cleanup.add('test pod (TUI)', () => removeTestPod(c));
    // The TUI gets the same answers as flags, except --kubernetes and --join: it asks for those.
    const tuiArgs = args(w.dir).filter((a, i, all) => !['--yes', '--kubernetes'].includes(a) && a !== '-' && all[i - 1] !== '--join' && a !== '--join');
    const t = await startTuiInTmux([process.execPath, wizardEntry(), ...tuiArgs], { ...c.env, PATH: `${s.bin}:${c.env.PATH}` }, cleanup);
    await t.waitFor(/Enter to continue/);
    await t.keys('Enter');
    await t.waitFor(/SystemdCgroup = true\)\?/);
    await t.keys('Enter');
    await t.waitFor(/Go on to Kubernetes/);
    await t.keys('Down');
    await t.waitFor(/> yes - prepare, join/);
    await t.keys('Enter');
    await t.waitFor(/Paste the join command/);
    await t.keys('-l', JOIN.replace(/\\\n\t/, ' ').trim());
    const pasted = await t.waitFor(/k8s9zq\.\*\*\*\*/);
    assertNoSecrets(pasted, 'the join input screen');
    await t.keys('Enter');
    const { titles, screens } = await confirmEveryStep(t);
    assert.ok(titles.some((x) => /join/i.test(x)), titles.join(' | '));
    const summary = await t.waitFor(/press q to quit/);
    assert.match(summary, /Isolation check: PASS/);
    for (const sc of [...screens, summary]) assertNoSecrets(sc, 'a TUI screen');
    assertNoSecrets(allText(join(w.dir, 'log')), 'the log files');
    assertNoSecrets(allText(join(w.dir, 'state')), 'the state dir');
    await t.keys('q');
    assert.equal(await t.exitStatus(), 0);
  });

  test('a malformed join line is a usage error (exit 2) naming the bad part, before anything runs', { timeout: 120_000 }, async () => {
    const w = workDir(); cleanup.add('work dir', w.remove);
    const bad = readCase('join-command-stray-dot.txt');
    const r = await runCommand(process.execPath, [wizardEntry(), 'apply', ...args(w.dir)], { env: c.env, input: bad, timeoutMs: 60_000 });
    assert.equal(r.code, 2, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /--join: line \d+, column \d+/);
    assert.ok(!/[0-9a-f]{64}/.test(r.stderr), 'no hash on the console');
    assert.ok(!statSafe(join(w.dir, 'log')), 'no log written');
    const plan = await runWizard(['plan', '--runtime', 'containerd', '--kubernetes', '--join', bad, '--containerd-socket', c.socket, '--kube-root', join(w.dir, 'node'), '--state-dir', join(w.dir, 'state')], c.env);
    assert.equal(plan.code, 2);
  });
});

/** The pod the kubectl stand-in started in containerd's k8s.io namespace. */
async function removeTestPod(c: PrivateContainerd): Promise<void> {
  await c.ctr(['-n', 'k8s.io', 'task', 'kill', '-s', 'SIGKILL', 'gvisor-wizard-check-check']);
  await c.ctr(['-n', 'k8s.io', 'task', 'rm', '-f', 'gvisor-wizard-check-check']);
  await c.ctr(['-n', 'k8s.io', 'containers', 'rm', 'gvisor-wizard-check-check']);
}

function statSafe(p: string): boolean {
  try { statSync(p); return true; } catch { return false; }
}
