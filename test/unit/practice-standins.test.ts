// The practice stand-ins (src/practice): the generated docker CLI and dockerd answer the
// commands the wizard uses in the real formats, reload daemon.json on SIGHUP, refuse to talk to
// anything but their own socket, and go away when the wizard does.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { checkHeadline, PRACTICE_VERDICT, practiceBanner, practiceSteps, preparePracticeDir, startStandinDockerd } from '../../src/practice/practice.js';
import { isPracticeRoot, type PracticeLayout } from '../../src/practice/paths.js';
import { parseCli } from '../../src/cli/args.js';
import { stepsFor } from '../../src/wizard/session.js';
import { isAlive, runCommand, waitForExit } from '../helpers/proc.js';

describe('practice stand-in docker', () => {
  let dir: string;
  let l: PracticeLayout;
  let daemon: { pid: number; stop(): Promise<void> };
  const docker = (...args: string[]) => runCommand(join(l.bin, 'docker'), args, { env: { ...process.env, DOCKER_HOST: l.dockerHost } });

  before(async () => {
    dir = mkdtempSync('/tmp/gvw-practice-unit-');
    l = preparePracticeDir(dir);
    daemon = await startStandinDockerd(l);
  });
  after(async () => {
    await daemon.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the folder is marked as practice and holds a release whose sha512 matches', () => {
    assert.ok(isPracticeRoot(dir));
    const sha = readFileSync(join(l.release, 'runsc.sha512'), 'utf8');
    assert.match(sha, /^[0-9a-f]{128} {2}runsc\n$/);
    assert.equal(readFileSync(join(l.release, 'runsc')).subarray(0, 4).toString('latin1'), '\x7fELF');
  });

  test('docker info: the runtimes of daemon.json as of the last reload, in the wizard\'s format', async () => {
    const fmt = '{"runtimes":{{json .Runtimes}},"default":{{json .DefaultRuntime}}}';
    const first = JSON.parse((await docker('info', '--format', fmt)).stdout);
    assert.deepEqual(Object.keys(first.runtimes).sort(), ['io.containerd.runc.v2', 'io.containerd.runtime.v1.linux', 'runc']);
    assert.equal(first.default, 'runc');
    writeFileSync(join(dir, 'etc/docker/daemon.json'), JSON.stringify({ runtimes: { runsc: { path: '/usr/local/bin/runsc', runtimeArgs: ['--network=host'] } }, 'default-runtime': 'runsc' }));
    // Not read until the reload, as with the real dockerd.
    assert.equal(JSON.parse((await docker('info', '--format', fmt)).stdout).runtimes.runsc, undefined);
    process.kill(daemon.pid, 'SIGHUP');
    await new Promise((r) => setTimeout(r, 200));
    const after = JSON.parse((await docker('info', '--format', fmt)).stdout);
    assert.deepEqual(after.runtimes.runsc, { path: '/usr/local/bin/runsc', runtimeArgs: ['--network=host'] });
    assert.equal(after.default, 'runsc');
    const all = JSON.parse((await docker('info', '--format', '{{json .}}')).stdout);
    assert.equal(all.ServerVersion, '20.10.24-practice');
    assert.match(all.OperatingSystem, /practice/);
  });

  test('a broken daemon.json is refused on reload and the old settings stay', async () => {
    writeFileSync(join(dir, 'etc/docker/daemon.json'), '{ "runtimes": ');
    process.kill(daemon.pid, 'SIGHUP');
    await new Promise((r) => setTimeout(r, 200));
    const info = JSON.parse((await docker('info', '--format', '{{json .Runtimes}}')).stdout);
    assert.ok(info.runsc);
    assert.match(readFileSync(join(l.log, 'dockerd.log'), 'utf8'), /level=error msg="unable to configure the Docker daemon/);
  });

  test('run, inspect, exec, ps and rm answer like docker; a runsc runtime shows gVisor\'s canned answers', async () => {
    // The runtime's binary must exist below DIR, as a real start needs it.
    const missing = await docker('run', '-d', '--name', 'c0', '--runtime=runsc', 'busybox:latest', 'sleep', '1');
    assert.equal(missing.code, 127);
    assert.match(missing.stderr, /fork\/exec \/usr\/local\/bin\/runsc: no such file or directory/);
    assert.match(missing.stdout, /^[0-9a-f]{64}\n$/);
    assert.equal((await docker('rm', '-f', 'c0')).code, 0);
    writeFileSync(join(dir, 'usr/local/bin/runsc'), readFileSync(join(l.release, 'runsc')), { mode: 0o755 });

    const run = await docker('run', '-d', '--name', 'c1', '--label', 'gvisor-wizard=isolation-check', '--runtime=runsc', 'busybox:latest', 'sleep', '123456789');
    assert.equal(run.code, 0, run.stderr);
    const id = run.stdout.trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    const [info] = JSON.parse((await docker('inspect', 'c1')).stdout);
    assert.equal(info.Id, id);
    assert.equal(info.State.Running, true);
    assert.equal(info.HostConfig.Runtime, 'runsc');
    assert.match((await docker('exec', 'c1', 'ps')).stdout, /sleep 123456789/);
    assert.match((await docker('exec', 'c1', 'dmesg')).stdout, /Starting gVisor.*PRACTICE/);
    assert.equal((await docker('exec', 'c1', 'uname', '-r')).stdout, '4.4.0\n');
    assert.equal((await docker('ps', '-aq', '--filter', 'label=gvisor-wizard=isolation-check')).stdout, `${id.slice(0, 12)}\n`);
    const conflict = await docker('run', '-d', '--name', 'c1', 'busybox:latest', 'true');
    assert.equal(conflict.code, 125);
    assert.match(conflict.stderr, /Conflict\. The container name "\/c1" is already in use/);
    assert.match((await docker('rm', 'c1')).stderr, /You cannot remove a running container/);
    assert.equal((await docker('rm', '-f', 'c1')).stdout, 'c1\n');
    const gone = await docker('inspect', 'c1');
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /Error: No such object: c1/);
  });

  test('unknown runtime and missing image are reported as docker reports them', async () => {
    const r = await docker('run', '-d', '--runtime=nope', 'busybox:latest', 'true');
    assert.equal(r.code, 125);
    assert.match(r.stderr, /unknown or invalid runtime name: nope/);
    const img = await docker('image', 'inspect', '--format', '{{.Id}}', 'alpine:3');
    assert.equal(img.code, 1);
    assert.match(img.stderr, /Error: No such image: alpine:3/);
    assert.match((await docker('image', 'inspect', '--format', '{{.Id}}', 'busybox:latest')).stdout, /^sha256:[0-9a-f]{64}\n$/);
  });

  test('the client refuses any socket but the practice one', async () => {
    const r = await runCommand(join(l.bin, 'docker'), ['info'], { env: { ...process.env, DOCKER_HOST: 'unix:///var/run/docker.sock' } });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /refusing to talk to unix:\/\/\/var\/run\/docker\.sock/);
  });

  test('the daemon stops when its standard input ends (the wizard went away), removing its socket', async () => {
    const other = mkdtempSync('/tmp/gvw-practice-unit-');
    try {
      const o = preparePracticeDir(other);
      const child = spawn(join(o.libexec, 'dockerd'), [join(o.libexec, 'dockerd.cjs'), '-H', o.dockerHost], { stdio: ['pipe', 'pipe', 'ignore'] });
      await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
      assert.ok(existsSync(o.socket));
      child.stdin!.end();
      assert.ok(await waitForExit(child.pid!, 5000));
      assert.equal(isAlive(child.pid!), false);
      assert.equal(existsSync(o.socket), false);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});

describe('practice marking', () => {
  test('--practice implies a DIR of its own, with state and logs below it', () => {
    const cli = parseCli(['apply', '--practice']);
    assert.equal(cli.practice, true);
    assert.match(cli.options.root, /^\/tmp\/gvisor-wizard-practice-/);
    assert.equal(cli.options.stateDir, `${cli.options.root}/var/lib/gvisor-wizard`);
    assert.equal(parseCli(['apply', '--practice', '--root', '/srv/p']).options.root, '/srv/p');
    assert.throws(() => parseCli(['apply', '--practice', '--root', '/']), /--practice needs a folder of its own/);
  });

  test('the banner names DIR; a passed check never reads PASS', () => {
    assert.equal(practiceBanner({ root: '/tmp/p' }), 'PRACTICE MODE (stand-in engines under /tmp/p; this machine is not changed)');
    assert.equal(checkHeadline({ passed: true, verdict: 'x' }, true), PRACTICE_VERDICT);
    assert.doesNotMatch(checkHeadline({ passed: true, verdict: 'x' }, true), /PASS/);
    assert.equal(checkHeadline({ passed: false, verdict: 'ran on the host kernel' }, true), 'FAIL (practice): ran on the host kernel');
    assert.equal(checkHeadline({ passed: true, verdict: 'ok' }, false), 'PASS: ok');
  });

  test('practiceSteps marks only the isolation check', () => {
    const steps = stepsFor('docker');
    const marked = practiceSteps(steps);
    assert.deepEqual(marked.map((s) => s.id), steps.map((s) => s.id));
    assert.equal(marked[0], steps[0]);
    assert.match(marked.at(-1)!.title, /practice: simulated/);
  });
});
