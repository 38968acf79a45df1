// Proves the containerd e2e harness against the real daemons: a private containerd 1.6 on its
// own socket/root/state, a busybox OCI image built without docker, runc vs real gVisor (runsc
// through the runc shim and a flag wrapper), a systemctl stand-in that restarts containerd,
// what `containerd config dump` and CRI make of a runsc runtime entry, and that stop() leaves
// nothing behind - while the machine's own containerd files stay as they were.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { release as hostKernelRelease } from 'node:os';
import { join } from 'node:path';
import { before, describe, test, type TestContext } from 'node:test';
import { cleanupAfter, processesMatching } from '../helpers/cleanup.js';
import { CTR_BUSYBOX_REF, importBusyboxImage } from '../helpers/ctr-image.js';
import { makeFakeSystemctl } from '../helpers/fake-systemctl.js';
import { e2eSkip } from '../helpers/prereqs.js';
import {
  assertPrivateConfig, baseConfig, HOST_CONTAINERD_STATE, type PrivateContainerd, startPrivateContainerd,
} from '../helpers/private-containerd.js';
import { mountsUnder } from '../helpers/private-dockerd.js';
import { type CommandResult, isAlive, listProcesses, pollUntil, runCommand, signalPid, waitForExit } from '../helpers/proc.js';
import { makeRunscWrapper } from '../helpers/runsc-wrapper.js';
import { diffSnapshots, snapshotTrees } from '../helpers/tree-snapshot.js';

const cleanup = cleanupAfter();
const skip = e2eSkip(['root', 'containerd', 'runc', 'runsc', 'busybox', 'tar']);
const NS = 'gvw';
const REF = CTR_BUSYBOX_REF;

/** The machine's own containerd files, and what a CRI plugin / opt plugin with defaults would create. */
function machineSnapshot(): Map<string, string> {
  return new Map([
    ...snapshotTrees(['/etc/containerd'], { hashUpTo: 1 << 20 }),
    ...snapshotTrees(['/var/lib/containerd'], { maxDepth: 4 }),
    ...snapshotTrees([HOST_CONTAINERD_STATE], { maxDepth: 4 }),
    ...snapshotTrees(['/etc/cni', '/opt/cni', '/opt/containerd'], { maxDepth: 3 }),
  ]);
}

/** Host processes whose argv is exactly `argv`. */
function hostProcesses(...argv: string[]): number[] {
  return listProcesses().filter((p) => p.argv.join('\0') === argv.join('\0')).map((p) => p.pid);
}

function cgroupNamespaceDirs(ns: string): string[] {
  const roots = ['/sys/fs/cgroup', ...['blkio', 'cpu', 'cpuacct', 'cpuset', 'devices', 'freezer', 'memory', 'pids', 'systemd', 'unified', 'net_cls', 'perf_event', 'hugetlb'].map((c) => `/sys/fs/cgroup/${c}`)];
  return roots.map((r) => join(r, ns)).filter((p) => existsSync(p));
}

/**
 * Whether a diffSnapshots() line is something this harness did to the machine's files (as
 * opposed to the machine's containerd and other daemons sharing /run/containerd).
 */
