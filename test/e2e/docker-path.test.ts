// The docker path end to end, against a real private dockerd and real gVisor: the wizard
// downloads runsc from a local "bucket", verifies it, installs it, edits the daemon's own
// daemon.json, reloads it and proves isolation. Nothing of the machine's own docker is used.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BUSYBOX_TAG, ensureBusyboxImage } from '../helpers/busybox-image.js';
import { cleanupAfter, processesMatching } from '../helpers/cleanup.js';
import { e2eSkip } from '../helpers/prereqs.js';
import { startPrivateDockerd, type PrivateDockerd } from '../helpers/private-dockerd.js';
import { startReleaseServer, type ReleaseServer } from '../helpers/release-server.js';
import { makeFakeRunscThatIsRunc } from '../helpers/runc-wrapper.js';
import { runWizard, workDir } from '../helpers/wizard.js';
import { repoRoot } from '../helpers/paths.js';
import { runCommand } from '../helpers/proc.js';
import { snapshotFiles, withoutRunRecord } from '../helpers/file-snapshot.js';

const cleanup = cleanupAfter();
const skip = e2eSkip();


describe('docker path, end to end on a private dockerd', { skip }, () => {
  let d: PrivateDockerd;
  let loose: ReleaseServer;
  let tarball: ReleaseServer;

  before(async () => {
    d = await startPrivateDockerd({ cleanup });
    await ensureBusyboxImage(d);
    loose = await startReleaseServer({ layout: 'loose' });
    cleanup.add('loose release server', () => loose.close());
    tarball = await startReleaseServer({ layout: 'tarball' });
    cleanup.add('tarball release server', () => tarball.close());
  });
  after(() => cleanup.run());

  const common = (w: string) => [
    '--runtime', 'docker', '--yes', '--image', BUSYBOX_TAG, '--runtime-arg=--network=host',
    '--docker-host', d.host, '--install-dir', join(w, 'bin'), '--state-dir', join(w, 'state'), '--log-dir', join(w, 'log'),
  ];

  test('apply from a mirror with loose files passes the isolation check, and a second apply changes no file', { timeout: 600_000 }, async () => {
    const w = workDir(); cleanup.add('work dir', w.remove);
    // Given a plain daemon whose daemon.json holds an unrelated key
    writeFileSync(d.configFile, '{\n  "log-level": "info"\n}\n');

    // When the wizard runs headless against the local bucket
    const first = await runWizard(['apply', ...common(w.dir), '--mirror', loose.baseUrl], d.env);

    // Then it exits 0 with a PASS backed by evidence
    assert.equal(first.code, 0, `${first.stdout}\n${first.stderr}`);
    assert.match(first.stdout, /Isolation check: PASS/);
    assert.match(first.stdout, /\[ok\] marker absent from the host process list/);
    assert.match(first.stdout, /\[ok\] guest kernel log is gVisor's: .*Starting gVisor/);
    // and runsc was installed verified, byte-identical to the release, mode 0755
    const installed = join(w.dir, 'bin', 'runsc');
    assert.equal(createHash('sha512').update(readFileSync(installed)).digest('hex'), loose.files.runsc!.sha512);
    assert.equal(statSync(installed).mode & 0o777, 0o755);
    // and daemon.json kept its key and gained exactly the runtime
    assert.deepEqual(JSON.parse(readFileSync(d.configFile, 'utf8')), {
      'log-level': 'info',
      runtimes: { runsc: { path: installed, runtimeArgs: ['--network=host'] } },
    });
    // and the old daemon.json was backed up
    const backups = [...snapshotFiles(join(w.dir, 'state', 'backups')).keys()];
    assert.ok(backups.some((b) => b.endsWith(d.configFile)), `backup of ${d.configFile} in ${backups.join(', ')}`);
    // and a log file was written with every command
    const logs = readdirSync(join(w.dir, 'log'));
    assert.equal(logs.length, 1);
    assert.match(readFileSync(join(w.dir, 'log', logs[0]!), 'utf8'), /CMD .*docker run -d --name gvisor-wizard-check-/);
    // and no check container is left
    const ps = await d.docker(['ps', '-aq']);
    assert.equal(ps.stdout.trim(), '');

    // When it runs again
    const before = snapshotFiles(d.configFile, join(w.dir, 'bin'), join(w.dir, 'state'));
    const requestsBefore = loose.requests.length;
    const second = await runWizard(['apply', ...common(w.dir), '--mirror', loose.baseUrl], d.env);

    // Then it passes again, changes no file and downloads no binary
    assert.equal(second.code, 0, `${second.stdout}\n${second.stderr}`);
    assert.match(second.stderr, /already matches the published sha512/);
    assert.match(second.stderr, /already has runtimes\.runsc/);
    // (state.json is the wizard's own record of runs: it gains the second run, nothing else changes)
    const stateFile = join(w.dir, 'state', 'state.json');
    assert.deepEqual(withoutRunRecord(snapshotFiles(d.configFile, join(w.dir, 'bin'), join(w.dir, 'state'))), withoutRunRecord(before));
    const runs = (JSON.parse(readFileSync(stateFile, 'utf8')) as { runs: { command: string; ok?: boolean }[] }).runs;
    assert.deepEqual(runs.map((r) => [r.command, r.ok]), [['apply', true], ['apply', true]]);
    assert.deepEqual(loose.requests.slice(requestsBefore).filter((r) => r.endsWith('/runsc')), []);
  });

  test('apply from a mirror with the gvisor.tar.bz2 layout installs runsc, the shim and gvisor-bin side by side', { timeout: 600_000 }, async () => {
    const w = workDir(); cleanup.add('work dir', w.remove);
    const result = await runWizard(['apply', ...common(w.dir), '--mirror', tarball.baseUrl, '--runtime-name', 'gvisor'], d.env);
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    assert.match(result.stdout, /Isolation check: PASS/);
    assert.ok(existsSync(join(w.dir, 'bin', 'runsc')));
    assert.ok(existsSync(join(w.dir, 'bin', 'containerd-shim-runsc-v1')));
    assert.ok(readdirSync(join(w.dir, 'bin', 'gvisor-bin')).length > 0, 'gvisor-bin/ next to runsc');
    assert.ok(tarball.requests.some((r) => r.endsWith('/gvisor.tar.bz2')));
    // A second run recognises the installed release without downloading the tarball again
    const n = tarball.requests.length;
    const again = await runWizard(['apply', ...common(w.dir), '--mirror', tarball.baseUrl, '--runtime-name', 'gvisor'], d.env);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(tarball.requests.slice(n).filter((r) => r.endsWith('/gvisor.tar.bz2')), []);
  });

  test('check FAILs with "ran on the host kernel" when the configured "runsc" really runs runc', { timeout: 300_000 }, async () => {
    const w = workDir(); cleanup.add('work dir', w.remove);
    // Given a runtime named like gVisor whose binary execs runc
    const fake = makeFakeRunscThatIsRunc(w.dir);
    const config = JSON.parse(readFileSync(d.configFile, 'utf8') || '{}');
    writeFileSync(d.configFile, JSON.stringify({ ...config, runtimes: { ...config.runtimes, 'fake-runsc': { path: fake } } }, null, 2));
    await d.reload();

    // When only the check runs
    const r = await runWizard(['check', '--runtime', 'docker', '--runtime-name', 'fake-runsc', '--image', BUSYBOX_TAG, '--docker-host', d.host, '--log-dir', join(w.dir, 'log'), '--state-dir', join(w.dir, 'state')], d.env);

    // Then it fails, saying why, with the evidence
    assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /Isolation check: FAIL: ran on the host kernel/);
    assert.match(r.stdout, /\[!!\] marker absent from the host process list: host pid \d+ runs `sleep \d+`/);
    // and the container is gone and no marker process survives
    assert.equal((await d.docker(['ps', '-aq'])).stdout.trim(), '');
    assert.deepEqual(processesMatching('gvisor-wizard-check'), []);
  });

  test('without --network=host this old runsc fails to start and the check explains the choices', { timeout: 300_000 }, async () => {
    const w = workDir(); cleanup.add('work dir', w.remove);
    const args = ['apply', '--runtime', 'docker', '--yes', '--image', BUSYBOX_TAG, '--runtime-name', 'runsc-netns', '--docker-host', d.host,
      '--install-dir', join(w.dir, 'bin'), '--state-dir', join(w.dir, 'state'), '--log-dir', join(w.dir, 'log'), '--mirror', loose.baseUrl];
    const r = await runWizard(args, d.env);
    assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /cannot run with network enabled in root network namespace/);
    assert.match(r.stderr, /--runtime-arg=--network=host/);
    assert.match(r.stderr, /newer runsc/);
    // no container and no stray sandbox of the failed start is left
    assert.equal((await d.docker(['ps', '-aq'])).stdout.trim(), '');
    assert.deepEqual(processesMatching('gvisor-wizard-check'), []);
  });

  test('plan shows the diff and commands and changes nothing', { timeout: 300_000 }, async () => {
    const w = workDir(); cleanup.add('work dir', w.remove);
    writeFileSync(d.configFile, '{\n  "log-level": "info"\n}\n');
    const before = snapshotFiles(d.configFile, w.dir);
    const r = await runWizard(['plan', ...common(w.dir).filter((a) => a !== '--yes'), '--mirror', loose.baseUrl, '--runtime-name', 'planned'], d.env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\+\s+"planned": \{/);
    assert.match(r.stdout, /run: kill -HUP \d+|run: systemctl reload docker/);
    assert.deepEqual(snapshotFiles(d.configFile, w.dir), before);
    assert.ok(!(await d.runtimes()).includes('planned'));
  });
  test('with systemd it reloads through `systemctl reload docker` and leaves /etc/docker alone', { timeout: 300_000 }, async () => {
    const w = workDir(); cleanup.add('work dir', w.remove);
    // Given a systemd host (a systemctl stand-in that records its argv and reloads the private dockerd)
    const bin = join(w.dir, 'fakebin');
    mkdirSync(bin);
    const calls = join(w.dir, 'systemctl.calls');
    writeFileSync(join(bin, 'systemctl'), `#!/bin/sh\necho "$*" >> ${calls}\n[ "$1" = reload ] && [ "$2" = docker ] && kill -HUP $(cat ${d.pidFile})\nexit 0\n`);
    chmodSync(join(bin, 'systemctl'), 0o755);
    const etcBefore = snapshotFiles('/etc/docker');
    const env = { ...d.env, PATH: `${bin}:${d.env.PATH}` };

    // When apply runs with the systemd service manager
    const r = await runWizard(['apply', ...common(w.dir), '--mirror', loose.baseUrl, '--runtime-name', 'runsc-sd', '--service-manager', 'systemd'], env);

    // Then systemctl reload docker (not restart) made dockerd list the runtime, and the check passed
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.equal(readFileSync(calls, 'utf8'), 'reload docker\n');
    assert.ok((await d.runtimes()).includes('runsc-sd'));
    // and the wizard wrote the file dockerd reads (--config-file), not /etc/docker/daemon.json
    assert.deepEqual(snapshotFiles('/etc/docker'), etcBefore);
  });

  test('when the written file is not the one dockerd reads, the reload step fails naming both', { timeout: 300_000 }, async () => {
    const w = workDir(); cleanup.add('work dir', w.remove);
    const elsewhere = join(w.dir, 'not-read-by-dockerd.json');
    const r = await runWizard(['apply', ...common(w.dir), '--mirror', loose.baseUrl, '--runtime-name', 'runsc-elsewhere', '--docker-config', elsewhere], d.env);
    assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /does not list runtime runsc-elsewhere/);
    assert.ok(r.stderr.includes(elsewhere), 'names the file the wizard wrote');
    assert.ok(r.stderr.includes(`dockerd reads ${d.configFile}`), 'names the file dockerd reads');
    assert.match(r.stderr, /warning: the running dockerd \(pid \d+\) reads/);
  });

  test('a missing image that cannot be pulled is explained with the offline way to load one', { timeout: 300_000 }, async () => {
    const w = workDir(); cleanup.add('work dir', w.remove);
    const r = await runWizard(['check', '--runtime', 'docker', '--image', 'registry.invalid/nothing:here', '--docker-host', d.host, '--log-dir', join(w.dir, 'log'), '--state-dir', join(w.dir, 'state'), '--check-timeout', '60'], d.env);
    assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /image registry\.invalid\/nothing:here is not on this machine and could not be pulled/);
    assert.match(r.stderr, /docker load -i/);
  });
  test('the single-file bundle, copied alone to a folder without node_modules, passes the same apply', { timeout: 600_000 }, async () => {
    const w = workDir(); cleanup.add('work dir', w.remove);
    // Given only dist/gvisor-wizard.mjs, as an operator would copy it to a worker
    const bundle = join(repoRoot(), 'dist', 'gvisor-wizard.mjs');
    assert.ok(existsSync(bundle), 'npm test builds the bundle first (npm run bundle)');
    const lone = join(w.dir, 'gvisor-wizard.mjs');
    copyFileSync(bundle, lone);
    const r = await runCommand(process.execPath, [lone, 'apply', ...common(w.dir), '--mirror', loose.baseUrl, '--runtime-name', 'runsc-bundle'], { env: d.env, cwd: w.dir, timeoutMs: 300_000 });
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /Isolation check: PASS/);
  });

  // Last in this file: it changes the private daemon's default runtime.
  test('--default-runtime on a machine already set up reloads docker so plain `docker run` lands in gVisor', { timeout: 600_000 }, async () => {
    const w = workDir(); cleanup.add('work dir', w.remove);
    const first = await runWizard(['apply', ...common(w.dir), '--mirror', loose.baseUrl, '--runtime-name', 'runsc-dflt'], d.env);
    assert.equal(first.code, 0, first.stderr);
    const second = await runWizard(['apply', ...common(w.dir), '--mirror', loose.baseUrl, '--runtime-name', 'runsc-dflt', '--default-runtime', '--json'], d.env);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /default runtime is runc, not runsc-dflt/);
    const report = JSON.parse(second.stdout) as { ok: boolean; check: { passed: boolean; evidence: unknown[] } };
    assert.equal(report.ok, true);
    assert.equal(report.check.passed, true);
    const info = await d.docker(['info', '--format', '{{.DefaultRuntime}}']);
    assert.equal(info.stdout.trim(), 'runsc-dflt');
    const plain = await d.docker(['run', '--rm', BUSYBOX_TAG, 'dmesg'], { timeoutMs: 120_000 });
    assert.match(plain.stdout, /Starting gVisor/);
  });
});
