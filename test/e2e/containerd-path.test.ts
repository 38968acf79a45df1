// The containerd path end to end, against a real private containerd 1.6 and real gVisor:
// runsc from a local "bucket" (Debian's runsc has no shim, so containerd's runc shim runs it
// through the generated wrapper), a surgical edit of the daemon's own config.toml checked by
// containerd itself, a restart through a systemctl stand-in, and the isolation check via ctr.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse as parseToml } from '@iarna/toml';
import { cleanupAfter, processesMatching } from '../helpers/cleanup.js';
import { CTR_BUSYBOX_REF, importBusyboxImage } from '../helpers/ctr-image.js';
import { makeFakeSystemctl, type FakeSystemctl } from '../helpers/fake-systemctl.js';
import { e2eSkip } from '../helpers/prereqs.js';
import { baseConfig, startPrivateContainerd, type PrivateContainerd } from '../helpers/private-containerd.js';
import { startReleaseServer, type ReleaseServer } from '../helpers/release-server.js';
import { snapshotFiles, withoutRunRecord } from '../helpers/file-snapshot.js';
import { runWizard, workDir } from '../helpers/wizard.js';

const cleanup = cleanupAfter();
const NS = 'gvw';
const COMMENT = '# kept by the wizard: a comment of the operator';

describe('containerd path, end to end on a private containerd', { skip: e2eSkip() }, () => {
  let c: PrivateContainerd;
  let server: ReleaseServer;
  let systemctl: FakeSystemctl;

  before(async () => {
    // A config with CRI's runc entry, as `containerd config default` would have it, and a comment.
    c = await startPrivateContainerd({
      cleanup,
      configText: (dir) => `${COMMENT}\n${baseConfig(dir)}\n[plugins."io.containerd.grpc.v1.cri".containerd]\n  default_runtime_name = "runc"\n  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]\n    runtime_type = "io.containerd.runc.v2"\n`,
    });
    await importBusyboxImage(c, NS);
    systemctl = makeFakeSystemctl(c.binDir, { containerd: c });
    server = await startReleaseServer({ layout: 'loose' });
    cleanup.add('release server', () => server.close());
    // Debian's runsc ships no containerd-shim-runsc-v1: the "bucket" has none either.
    for (const f of ['containerd-shim-runsc-v1', 'containerd-shim-runsc-v1.sha512']) server.overrides.set(`release/latest/x86_64/${f}`, { status: 404, body: 'Not Found' });
  });
  after(() => cleanup.run());

  const args = (w: string) => [
    '--runtime', 'containerd', '--yes', '--containerd-socket', c.socket, '--namespace', NS, '--image', CTR_BUSYBOX_REF,
    '--runtime-arg=--network=host', '--mirror', server.baseUrl, '--service-manager', 'systemd',
    '--install-dir', join(w, 'bin'), '--state-dir', join(w, 'state'), '--log-dir', join(w, 'log'), '--crictl-config', join(w, 'crictl.yaml'),
  ];

  test('apply passes the isolation check through containerd, and a second apply changes nothing', { timeout: 600_000 }, async () => {
    const w = workDir(); cleanup.add('work dir', w.remove);
    const pidBefore = c.pid;

    const first = await runWizard(['apply', ...args(w.dir)], c.env);

    assert.equal(first.code, 0, `${first.stdout}\n${first.stderr}`);
    assert.match(first.stdout, /Isolation check: PASS/);
    assert.match(first.stdout, /\[ok\] marker absent from the host process list/);
    assert.match(first.stdout, /\[ok\] guest kernel log is gVisor's: .*Starting gVisor/);
    // the config kept the operator's comment and gained the runtime through the runc shim
    const text = readFileSync(c.configFile, 'utf8');
    assert.ok(text.startsWith(`${COMMENT}\n`));
    const wrapper = join(w.dir, 'bin', 'runsc-for-runc-shim');
    const runtimes = (parseToml(text) as any).plugins['io.containerd.grpc.v1.cri'].containerd.runtimes;
    assert.deepEqual(runtimes.runsc, { runtime_type: 'io.containerd.runc.v2', options: { BinaryName: wrapper } });
    assert.equal(runtimes.runc.runtime_type, 'io.containerd.runc.v2', 'runc is still there');
    assert.equal(statSync(wrapper).mode & 0o777, 0o755);
    assert.match(readFileSync(wrapper, 'utf8'), /exec '.*\/bin\/runsc' '--network=host' "\$@"/);
    // containerd was restarted through the service manager and its effective config has runsc
    assert.deepEqual(systemctl.calls(), ['restart containerd']);
    assert.notEqual(c.pid, pidBefore);
    assert.match((await c.configDump()).stdout, /BinaryName = ".*runsc-for-runc-shim"/);
    assert.match(first.stderr, /Debian's runsc package ships none/);
    // crictl points at this containerd
    assert.match(readFileSync(join(w.dir, 'crictl.yaml'), 'utf8'), new RegExp(`^runtime-endpoint: unix://${c.socket}$`, 'm'));
    // no check task or container is left
    assert.equal((await c.ctr(['-n', NS, 'containers', 'ls', '-q'])).stdout.trim(), '');

    const snap = withoutRunRecord(snapshotFiles(c.configFile, join(w.dir, 'bin'), join(w.dir, 'crictl.yaml'), join(w.dir, 'state')));
    const second = await runWizard(['apply', ...args(w.dir)], c.env);
    assert.equal(second.code, 0, `${second.stdout}\n${second.stderr}`);
    assert.match(second.stderr, /already has runtime runsc/);
    assert.match(second.stderr, /started after the last change/);
    assert.deepEqual(withoutRunRecord(snapshotFiles(c.configFile, join(w.dir, 'bin'), join(w.dir, 'crictl.yaml'), join(w.dir, 'state'))), snap);
    assert.deepEqual(systemctl.calls(), ['restart containerd'], 'no second restart');
  });

  test('a start that fails inside runsc (this old runsc without --network=host) is explained, and no task, container or process is left', { timeout: 300_000 }, async () => {
    const w = workDir(); cleanup.add('work dir', w.remove);
    const noNet = args(w.dir).filter((a) => a !== '--runtime-arg=--network=host');
    const r = await runWizard(['apply', ...noNet, '--runtime-name', 'runsc-nonet'], c.env);
    assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /cannot run with network enabled in root network namespace/);
    assert.equal((await c.ctr(['-n', NS, 'containers', 'ls', '-q'])).stdout.trim(), '');
    assert.equal((await c.ctr(['-n', NS, 'tasks', 'ls', '-q'])).stdout.trim(), '');
    assert.deepEqual(processesMatching('gvisor-wizard-check'), []);
  });

  test('check FAILs with "ran on the host kernel" when the runtime entry really runs runc', { timeout: 300_000 }, async () => {
    const w = workDir(); cleanup.add('work dir', w.remove);
    // Given a runtime named like gVisor whose binary is plain runc
    writeFileSync(c.configFile, `${readFileSync(c.configFile, 'utf8')}\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.fake-runsc]\n  runtime_type = "io.containerd.runc.v2"\n  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.fake-runsc.options]\n    BinaryName = "/usr/sbin/runc"\n`);
    await c.restart();
    const r = await runWizard(['check', '--runtime', 'containerd', '--runtime-name', 'fake-runsc', '--containerd-socket', c.socket, '--namespace', NS, '--image', CTR_BUSYBOX_REF, '--log-dir', join(w.dir, 'log'), '--state-dir', join(w.dir, 'state')], c.env);
    assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /Isolation check: FAIL: ran on the host kernel/);
    assert.equal((await c.ctr(['-n', NS, 'containers', 'ls', '-q'])).stdout.trim(), '');
    assert.deepEqual(processesMatching('gvisor-wizard-check'), []);
  });

  test('a config containerd would refuse (short plugin name in a version 2 file) is not touched', { timeout: 300_000 }, async () => {
    const w = workDir(); cleanup.add('work dir', w.remove);
    const file = join(w.dir, 'config.toml');
    const broken = 'version = 2\n\n[plugins.cri.containerd.runtimes.runsc]\n  runtime_type = "io.containerd.runsc.v1"\n';
    writeFileSync(file, broken);
    const r = await runWizard(['plan', '--runtime', 'containerd', '--containerd-socket', join(w.dir, 'none.sock'), '--containerd-config', file, '--mirror', server.baseUrl, '--install-dir', join(w.dir, 'bin'), '--state-dir', join(w.dir, 'state')], c.env);
    assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr + r.stdout, new RegExp(`${file}:3: short plugin name "cri"`));
    assert.equal(readFileSync(file, 'utf8'), broken);
    assert.ok(!existsSync(join(w.dir, 'state')));
  });
});
