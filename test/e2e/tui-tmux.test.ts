// The real TUI in a real terminal (tmux, 80x24), once per engine: welcome, engine choice,
// the questions flags did not answer, a confirm per step, live logs, and the isolation
// check's PASS on the summary.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { BUSYBOX_TAG, ensureBusyboxImage } from '../helpers/busybox-image.js';
import { cleanupAfter } from '../helpers/cleanup.js';
import { CTR_BUSYBOX_REF, importBusyboxImage } from '../helpers/ctr-image.js';
import { makeFakeSystemctl } from '../helpers/fake-systemctl.js';
import { e2eSkip } from '../helpers/prereqs.js';
import { baseConfig, startPrivateContainerd } from '../helpers/private-containerd.js';
import { startPrivateDockerd } from '../helpers/private-dockerd.js';
import { which } from '../helpers/proc.js';
import { startReleaseServer } from '../helpers/release-server.js';
import { confirmEveryStep, startTuiInTmux, type TmuxWizard } from '../helpers/tmux-wizard.js';
import { wizardEntry, workDir } from '../helpers/wizard.js';

const cleanup = cleanupAfter();
after(() => cleanup.run());
const skip = e2eSkip() || (which('tmux') ? false : 'tmux is not installed');

async function finish(t: TmuxWizard): Promise<string> {
  const summary = await t.waitFor(/press q to quit/);
  assert.match(summary, /Isolation check: PASS/);
  assert.match(summary, /\[ok\] marker absent from the host process list/);
  for (const line of summary.split('\n')) assert.ok(line.length <= 80, `fits 80 columns: ${line}`);
  const logPath = /Log file: (\S+)/.exec(summary)?.[1];
  assert.ok(logPath && readFileSync(logPath, 'utf8').includes('Starting gVisor'), 'the log file holds the full output');
  await t.keys('q');
  assert.equal(await t.exitStatus(), 0, 'the wizard exited with status 0');
  return summary;
}

test('docker: the TUI walks from welcome to a passing isolation check in an 80x24 terminal', { skip, timeout: 600_000 }, async () => {
  const d = await startPrivateDockerd({ cleanup });
  await ensureBusyboxImage(d);
  const server = await startReleaseServer({ layout: 'loose' });
  cleanup.add('release server', () => server.close());
  const w = workDir(); cleanup.add('work dir', w.remove);
  const t = await startTuiInTmux([process.execPath, wizardEntry(), '--image', BUSYBOX_TAG, '--runtime-arg=--network=host', '--docker-host', d.host,
    '--mirror', server.baseUrl, '--install-dir', join(w.dir, 'bin'), '--state-dir', join(w.dir, 'state'), '--log-dir', join(w.dir, 'log')], d.env, cleanup);

  const welcome = await t.waitFor(/Enter to continue/);
  assert.match(welcome, /docker\s+running 20\./);
  assert.match(welcome, /arch\s+x64 -> runsc release x86_64/);
  await t.keys('Enter');
  await t.waitFor(/choose the engine/);
  await t.keys('Enter'); // docker is first
  // --runtime-arg answered the network and platform questions; the default-runtime one is asked
  const question = await t.waitFor(/Make runsc docker's default runtime\?/);
  assert.doesNotMatch(question, /Network for sandboxed containers/);
  await t.keys('Enter');

  const { titles, screens } = await confirmEveryStep(t);
  assert.deepEqual(titles, ['Download, verify and install runsc', 'Add the runsc runtime to docker', 'Reload docker and confirm it lists the runtime', 'Prove that workloads run inside gVisor']);
  assert.ok(screens.some((s) => /\+\s+"runsc": \{/.test(s)), 'the daemon.json diff was shown before writing');
  await finish(t);
  assert.equal((await d.docker(['ps', '-aq'])).stdout.trim(), '', 'no check container left');
});

test('containerd: the TUI walks from the engine choice to a passing isolation check through containerd', { skip, timeout: 600_000 }, async () => {
  const c = await startPrivateContainerd({
    cleanup,
    configText: (dir) => `${baseConfig(dir)}\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]\n  runtime_type = "io.containerd.runc.v2"\n`,
  });
  await importBusyboxImage(c, 'gvw');
  const systemctl = makeFakeSystemctl(c.binDir, { containerd: c });
  const server = await startReleaseServer({ layout: 'loose' });
  cleanup.add('release server', () => server.close());
  for (const f of ['containerd-shim-runsc-v1', 'containerd-shim-runsc-v1.sha512']) server.overrides.set(`release/latest/x86_64/${f}`, { status: 404, body: 'Not Found' });
  const w = workDir(); cleanup.add('work dir', w.remove);
  const t = await startTuiInTmux([process.execPath, wizardEntry(), '--image', CTR_BUSYBOX_REF, '--namespace', 'gvw', '--runtime-arg=--network=host',
    '--containerd-socket', c.socket, '--service-manager', 'systemd', '--docker-host', `unix://${join(w.dir, 'no-docker.sock')}`,
    '--mirror', server.baseUrl, '--install-dir', join(w.dir, 'bin'), '--state-dir', join(w.dir, 'state'), '--log-dir', join(w.dir, 'log'), '--crictl-config', join(w.dir, 'crictl.yaml')], c.env, cleanup);

  await t.waitFor(/Enter to continue/);
  await t.keys('Enter');
  const choice = await t.waitFor(/choose the engine/);
  assert.match(choice, /containerd 1\.6/);
  await t.keys('Down');
  await t.waitFor(/> containerd/);
  await t.keys('Enter');
  await t.waitFor(/SystemdCgroup = true\)\?/);
  await t.keys('Enter'); // no
  await t.waitFor(/Go on to Kubernetes/);
  await t.keys('Enter'); // no: containerd only

  const { titles, screens } = await confirmEveryStep(t);
  assert.deepEqual(titles, ['Download, verify and install runsc', 'Add the runsc runtime to containerd', 'Restart containerd so it reads the new config', 'Point crictl at containerd', 'Prove that workloads run inside gVisor'], screens.at(-1));
  assert.ok(screens.some((s) => /runtimes\.runsc\]/.test(s)), 'the config.toml diff was shown before writing');
  const summary = await finish(t);
  assert.match(summary, /containerd \(namespace gvw\)/);
  assert.deepEqual(systemctl.calls(), ['restart containerd']);
});