function isOurs(line: string, o: { ns: string; ids: readonly string[]; sockets: ReadonlySet<string> }): boolean {
  const path = line.slice(2).split(/ \(|: /)[0]!;
  if (!path.startsWith('/run/containerd') && !path.startsWith('/var/lib/containerd')) return true; // /etc, /opt: strict
  if (o.sockets.has(path)) return true;
  const keyed = /^\/(?:run|var\/lib)\/containerd\/(?:io\.containerd\.runtime\.v2\.task|io\.containerd\.runtime\.v1\.linux|runc)\/([^/]+)/.exec(path);
  if (keyed) return keyed[1] === o.ns;
  const fifo = /^\/run\/containerd\/fifo\/[^/]+\/(.+)-(?:stdin|stdout|stderr)$/.exec(path);
  if (fifo) return o.ids.includes(fifo[1]!);
  // A host dir that appeared and is empty: created for our tasks and not removed by stop().
  if (line.startsWith('+ ') && ['/run/containerd', '/run/containerd/runc', '/run/containerd/fifo', '/run/containerd/s'].includes(path)) {
    try {
      return readdirSync(path).length === 0;
    } catch {
      return false;
    }
  }
  return false;
}

/**
 * `ctr tasks exec` in task `id`, retried (with a fresh exec id) while it prints nothing: rarely
 * (about 1 run in 15 of this file, on a loaded machine, always the first exec right after
 * `ctr run -d` of a runsc task) ctr exits 0 with empty stdout. Retries are reported.
 */
async function execIn(t: TestContext, c: PrivateContainerd, id: string, execId: string, argv: string[]): Promise<CommandResult> {
  let r: CommandResult | undefined;
  for (let attempt = 1; attempt <= 3; attempt++) {
    r = await c.ctr(['-n', NS, 'tasks', 'exec', '--exec-id', attempt === 1 ? execId : `${execId}-retry${attempt}`, id, ...argv]);
    if (r.code !== 0 || r.stdout.trim() !== '') {
      if (attempt > 1) t.diagnostic(`ctr tasks exec ${id} ${argv.join(' ')}: empty output on ${attempt - 1} attempt(s) before this one`);
      return r;
    }
    t.diagnostic(`ctr tasks exec ${id} ${argv.join(' ')} (attempt ${attempt}) exited 0 with empty stdout; stderr: ${JSON.stringify(r.stderr)}; containerd log tail:\n${c.logText().split('\n').slice(-8).join('\n')}`);
  }
  return r!;
}

async function taskStatus(c: PrivateContainerd, id: string): Promise<string | undefined> {
  const r = await c.ctr(['-n', NS, 'tasks', 'ls']);
  const line = r.stdout.split('\n').find((l) => l.split(/\s+/)[0] === id);
  return line?.trim().split(/\s+/)[2];
}

describe('private containerd harness', { skip }, () => {
  let c: PrivateContainerd;
  let wrapper: string;
  let machineBefore: Map<string, string>;
  let cgroupsBefore: string[];
  const used: string[] = []; // container ids run in NS

  before(async () => {
    machineBefore = machineSnapshot();
    cgroupsBefore = cgroupNamespaceDirs(NS);
    c = await startPrivateContainerd({ cleanup });
    wrapper = makeRunscWrapper(c.binDir);
  });

  test('it runs on its own socket, root and state with CRI loaded, and ctr talks to it', async (t) => {
    assert.match(c.dir, /^\/tmp\/gvw-ctd-[A-Za-z0-9]{6}$/);
    assert.equal(c.socket, `${c.dir}/containerd.sock`);
    assert.ok(c.socket.length + '.ttrpc'.length < 108, 'ttrpc socket path fits sun_path');
    assert.equal(c.configFile, `${c.dir}/config.toml`);
    assert.equal(readFileSync(c.configFile, 'utf8'), baseConfig(c.dir));
    assert.deepEqual(readFileSync(c.argvFile, 'utf8').trim().split('\n'), ['/usr/bin/containerd', '--config', c.configFile]);
    assert.deepEqual(readFileSync(`/proc/${c.pid}/cmdline`, 'utf8').split('\0').filter(Boolean), [...c.argv]);
    assert.equal(c.env.CONTAINERD_ADDRESS, c.socket);
    assert.equal(c.env.CONTAINERD_NAMESPACE, undefined);
    assert.ok(c.env.PATH!.startsWith(`${c.binDir}:`));
    assert.ok(existsSync(`${c.socket}.ttrpc`), 'ttrpc listens next to the gRPC socket');
    assert.ok(existsSync(join(c.root, 'io.containerd.metadata.v1.bolt')));
    assert.ok(existsSync(join(c.state, 'io.containerd.runtime.v2.task')));

    const v = await c.ctr(['version']);
    assert.equal(v.code, 0, v.stderr);
    t.diagnostic(v.stdout.split('\n').filter((l) => /Version/.test(l)).join(' | '));
    // The wizard would find it like any containerd: ctr with CONTAINERD_ADDRESS from env.
    const viaEnv = await runCommand(c.ctrBin, ['version'], { env: c.env });
    assert.equal(viaEnv.code, 0, viaEnv.stderr);
    const plugins = await c.ctr(['plugins', 'ls']);
    assert.match(plugins.stdout, /io\.containerd\.grpc\.v1\s+cri\s+\S+\s+ok/);
    assert.match(c.logText(), /cni config load failed: no network config found in .*\/cni\/net\.d/, 'CRI looks at the private CNI dir');
    assert.doesNotMatch(c.logText(), /\/etc\/cni|\/var\/lib\/containerd|\/opt\/containerd/);
  });

  test('a busybox OCI archive built without docker imports with its full ref name', async () => {
    const img = await importBusyboxImage(c, NS);
    assert.equal(img.ref, REF);
    const ls = await c.ctr(['-n', NS, 'images', 'ls']);
    assert.equal(ls.code, 0, ls.stderr);
    assert.ok(ls.stdout.includes(img.manifestDigest), ls.stdout);
    // a second import is harmless (same digests: the layer tar is reproducible)
    assert.deepEqual(await importBusyboxImage(c, NS), img);
    // other namespaces do not see it
    const def = await c.ctr(['-n', 'default', 'images', 'ls', '-q']);
    assert.ok(!def.stdout.includes(REF));
  });

  test('under runc the container runs on the host kernel and its sleep is a host process', async () => {
    used.push('t1', 't1b');
    const uname = await c.ctr(['-n', NS, 'run', '--rm', REF, 't1', 'uname', '-r']);
    assert.equal(uname.code, 0, uname.stderr);
    assert.equal(uname.stdout.trim(), hostKernelRelease());

    const run = await c.ctr(['-n', NS, 'run', '-d', REF, 't1b', 'sleep', '31338']);
    assert.equal(run.code, 0, run.stderr);
    await pollUntil(() => hostProcesses('sleep', '31338').length === 1, { timeoutMs: 10_000, label: 'sleep 31338 visible on the host' });
    assert.equal(await taskStatus(c, 't1b'), 'RUNNING');
    assert.ok(existsSync(c.shimSocketPath(NS, 't1b')), `the shim socket is ${c.shimSocketPath(NS, 't1b')} on the host`);

    // clean up the task the way the harness does
    const del = await c.ctr(['-n', NS, 'tasks', 'delete', '--force', 't1b']);
    assert.equal(del.code, 0, del.stderr);
    const rmc = await c.ctr(['-n', NS, 'containers', 'rm', 't1b']);
    assert.equal(rmc.code, 0, rmc.stderr);
    await pollUntil(() => hostProcesses('sleep', '31338').length === 0, { timeoutMs: 10_000, label: 'sleep 31338 gone' });
    assert.ok(!existsSync(c.shimSocketPath(NS, 't1b')), 'the shim removed its socket when the container went');
  });

  test('under runsc through the runc shim (--runc-binary wrapper) the sleep is invisible to the host', async (t) => {
    used.push('t2');
    assert.equal(readFileSync(wrapper, 'utf8').split('\n').at(-2), `exec '/usr/bin/runsc' '--network=host' "$@"`);
    const run = await c.ctr(['-n', NS, 'run', '-d', '--runtime', 'io.containerd.runc.v2', '--runc-binary', wrapper, REF, 't2', 'sleep', '31339'], { timeoutMs: 120_000 });
    assert.equal(run.code, 0, `${run.stderr}\n${c.logText().slice(-2000)}`);
    assert.equal(await taskStatus(c, 't2'), 'RUNNING');

    // inside: the sleep, gVisor's kernel
    const ps = await execIn(t, c, 't2', 'x', ['ps']);
    assert.equal(ps.code, 0, ps.stderr);
    assert.match(ps.stdout, /sleep 31339/);
    const dmesg = await execIn(t, c, 't2', 'y', ['dmesg']);
    assert.equal(dmesg.code, 0, dmesg.stderr);
    assert.match(dmesg.stdout, /Starting gVisor/);
    const uname = await execIn(t, c, 't2', 'z', ['uname', '-r']);
    assert.equal(uname.code, 0, uname.stderr);
    assert.notEqual(uname.stdout.trim(), hostKernelRelease());
    t.diagnostic(`uname -r under runsc: ${uname.stdout.trim()} (host ${hostKernelRelease()})`);

    // outside: no sleep 31339, only the sandbox and gofer (their cmdline names the bundle in DIR)
    assert.deepEqual(hostProcesses('sleep', '31339'), [], 'the sleep must not be a host process');
    const sandbox = processesMatching(c.dir).filter((p) => p.argv[0] === 'runsc-sandbox' || p.argv[0] === 'runsc-gofer');
    assert.deepEqual([...new Set(sandbox.map((p) => p.argv[0]))].sort(), ['runsc-gofer', 'runsc-sandbox']);
    assert.ok(sandbox.every((p) => p.argv.includes('--network=host')), 'the wrapper flag reached runsc');
    assert.ok(sandbox.some((p) => p.argv.includes('--log-format=json') && p.argv.some((a) => a === `--root=${HOST_CONTAINERD_STATE}/runc/${NS}`)),
      `the runc shim passed its own global flags: ${sandbox.map((p) => p.argv.join(' ')).join(' / ')}`);
    // `ctr task ps` goes through `runsc ps --format json`: pids inside the sandbox, not host pids
    const tps = await c.ctr(['-n', NS, 'tasks', 'ps', 't2']);
    assert.equal(tps.code, 0, tps.stderr);
    t.diagnostic(`ctr tasks ps t2 (runsc): ${tps.stdout.trim().replace(/\s+/g, ' ')}`);
    assert.match(tps.stdout, /^1\s/m, 'the sandbox reports its own pid 1');
    const tls = await c.ctr(['-n', NS, 'tasks', 'ls']);
    const taskPid = Number(tls.stdout.split('\n').find((l) => l.startsWith('t2 '))?.trim().split(/\s+/)[1]);
    assert.ok(sandbox.some((p) => p.pid === taskPid && p.argv[0] === 'runsc-sandbox'), `ctr tasks ls shows the runsc-sandbox pid (${taskPid})`);
  });

  test('ctr --runtime io.containerd.runsc.v1 needs a containerd-shim-runsc-v1 that Debian does not ship', async () => {
    used.push('t-noshim');
    const r = await c.ctr(['-n', NS, 'run', '--rm', '--runtime', 'io.containerd.runsc.v1', REF, 't-noshim', 'true']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /binary not installed "containerd-shim-runsc-v1"/);
    await c.ctr(['-n', NS, 'containers', 'rm', 't-noshim']);
  });

  test('a systemctl stand-in restarts containerd (new pid, same argv); running tasks survive', async (t) => {
    // a stand-in "dockerd": a shell that records SIGHUP
    const hupLog = join(c.dir, 'hup.log');
    const dockerd = spawn('/bin/sh', ['-c', `trap 'echo hup >> ${hupLog}' HUP; while :; do sleep 0.2; done`], { stdio: 'ignore' });
    const undo = cleanup.add('fake dockerd', () => { if (dockerd.pid) signalPid(dockerd.pid, 'SIGKILL'); });
    const dockerdPidFile = join(c.dir, 'docker.pid');
    writeFileSync(dockerdPidFile, `${dockerd.pid}\n`);
    try {
      const s = makeFakeSystemctl(c.binDir, { containerd: c, dockerdPidFile });
      assert.equal(s.bin, c.binDir);
      const systemctl = (...args: string[]) => runCommand('systemctl', args, { env: c.env, timeoutMs: 60_000 });

      const active = await systemctl('is-active', 'containerd');
      assert.deepEqual([active.code, active.stdout.trim()], [0, 'active']);
      const pid0 = c.pid;
      const restart = await systemctl('restart', 'containerd.service');
      assert.equal(restart.code, 0, restart.stderr);
      assert.ok(c.pid > 0 && c.pid !== pid0, `new pid ${c.pid} (was ${pid0})`);
      assert.ok(await waitForExit(pid0, 5_000), 'the old containerd is gone');
      assert.deepEqual(readFileSync(`/proc/${c.pid}/cmdline`, 'utf8').split('\0').filter(Boolean), [...c.argv]);
      assert.equal((await c.ctr(['version'])).code, 0);
      assert.equal(await taskStatus(c, 't2'), 'RUNNING', 'the runsc task survived the restart');
      const ps = await execIn(t, c, 't2', 'after-restart', ['ps']);
      assert.match(ps.stdout, /sleep 31339/);

      const stop = await systemctl('stop', 'containerd');
      assert.equal(stop.code, 0, stop.stderr);
      const inactive = await systemctl('is-active', '--quiet', 'containerd');
      assert.deepEqual([inactive.code, inactive.stdout], [3, '']);
      assert.ok(!c.isRunning());
      const start = await systemctl('start', 'containerd');
      assert.equal(start.code, 0, start.stderr);
      assert.ok(c.isRunning());
      const reloadCtd = await systemctl('reload', 'containerd');
      assert.equal(reloadCtd.code, 1);
      assert.match(reloadCtd.stderr, /not applicable/);

      const reloadDocker = await systemctl('reload', 'docker');
      assert.equal(reloadDocker.code, 0, reloadDocker.stderr);
      await pollUntil(() => existsSync(hupLog) && readFileSync(hupLog, 'utf8').includes('hup'), { timeoutMs: 5_000, label: 'SIGHUP reached the fake dockerd' });
      const other = await systemctl('show', 'containerd', '-p', 'ExecStart');
      assert.equal(other.code, 1);
      assert.match(other.stderr, /fake systemctl: unsupported/);

      assert.deepEqual(s.calls(), [
        'is-active containerd', 'restart containerd.service', 'stop containerd', 'is-active --quiet containerd',
        'start containerd', 'reload containerd', 'reload docker', 'show containerd -p ExecStart',
      ]);
    } finally {
      if (dockerd.pid) signalPid(dockerd.pid, 'SIGKILL');
      undo();
    }
  });

  test('restart() re-reads the config: a runsc runtime entry per config dump, and what CRI makes of it', async (t) => {
    // runsc through the runc shim, the only way without containerd-shim-runsc-v1
    const runscOnly = `${baseConfig(c.dir)}
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runsc]
  runtime_type = "io.containerd.runc.v2"
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runsc.options]
    BinaryName = "${wrapper}"
`;
    writeFileSync(c.configFile, runscOnly);
    const dump = await c.configDump();
    assert.equal(dump.code, 0, dump.stderr);
    const runscTable = /\[plugins\."io\.containerd\.grpc\.v1\.cri"\.containerd\.runtimes\.runsc\]([\s\S]*?)\n\s*\[plugins\."io\.containerd\.grpc\.v1\.cri"\.containerd\.runtimes\.runsc\.options\]\s*\n\s*BinaryName = "([^"]*)"/.exec(dump.stdout);
    assert.ok(runscTable, dump.stdout);
    assert.match(runscTable[1]!, /runtime_type = "io\.containerd\.runc\.v2"/);
    assert.equal(runscTable[2], wrapper);
    assert.match(dump.stdout, /default_runtime_name = "runc"/);
    // Quirk: a config that names any runtime replaces the whole runtimes map, so the default
    // "runc" entry is gone while default_runtime_name still says "runc" ...
    assert.doesNotMatch(dump.stdout, /containerd\.runtimes\.runc\]/, 'runtimes.runc disappears when only runsc is configured');

    const pid0 = c.pid;
    await c.restart();
    assert.notEqual(c.pid, pid0);
    // ... and the CRI plugin refuses to load (containerd itself runs on; ctr works).
    const cri = await c.ctr(['plugins', 'ls', '-d', 'id==cri']);
    assert.equal(cri.code, 0, cri.stderr);
    assert.match(cri.stdout, /no corresponding runtime configured in `containerd\.runtimes` for `containerd` `default_runtime_name = "runc"/);
    assert.match(c.logText(), /failed to load plugin io\.containerd\.grpc\.v1\.cri/);
    t.diagnostic('CRI with only runtimes.runsc: plugin error (default_runtime_name "runc" has no entry)');

    // With runc listed as well, CRI loads and both entries are in the dump.
    writeFileSync(c.configFile, `${runscOnly}
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"
`);
    const dump2 = await c.configDump();
    assert.equal(dump2.code, 0, dump2.stderr);
    assert.match(dump2.stdout, /containerd\.runtimes\.runc\]/);
    assert.match(dump2.stdout, /containerd\.runtimes\.runsc\]/);
    await c.restart();
    const plugins = await c.ctr(['plugins', 'ls']);
    assert.match(plugins.stdout, /io\.containerd\.grpc\.v1\s+cri\s+\S+\s+ok/);
    // CRI runtime entries are not visible through ctr (no CRI client here): plugins ls -d shows
    // only the plugin's exports/error; `config dump` is the way to see them.
    const detail = await c.ctr(['plugins', 'ls', '-d', 'id==cri']);
    assert.doesNotMatch(detail.stdout, /runsc/);

    // A duplicated table is refused by config dump and by containerd itself.
    const broken = join(c.dir, 'broken.toml');
    writeFileSync(broken, `${readFileSync(c.configFile, 'utf8')}
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runsc]
  runtime_type = "io.containerd.runsc.v1"
`);
    const bad = await c.configDump(broken);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /duplicated tables/);

    assert.equal(await taskStatus(c, 't2'), 'RUNNING', 'the runsc task survived two restarts');
  });

  test('stop() removes a running runc and runsc task, leaves nothing, and the machine containerd is untouched', async (t) => {
    used.push('t3');
    const run = await c.ctr(['-n', NS, 'run', '-d', REF, 't3', 'sleep', '31340']);
    assert.equal(run.code, 0, run.stderr);
    await pollUntil(() => hostProcesses('sleep', '31340').length === 1, { timeoutMs: 10_000, label: 'sleep 31340 visible' });
    const dir = c.dir;
    const ourSockets = new Set(used.map((id) => c.shimSocketPath(NS, id)));
    const pid = c.pid;

    await c.stop();

    assert.ok(!isAlive(pid));
    assert.deepEqual(processesMatching(dir).map((p) => `${p.pid} ${p.argv.join(' ')}`), []);
    for (const n of ['31338', '31339', '31340']) assert.deepEqual(hostProcesses('sleep', n), [], `sleep ${n}`);
    assert.deepEqual(mountsUnder(dir), []);
    assert.equal(existsSync(dir), false);
    for (const s of ourSockets) assert.equal(existsSync(s), false, s);
    assert.deepEqual(cgroupNamespaceDirs(NS), cgroupsBefore, `cgroup dirs of namespace ${NS}`);
    assert.match(c.logText(), /containerd successfully booted/, 'the log stays readable after stop()');
    await c.stop(); // idempotent

    // The machine's own files: /etc/containerd, /etc/cni and /opt strictly unchanged. In
    // /run/containerd and /var/lib/containerd nothing of ours (namespace, shim sockets, FIFOs,
    // dirs created for us); what other daemons on this shared machine did meanwhile (their shim
    // sockets, their bolt db) is only reported.
    const diff = diffSnapshots(machineBefore, machineSnapshot());
    const mine = diff.filter((d) => isOurs(d, { ns: NS, ids: used, sockets: ourSockets }));
    const foreign = diff.filter((d) => !mine.includes(d));
    if (foreign.length > 0) t.diagnostic(`changed meanwhile by other daemons (not by this harness):\n${foreign.join('\n')}`);
    assert.deepEqual(mine, []);
  });
});

describe('private containerd config guard', { skip }, () => {
  test('a config that would use the machine\'s paths is refused before anything starts', async () => {
    assert.throws(() => assertPrivateConfig('version = 2\n', '/tmp/gvw-ctd-x'), /root = \(not set[\s\S]*state = \(not set[\s\S]*\[grpc\] address/);
    assert.throws(
      () => assertPrivateConfig(baseConfig('/tmp/gvw-ctd-x').replace('"/tmp/gvw-ctd-x/root"', '"/var/lib/containerd"'), '/tmp/gvw-ctd-x'),
      /root = "\/var\/lib\/containerd"/,
    );
    assert.throws(() => assertPrivateConfig(baseConfig('/tmp/gvw-ctd-x').replace(/\[plugins\."io\.containerd\.internal\.v1\.opt"\]\n.*\n/, ''), '/tmp/gvw-ctd-x'), /opt"\] path/);
    assert.throws(() => assertPrivateConfig('[grpc\n', '/tmp/gvw-ctd-x'), /not valid TOML/);
    assert.doesNotThrow(() => assertPrivateConfig(baseConfig('/tmp/gvw-ctd-x'), '/tmp/gvw-ctd-x'));
    // CRI's conf_dir only matters while CRI is enabled
    const noCni = baseConfig('/tmp/gvw-ctd-x').replace(/\[plugins\."io\.containerd\.grpc\.v1\.cri"\.cni\]\n.*\n.*\n/, '');
    assert.throws(() => assertPrivateConfig(noCni, '/tmp/gvw-ctd-x'), /cni\] conf_dir/);
    assert.doesNotThrow(() => assertPrivateConfig(noCni.replace('version = 2\n', 'version = 2\ndisabled_plugins = ["io.containerd.grpc.v1.cri"]\n'), '/tmp/gvw-ctd-x'));

    const err = await startPrivateContainerd({ configText: 'version = 2\nroot = "/var/lib/containerd"\n' }).then(() => null, (e: Error) => e);
    assert.ok(err);
    assert.match(err.message, /must keep everything inside \/tmp\/gvw-ctd-/);
    const dir = /inside (\/tmp\/gvw-ctd-[A-Za-z0-9]{6})/.exec(err.message)?.[1];
    assert.ok(dir && !existsSync(dir), 'the temp dir is gone');
    assert.deepEqual(processesMatching(dir), [], 'no containerd was started');
  });

  test('a containerd that refuses its config fails the start with its log, and leaves nothing', async () => {
    const err = await startPrivateContainerd({
      configText: (dir) => `required_plugins = ["io.containerd.nope.v1.missing"]\n${baseConfig(dir)}`,
      startTimeoutMs: 20_000,
    }).then(() => null, (e: Error) => e);
    assert.ok(err, 'start must fail');
    assert.match(err.message, /containerd exited/);
    assert.match(err.message, /io\.containerd\.nope\.v1\.missing/);
    const dir = /(\/tmp\/gvw-ctd-[A-Za-z0-9]{6})\//.exec(err.message)?.[1];
    assert.ok(dir, `the error names the log file: ${err.message}`);
    assert.equal(existsSync(dir), false);
    assert.deepEqual(processesMatching(dir), []);
  });

  test('configText may be a string with {{DIR}} placeholders', async () => {
    const c = await startPrivateContainerd({
      cleanup,
      configText: `${baseConfig('{{DIR}}')}\n[plugins."io.containerd.grpc.v1.cri"]\n  sandbox_image = "local/pause:none"\n`,
    });
    try {
      assert.ok(readFileSync(c.configFile, 'utf8').includes(`root = "${c.dir}/root"`));
      const dump = await c.configDump();
      assert.match(dump.stdout, /sandbox_image = "local\/pause:none"/);
      const plugins = await c.ctr(['plugins', 'ls']);
      assert.match(plugins.stdout, /io\.containerd\.grpc\.v1\s+cri\s+\S+\s+ok/);
    } finally {
      await c.stop();
    }
  });
});

