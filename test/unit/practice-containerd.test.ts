// The containerd path's practice stand-ins (src/practice/containerd-sources.ts): containerd's
// --version, config default and config dump; ctr's answers in the formats the wizard reads;
// systemctl restart (a successor that reads the config anew); and a daemon that goes away
// with the wizard that started it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseTomlText } from '../../src/containerd/toml-parse.js';
import { runtimeEntry } from '../../src/containerd/ctr.js';
import { wrapperScript } from '../../src/containerd/configure-step.js';
import { preparePracticeDir, startStandinContainerd } from '../../src/practice/practice.js';
import { PRACTICE_CONTAINERD_VERSION } from '../../src/practice/containerd-sources.js';
import type { PracticeLayout } from '../../src/practice/paths.js';
import { isAlive, runCommand, waitForExit } from '../helpers/proc.js';

const RUNSC_ENTRY = `
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runsc]
  runtime_type = "io.containerd.runc.v2"
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runsc.options]
    BinaryName = "/usr/local/bin/runsc-for-runc-shim"
`;

describe('practice stand-in containerd', () => {
  let dir: string;
  let l: PracticeLayout;
  let daemon: { pid: number; stop(): Promise<void> };
  const env = () => ({ ...process.env, PATH: `${l.bin}:${process.env.PATH}` });
  const bin = (name: string, ...args: string[]) => runCommand(join(l.bin, name), args, { env: env() });
  const ctr = (...args: string[]) => bin('ctr', '--address', l.containerdSocket, ...args);
  const config = (text: string) => writeFileSync(join(dir, 'etc/containerd/config.toml'), text);
  const dump = async (file = '/etc/containerd/config.toml') => {
    const r = await bin('containerd', '--config', file, 'config', 'dump');
    assert.equal(r.code, 0, r.stderr);
    return parseTomlText(r.stdout);
  };

  before(async () => {
    dir = mkdtempSync('/tmp/gvw-practice-ctd-unit-');
    l = preparePracticeDir(dir);
    daemon = await startStandinContainerd(l);
  });
  after(async () => {
    await daemon.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('containerd --version and config default: a 1.6 the wizard parses, marked practice', async () => {
    const v = await bin('containerd', '--version');
    assert.match(v.stdout, new RegExp(`^containerd github.com/containerd/containerd ${PRACTICE_CONTAINERD_VERSION.replace(/\./g, '\\.')} \\(gvisor-wizard practice stand-in\\)\n$`));
    const d = await bin('containerd', 'config', 'default');
    assert.match(d.stdout, /^# gvisor-wizard PRACTICE stand-in/);
    const parsed = parseTomlText(d.stdout);
    assert.equal(parsed.version, 2);
    assert.equal(runtimeEntry(parsed, 'runc')?.runtimeType, 'io.containerd.runc.v2');
  });

  test('config dump: defaults plus the file (machine paths read below DIR, paths below DIR as given)', async () => {
    config(`version = 2\n${RUNSC_ENTRY}`);
    for (const file of ['/etc/containerd/config.toml', join(dir, 'etc/containerd/config.toml')]) {
      const d = await dump(file);
      assert.equal(runtimeEntry(d, 'runsc')?.options.BinaryName, '/usr/local/bin/runsc-for-runc-shim');
      assert.equal(runtimeEntry(d, 'runc')?.runtimeType, 'io.containerd.runc.v2');
    }
  });

  test('config dump: an import that touches the CRI plugin replaces its whole section (containerd < 2.0)', async () => {
    mkdirSync(join(dir, 'etc/containerd/conf.d'), { recursive: true });
    writeFileSync(join(dir, 'etc/containerd/conf.d/10-mirror.toml'), 'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n  sandbox_image = "example.org/pause:1"\n');
    config(`version = 2\nimports = ["/etc/containerd/conf.d/*.toml"]\n${RUNSC_ENTRY}`);
    const d = await dump();
    assert.equal(runtimeEntry(d, 'runsc'), undefined);
    assert.equal((d.plugins as Record<string, Record<string, unknown>>)['io.containerd.grpc.v1.cri']!.sandbox_image, 'example.org/pause:1');
    rmSync(join(dir, 'etc/containerd/conf.d'), { recursive: true });
  });

  test('config dump: a disabled CRI plugin has no section; version 3 and broken TOML are refused', async () => {
    config('version = 2\ndisabled_plugins = ["cri"]\n');
    assert.equal(((await dump()).plugins as Record<string, unknown>)['io.containerd.grpc.v1.cri'], undefined);
    config('version = 3\n');
    const v3 = await bin('containerd', '--config', '/etc/containerd/config.toml', 'config', 'dump');
    assert.equal(v3.code, 1);
    assert.match(v3.stderr, /unsupported config version 3/);
    config('version = 2\n[plugins\n');
    const broken = await bin('containerd', '--config', '/etc/containerd/config.toml', 'config', 'dump');
    assert.equal(broken.code, 1);
    assert.match(broken.stderr, /^containerd: failed to load TOML from \/etc\/containerd\/config\.toml: /);
    // A version 1 file's short CRI name is the full one in the dump.
    config(`[plugins.cri.containerd.runtimes.runsc]\n  runtime_type = "io.containerd.runsc.v1"\n`);
    assert.equal(runtimeEntry(await dump(), 'runsc')?.table, 'plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runsc');
  });

  test('ctr: version, namespaces, images and plugins in ctr\'s formats', async () => {
    assert.match((await ctr('version')).stdout, /^Client:\n {2}Version: {2}1\.6\.20-practice\n[\s\S]*Server:\n {2}Version: {2}1\.6\.20-practice/);
    assert.equal((await ctr('--namespace', 'default', 'images', 'ls', '-q')).stdout, 'docker.io/library/busybox:latest\n');
    assert.match((await ctr('namespaces', 'ls', '-q')).stdout, /^default\n/);
    assert.match((await ctr('plugins', 'ls')).stdout, /^io\.containerd\.grpc\.v1 +cri +- +ok$/m);
    const pull = await ctr('-n', 'k8s.io', 'images', 'pull', 'docker.io/library/alpine:3');
    assert.match(pull.stdout, /PRACTICE: nothing was downloaded/);
    assert.equal((await ctr('-n', 'k8s.io', 'images', 'ls', '-q')).stdout, 'docker.io/library/alpine:3\n');
  });

  test('ctr run with the wizard\'s wrapper: a runsc workload with gVisor\'s canned answers; removal as ctr does it', async () => {
    const flags = ['--label', 'gvisor-wizard=isolation-check', '--runtime', 'io.containerd.runc.v2', '--runc-binary', '/usr/local/bin/runsc-for-runc-shim'];
    // The wrapper must exist below DIR, and so must the runsc it execs.
    const missing = await ctr('-n', 'default', 'run', '-d', ...flags, 'docker.io/library/busybox:latest', 'c0', 'sleep', '1');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^ctr: failed to create shim task: OCI runtime create failed: .*runsc-for-runc-shim.*no such file or directory/);
    assert.equal((await ctr('containers', 'rm', 'c0')).code, 0);
    mkdirSync(join(dir, 'usr/local/bin'), { recursive: true });
    writeFileSync(join(dir, 'usr/local/bin/runsc-for-runc-shim'), wrapperScript('/usr/local/bin/runsc', ['--network=host']), { mode: 0o755 });
    writeFileSync(join(dir, 'usr/local/bin/runsc'), readFileSync(join(l.release, 'runsc')), { mode: 0o755 });

    const run = await ctr('-n', 'default', 'run', '-d', ...flags, 'docker.io/library/busybox:latest', 'c1', 'sleep', '123456789');
    assert.equal(run.code, 0, run.stderr);
    assert.equal((await ctr('-n', 'default', 'containers', 'ls', '-q', 'labels."gvisor-wizard"==isolation-check')).stdout, 'c1\n');
    assert.equal((await ctr('-n', 'default', 'containers', 'ls', '-q', 'labels."gvisor-wizard"==other')).stdout, '');
    const info = JSON.parse((await ctr('-n', 'default', 'containers', 'info', 'c1')).stdout);
    assert.equal(info.Runtime.Name, 'io.containerd.runc.v2');
    assert.match((await ctr('-n', 'default', 'task', 'ls')).stdout, /^c1 +0 +RUNNING$/m);
    assert.match((await ctr('-n', 'default', 'task', 'exec', '--exec-id', 'x1', 'c1', 'ps')).stdout, /sleep 123456789/);
    assert.match((await ctr('-n', 'default', 'task', 'exec', '--exec-id', 'x2', 'c1', 'dmesg')).stdout, /Starting gVisor.*PRACTICE/);
    assert.equal((await ctr('-n', 'default', 'task', 'exec', '--exec-id', 'x3', 'c1', 'uname', '-r')).stdout, '4.4.0\n');
    const exists = await ctr('-n', 'default', 'run', '-d', ...flags, 'docker.io/library/busybox:latest', 'c1', 'true');
    assert.match(exists.stderr, /^ctr: container "c1": already exists/);
    assert.match((await ctr('-n', 'default', 'containers', 'rm', 'c1')).stderr, /cannot delete a non stopped container/);
    assert.match((await ctr('-n', 'default', 'task', 'rm', 'c1')).stderr, /task must be stopped before deletion/);
    assert.equal((await ctr('-n', 'default', 'task', 'kill', '-s', 'SIGKILL', 'c1')).code, 0);
    assert.equal((await ctr('-n', 'default', 'task', 'rm', '-f', 'c1')).code, 0);
    assert.equal((await ctr('-n', 'default', 'containers', 'rm', 'c1')).code, 0);
    assert.match((await ctr('-n', 'default', 'containers', 'rm', 'c1')).stderr, /not found/);
  });

  test('ctr run: plain runc answers with the host kernel; a missing image and shim are reported as ctr does', async () => {
    assert.equal((await ctr('run', '-d', 'docker.io/library/busybox:latest', 'r1', 'sleep', '5')).code, 0);
    assert.match((await ctr('task', 'exec', '--exec-id', 'x', 'r1', 'dmesg')).stdout, /the host kernel answers, this runtime is not gVisor/);
    await ctr('task', 'rm', '-f', 'r1');
    await ctr('containers', 'rm', 'r1');
    assert.match((await ctr('run', '-d', 'docker.io/library/nope:1', 'r2', 'true')).stderr, /^ctr: image "docker\.io\/library\/nope:1": not found/);
    const shim = await ctr('run', '-d', '--runtime', 'io.containerd.runsc.v1', 'docker.io/library/busybox:latest', 'r3', 'true');
    assert.match(shim.stderr, /runtime "io\.containerd\.runsc\.v1" binary not installed "containerd-shim-runsc-v1"/);
    await ctr('containers', 'rm', 'r3');
  });

  test('ctr refuses any socket but the practice one', async () => {
    const r = await bin('ctr', '--address', '/run/containerd/containerd.sock', 'version');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /refusing to talk to \/run\/containerd\/containerd\.sock/);
  });

  test('systemctl restart containerd: a new process that reads the config anew; other units are refused', async () => {
    config('version = 2\n');
    const pidOf = () => Number(readFileSync(join(l.run, 'containerd.pid'), 'utf8'));
    const first = pidOf();
    assert.equal((await bin('systemctl', 'is-active', 'containerd')).stdout, 'active\n');
    config('version = 2\ndisabled_plugins = ["cri"]\n');
    // Read at start only, as the real containerd does.
    assert.match((await ctr('plugins', 'ls')).stdout, / cri /);
    const r = await bin('systemctl', 'restart', 'containerd');
    assert.equal(r.code, 0, r.stderr);
    assert.notEqual(pidOf(), first);
    assert.ok(await waitForExit(first, 5000));
    assert.match(readFileSync(`/proc/${pidOf()}/cmdline`, 'utf8').replace(/\0/g, ' '), new RegExp(`^${l.bin}/containerd .*--address ${l.containerdSocket}`));
    assert.doesNotMatch((await ctr('plugins', 'ls')).stdout, / cri /);
    const docker = await bin('systemctl', 'reload', 'docker');
    assert.equal(docker.code, 1);
    assert.match(docker.stderr, /only "containerd" is managed here/);
    assert.match((await bin('journalctl', '-u', 'containerd', '-n', '50')).stdout, /restart requested/);
  });

  test('a broken config stops the restarted containerd, as systemd would report it', async () => {
    config('version = 2\n[plugins\n');
    const r = await bin('systemctl', 'restart', 'containerd');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Job for containerd\.service failed/);
    assert.match(r.stderr, /failed to load TOML/);
    assert.equal((await ctr('version')).code, 1);
    assert.match((await bin('systemctl', 'restart', 'containerd')).stderr, /the practice containerd is not running/);
    config('version = 2\n');
    await daemon.stop();
    daemon = await startStandinContainerd(l);
    assert.equal((await ctr('version')).code, 0);
  });

  test('the daemon stops when the wizard that started it is gone, also after a restart', async () => {
    const other = mkdtempSync('/tmp/gvw-practice-ctd-unit-');
    const owner = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      const o = preparePracticeDir(other);
      const child = spawn(process.execPath, [join(o.libexec, 'containerd.cjs'), '--address', o.containerdSocket], { argv0: join(o.bin, 'containerd'), stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, GVW_PRACTICE_OWNER: String(owner.pid) } });
      await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
      const r = await runCommand(join(o.bin, 'systemctl'), ['restart', 'containerd']);
      assert.equal(r.code, 0, r.stderr);
      const successor = Number(readFileSync(join(o.run, 'containerd.pid'), 'utf8'));
      assert.ok(isAlive(successor));
      owner.kill('SIGKILL');
      assert.ok(await waitForExit(successor, 5000));
    } finally {
      owner.kill('SIGKILL');
      rmSync(other, { recursive: true, force: true });
    }
  });
});
