// Practice mode end to end: `apply --practice --runtime docker|containerd --yes` walks every
// step against the stand-ins below DIR, says PRACTICE instead of PASS, leaves the machine's own
// files and no process behind; report, undo and a rerun work on the same DIR.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { snapshotTrees } from '../helpers/tree-snapshot.js';
import { runWizard, workDir } from '../helpers/wizard.js';

/** The machine's own files a real docker-path run would change. */
const MACHINE = ['/etc/docker', '/etc/containerd', '/etc/crictl.yaml', '/usr/local/bin/runsc', '/usr/local/bin/runsc-for-runc-shim', '/usr/local/bin/containerd-shim-runsc-v1', '/var/lib/gvisor-wizard', '/var/log/gvisor-wizard'];

/** Processes whose command line names DIR (the stand-in dockerd would). */
function processesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(dir)) out.push(`${name}: ${cmd}`);
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** DIR's own files that a rerun must not touch (the wizard's logs and state change on every run). */
function practiceTree(dir: string): Map<string, string> {
  return snapshotTrees([join(dir, 'etc'), join(dir, 'usr')], { hashUpTo: 1 << 30 });
}

describe('practice mode (docker path)', () => {
  const w = workDir('gvw-practice-');
  const dir = w.dir;
  let machineBefore: Map<string, string>;
  // No DOCKER_HOST or PATH tricks from the test: the wizard sets up its stand-ins itself.
  const env = { ...process.env, DOCKER_HOST: 'unix:///var/run/docker.sock' };

  before(() => { machineBefore = snapshotTrees(MACHINE, { hashUpTo: 1 << 30 }); });
  after(() => w.remove());

  test('a --save-answers file that cannot be written stops apply before any step (exit 2, nothing changed)', async () => {
    const elsewhere = workDir('gvw-practice-save-');
    try {
      for (const target of [join(elsewhere.dir, 'no-such-folder', 'answers.toml'), elsewhere.dir]) {
        const r = await runWizard(['apply', '--practice', '--root', join(elsewhere.dir, 'root'), '--runtime', 'docker', '--yes', '--save-answers', target], env);
        assert.equal(r.code, 2, `${target}: ${r.stdout}\n${r.stderr}`);
        assert.match(r.stderr, /could not save the answers to /);
        assert.match(r.stderr, /next: nothing was changed; give --save-answers a file in an existing folder/);
        assert.doesNotMatch(r.stderr, /== Download, verify and install runsc/);
        assert.ok(!existsSync(join(elsewhere.dir, 'root', 'usr/local/bin/runsc')));
        assert.deepEqual(readdirSync(elsewhere.dir).sort(), ['root'], 'no temp file with the answers is left');
      }
      assert.deepEqual(processesUnder(elsewhere.dir), []);
    } finally {
      elsewhere.remove();
    }
  });

  test('apply --practice walks every step and marks the verdict, changing nothing outside DIR', async () => {
    const r = await runWizard(['apply', '--practice', '--root', dir, '--runtime', 'docker', '--yes'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.split('\n')[0], `PRACTICE MODE (stand-in engines under ${dir}; this machine is not changed)`);
    assert.match(r.stdout, /Isolation check: PRACTICE: simulated evidence — this proves nothing about a real sandbox/);
    assert.doesNotMatch(r.stdout, /\bPASS\b/);
    for (const step of ['Download, verify and install runsc', 'Add the runsc runtime to docker', 'Reload docker and confirm it lists the runtime', 'Prove that workloads run inside gVisor (practice: simulated)']) {
      assert.ok(r.stderr.includes(`== ${step}`), step);
    }
    assert.match(r.stderr, /kill -s HUP \d+/);
    assert.ok(existsSync(join(dir, 'usr/local/bin/runsc')));
    assert.match(readFileSync(join(dir, 'etc/docker/daemon.json'), 'utf8'), /"path": "\/usr\/local\/bin\/runsc"/);
    const state = JSON.parse(readFileSync(join(dir, 'var/lib/gvisor-wizard/state.json'), 'utf8'));
    assert.equal(state.runs.at(-1).practice, true);
    assert.deepEqual(snapshotTrees(MACHINE, { hashUpTo: 1 << 30 }), machineBefore);
    assert.deepEqual(processesUnder(dir), []);
  });

  test('a rerun changes nothing below DIR and still says practice', async () => {
    const before = practiceTree(dir);
    const r = await runWizard(['apply', '--practice', '--root', dir, '--runtime', 'docker', '--yes'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /already matches the published sha512/);
    assert.match(r.stderr, /already has runtimes\.runsc/);
    assert.match(r.stdout, /Isolation check: PRACTICE: simulated evidence/);
    assert.deepEqual(practiceTree(dir), before);
    assert.deepEqual(processesUnder(dir), []);
  });

  test('report --root DIR says PRACTICE RUN', async () => {
    const r = await runWizard(['report', '--root', dir], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /PRACTICE RUN/);
    assert.match(r.stdout, /simulated evidence/);
    assert.deepEqual(processesUnder(dir), []);
  });

  test('undo --root DIR --yes puts DIR back (a practice run without --practice: DIR is marked)', async () => {
    const r = await runWizard(['undo', '--root', dir, '--yes'], env);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /^PRACTICE MODE/);
    assert.match(r.stdout, /Undo: done/);
    assert.match(r.stderr, /kill -s HUP \d+/);
    assert.equal(existsSync(join(dir, 'etc/docker/daemon.json')), false);
    assert.equal(existsSync(join(dir, 'usr/local/bin/runsc')), false);
    assert.deepEqual(snapshotTrees(MACHINE, { hashUpTo: 1 << 30 }), machineBefore);
    assert.deepEqual(processesUnder(dir), []);
  });

});

describe('practice mode (containerd path)', () => {
  const w = workDir('gvw-practice-ctd-');
  const dir = w.dir;
  let machineBefore: Map<string, string>;
  const env = { ...process.env, DOCKER_HOST: 'unix:///var/run/docker.sock' };
  const apply = () => runWizard(['apply', '--practice', '--root', dir, '--runtime', 'containerd', '--yes'], env);

  before(() => { machineBefore = snapshotTrees(MACHINE, { hashUpTo: 1 << 30 }); });
  after(() => w.remove());

  test('apply --practice --runtime containerd walks every step, restarts the stand-in with systemctl, marks the verdict', async () => {
    const r = await apply();
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.split('\n')[0], `PRACTICE MODE (stand-in engines under ${dir}; this machine is not changed)`);
    assert.match(r.stdout, /Isolation check: PRACTICE: simulated evidence — this proves nothing about a real sandbox/);
    assert.doesNotMatch(r.stdout, /\bPASS\b/);
    for (const step of ['Download, verify and install runsc', 'Add the runsc runtime to containerd', 'Restart containerd so it reads the new config', 'Point crictl at containerd', 'Install nerdctl (and the CNI plugins)', 'Prove that workloads run inside gVisor (practice: simulated)']) {
      assert.ok(r.stderr.includes(`== ${step}`), step);
    }
    assert.match(r.stderr, /\$ systemctl restart containerd/);
    assert.match(r.stderr, /verified: containerd answers; effective config has plugins\."io\.containerd\.grpc\.v1\.cri"\.containerd\.runtimes\.runsc/);
    assert.match(r.stderr, /nerdctl not requested/);
    assert.match(r.stdout, /\[ok\] engine reports the runtime: containerd \(namespace default\): io\.containerd\.runc\.v2/);
    const config = readFileSync(join(dir, 'etc/containerd/config.toml'), 'utf8');
    assert.match(config, /^# gvisor-wizard PRACTICE stand-in/);
    assert.match(config, /BinaryName = "\/usr\/local\/bin\/runsc-for-runc-shim"/);
    assert.match(readFileSync(join(dir, 'etc/crictl.yaml'), 'utf8'), new RegExp(`runtime-endpoint: unix://${dir}/practice/run/containerd.sock`));
    assert.ok(existsSync(join(dir, 'usr/local/bin/runsc')));
    // The restarted stand-in logged its restart; the daemons' logs stay below DIR.
    assert.match(readFileSync(join(dir, 'practice/log/containerd.log'), 'utf8'), /restart requested \(systemctl restart containerd\)/);
    const state = JSON.parse(readFileSync(join(dir, 'var/lib/gvisor-wizard/state.json'), 'utf8'));
    assert.equal(state.runs.at(-1).practice, true);
    assert.deepEqual(snapshotTrees(MACHINE, { hashUpTo: 1 << 30 }), machineBefore);
    assert.deepEqual(processesUnder(dir), []);
  });

  test('a rerun changes nothing below DIR: the restart is not needed again', async () => {
    const before = practiceTree(dir);
    const r = await apply();
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /already has runtime runsc \(io\.containerd\.runc\.v2\)/);
    assert.match(r.stderr, /started after the last change to \/etc\/containerd\/config\.toml/);
    assert.doesNotMatch(r.stderr, /\$ systemctl restart/);
    assert.match(r.stdout, /Isolation check: PRACTICE: simulated evidence/);
    assert.deepEqual(practiceTree(dir), before);
    assert.deepEqual(processesUnder(dir), []);
  });

  test('report --root DIR says PRACTICE RUN', async () => {
    const r = await runWizard(['report', '--root', dir], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /PRACTICE RUN/);
    assert.deepEqual(processesUnder(dir), []);
  });

  test('undo --root DIR --yes removes what apply created and restarts the stand-in', async () => {
    const r = await runWizard(['undo', '--root', dir, '--yes'], env);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /^PRACTICE MODE/);
    assert.match(r.stdout, /Undo: done/);
    assert.match(r.stdout, /\[ok\] containerd: containerd restarted and answers/);
    for (const f of ['etc/containerd/config.toml', 'etc/crictl.yaml', 'usr/local/bin/runsc', 'usr/local/bin/runsc-for-runc-shim']) assert.equal(existsSync(join(dir, f)), false, f);
    assert.deepEqual(snapshotTrees(MACHINE, { hashUpTo: 1 << 30 }), machineBefore);
    assert.deepEqual(processesUnder(dir), []);
  });

  test('--practice --kubernetes is refused: there are no Kubernetes stand-ins', async () => {
    const r = await runWizard(['apply', '--practice', '--root', dir, '--runtime', 'containerd', '--kubernetes', '--yes'], env);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /practice mode has no Kubernetes stand-ins/);
    assert.deepEqual(processesUnder(dir), []);
  });
});
