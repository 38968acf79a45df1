// The change journal written by LocalHost, and undo walking it back, on a --root temp dir.
import assert from 'node:assert/strict';
import { appendFileSync, chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, it } from 'node:test';

import { LocalHost } from '../../src/host/local-host.js';
import { RunLog } from '../../src/log/run-log.js';
import { Journal, JOURNAL_FILE, readJournal } from '../../src/state/journal.js';
import { readState, writeState, emptyState } from '../../src/state/state-file.js';
import { pendingChanges, undoChanges, type UndoOptions } from '../../src/undo/undo.js';
import { diffSnapshots, snapshotTrees } from '../helpers/tree-snapshot.js';

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

/** A machine below ROOT with a few files, a state dir beside it, and a host that journals. */
function machine() {
  const base = mkdtempSync(join(tmpdir(), 'gvw-unit-undo-'));
  dirs.push(base);
  const root = join(base, 'root');
  const stateDir = join(base, 'state');
  const real = (p: string) => join(root, p);
  const put = (p: string, text: string, mode = 0o644) => {
    mkdirSync(dirname(real(p)), { recursive: true });
    writeFileSync(real(p), text);
    chmodSync(real(p), mode);
  };
  put('/etc/docker/daemon.json', '{\n  "log-level": "info"\n}\n', 0o640);
  put('/usr/local/bin/runsc', 'old runsc build\n', 0o700);
  put('/etc/untouched.conf', 'leave me\n');
  put('/etc/gone.conf', 'the wizard removes this\n', 0o600);
  const src = join(base, 'new-runsc');
  writeFileSync(src, 'new runsc build\n');
  let runs = 0;
  /** A host for one run: its journal and backups like a Session's. */
  const host = (journaled = true) => {
    const runId = `run-${++runs}`;
    return new LocalHost({ root, log: new RunLog({ dir: null }), backupDir: join(stateDir, 'backups', runId), journal: journaled ? new Journal(stateDir, runId) : null });
  };
  const tree = () => snapshotTrees([root], { times: false, hashUpTo: Infinity });
  return { base, root, stateDir, real, put, src, host, tree };
}

/** What the steps of one apply do to the machine. */
async function applyLikeTheWizard(m: ReturnType<typeof machine>, h = m.host()): Promise<LocalHost> {
  h.step = 'install-runsc';
  await h.installFile(m.src, '/opt/gvisor/bin/runsc', 0o755); // creates /opt/gvisor/bin
  await h.installFile(m.src, '/usr/local/bin/runsc', 0o755); // replaces a file of mode 0700
  h.step = 'configure-docker';
  await h.writeFileAtomic('/etc/docker/daemon.json', '{\n  "runtimes": {}\n}\n');
  await h.writeFileAtomic('/etc/docker/daemon.json', '{\n  "runtimes": { "runsc": {} }\n}\n'); // twice in one run
  await h.writeFileAtomic('/etc/docker/new.d/extra.json', '{}\n'); // a new file in a new folder
  await h.removeFile('/etc/gone.conf');
  await h.mkdirp('/var/lib/gvw-empty/sub');
  return h;
}

const undo = (m: ReturnType<typeof machine>, o: Partial<UndoOptions> = {}) => {
  const asked: string[] = [];
  const outcome = undoChanges({
    host: m.host(false),
    log: new RunLog({ dir: null }),
    stateDir: m.stateDir,
    decide: async (path, why) => { asked.push(`${path}: ${why}`); return false; },
    ...o,
  });
  return outcome.then((r) => ({ ...r, asked }));
};

describe('change journal', () => {
  it('records every write, install, remove and created folder, in order, with backups and hashes', async () => {
    const m = machine();
    await applyLikeTheWizard(m);
    const { pending, damaged } = readJournal(m.stateDir);
    assert.equal(damaged, 0);
    assert.deepEqual(pending.map((c) => [c.step, c.action, c.path, c.created]), [
      ['install-runsc', 'mkdir', '/opt', true],
      ['install-runsc', 'install', '/opt/gvisor/bin/runsc', true],
      ['install-runsc', 'install', '/usr/local/bin/runsc', false],
      ['configure-docker', 'write', '/etc/docker/daemon.json', false],
      ['configure-docker', 'write', '/etc/docker/daemon.json', false],
      ['configure-docker', 'mkdir', '/etc/docker/new.d', true],
      ['configure-docker', 'write', '/etc/docker/new.d/extra.json', true],
      ['configure-docker', 'remove', '/etc/gone.conf', false],
      ['configure-docker', 'mkdir', '/var', true], // the top-most folder mkdir -p created
    ]);
    assert.deepEqual(pending.map((c) => c.id), pending.map((_, i) => `run-1#${i + 1}`));
    // The second write of daemon.json kept the first write's content as <path>.1
    const [w1, w2] = pending.filter((c) => c.path === '/etc/docker/daemon.json');
    assert.equal(w1!.backup, join(m.stateDir, 'backups', 'run-1', 'etc/docker/daemon.json'));
    assert.equal(w2!.backup, `${w1!.backup}.1`);
    assert.equal(readFileSync(w1!.backup!, 'utf8'), '{\n  "log-level": "info"\n}\n');
    assert.equal(readFileSync(w2!.backup!, 'utf8'), '{\n  "runtimes": {}\n}\n');
    assert.match(w2!.sha256 ?? '', /^[0-9a-f]{64}$/);
    assert.equal(statSync(join(m.stateDir, JOURNAL_FILE)).mode & 0o777, 0o600);
  });

  it('skips and counts damaged lines (a crash while one was written)', async () => {
    const m = machine();
    await applyLikeTheWizard(m);
    appendFileSync(join(m.stateDir, JOURNAL_FILE), '{"kind":"change","id":"run-1#99","pa\n[1,2]\n');
    const { pending, damaged } = readJournal(m.stateDir);
    assert.equal(damaged, 2);
    assert.equal(pending.length, 9);
    const r = await undo(m);
    assert.equal(r.damaged, 2);
  });

  it('is empty when nothing was recorded', () => {
    assert.deepEqual(readJournal('/nonexistent-gvw-state'), { pending: [], damaged: 0 });
  });
});

describe('undo', () => {
  it('returns the whole root byte-identical to before (contents, modes, no new files or folders)', async () => {
    const m = machine();
    const before = m.tree();
    await applyLikeTheWizard(m);
    assert.notDeepEqual(m.tree(), before);
    const r = await undo(m);
    assert.deepEqual(diffSnapshots(before, m.tree()), []);
    assert.deepEqual(r.asked, [], 'nothing to ask: nobody changed the files since');
    assert.ok(r.actions.every((a) => a.result === 'restored' || a.result === 'removed'), JSON.stringify(r.actions, null, 1));
    assert.deepEqual(r.undoneSteps.sort(), ['configure-docker', 'install-runsc']);
    // and everything is marked undone: a second undo has nothing to do
    assert.deepEqual(pendingChanges(m.stateDir).changes, []);
    assert.deepEqual((await undo(m)).actions, []);
  });

  it('walks back two apply runs, newest first', async () => {
    const m = machine();
    const before = m.tree();
    await applyLikeTheWizard(m);
    const h = m.host();
    h.step = 'configure-docker';
    await h.writeFileAtomic('/etc/docker/daemon.json', '{"second": "run"}\n');
    await undo(m);
    assert.deepEqual(diffSnapshots(before, m.tree()), []);
  });

  it('keeps a file changed after the wizard wrote it unless decide() says yes', async () => {
    const m = machine();
    await applyLikeTheWizard(m);
    m.put('/etc/docker/daemon.json', '{"edited": "by hand"}\n', 0o640);
    const kept = await undo(m);
    assert.equal(readFileSync(m.real('/etc/docker/daemon.json'), 'utf8'), '{"edited": "by hand"}\n');
    const daemon = kept.actions.filter((a) => a.path === '/etc/docker/daemon.json');
    assert.deepEqual(daemon.map((a) => a.result), ['kept', 'kept']);
    assert.match(daemon[0]!.detail, /changed after the wizard wrote it; left as it is \(undo --force/);
    assert.deepEqual(kept.asked.filter((q) => q.startsWith('/etc/docker/daemon.json')), ['/etc/docker/daemon.json: it was changed after the wizard wrote it'], 'asked once for the file');
    assert.match(daemon[1]!.detail, /a later change to this file was kept/);
    assert.deepEqual(kept.undoneSteps, ['install-runsc'], 'configure-docker is not fully undone');
    // the rest was undone
    assert.ok(!existsSync(m.real('/etc/docker/new.d')));
    assert.equal(readFileSync(m.real('/etc/gone.conf'), 'utf8'), 'the wizard removes this\n');
    // When asked again and the answer is yes, the file before the wizard comes back
    const forced = await undo(m, { decide: async () => true });
    assert.deepEqual(forced.actions.map((a) => a.result), ['restored', 'restored']);
    assert.equal(readFileSync(m.real('/etc/docker/daemon.json'), 'utf8'), '{\n  "log-level": "info"\n}\n');
  });

  it('counts a file the wizard created and someone deleted since as already undone', async () => {
    const m = machine();
    await applyLikeTheWizard(m);
    rmSync(m.real('/etc/docker/new.d/extra.json'));
    const r = await undo(m);
    const a = r.actions.find((x) => x.path === '/etc/docker/new.d/extra.json');
    assert.equal(a?.result, 'removed');
    assert.match(a!.detail, /already gone/);
  });

  it('--step undoes only that step and forgets only its result', async () => {
    const m = machine();
    const before = m.tree();
    writeState(m.stateDir, { ...emptyState(), steps: { 'install-runsc': { status: 'ok', summary: '', at: 'x', runId: 'run-1' }, 'configure-docker': { status: 'ok', summary: '', at: 'x', runId: 'run-1' } } });
    await applyLikeTheWizard(m);
    const r = await undo(m, { step: 'configure-docker' });
    assert.deepEqual(r.undoneSteps, ['configure-docker']);
    assert.ok(r.actions.every((a) => a.step === 'configure-docker'));
    assert.equal(readFileSync(m.real('/etc/docker/daemon.json'), 'utf8'), '{\n  "log-level": "info"\n}\n');
    assert.equal(readFileSync(m.real('/opt/gvisor/bin/runsc'), 'utf8'), 'new runsc build\n', 'install-runsc left alone');
    const steps = readState(m.stateDir).steps;
    assert.ok(steps['configure-docker']?.undoneAt, 'the undone step keeps its history, marked undone');
    assert.equal(steps['install-runsc']?.undoneAt, undefined);
    assert.deepEqual(pendingChanges(m.stateDir).changes.map((c) => c.step), ['install-runsc', 'install-runsc', 'install-runsc']);
    // then the rest
    const installRecord = join(m.stateDir, 'installed-release.json');
    writeFileSync(installRecord, '{}');
    await undo(m, { installRecord });
    assert.deepEqual(diffSnapshots(before, m.tree()), []);
    assert.ok(!existsSync(installRecord), 'the install record goes with the binaries');
  });

  it('a folder created by the wizard that holds files it did not create is kept', async () => {
    const m = machine();
    await applyLikeTheWizard(m);
    m.put('/var/lib/gvw-empty/sub/operator-file', 'mine\n');
    const r = await undo(m);
    const a = r.actions.find((x) => x.path === '/var');
    assert.equal(a?.result, 'kept');
    assert.equal(readFileSync(m.real('/var/lib/gvw-empty/sub/operator-file'), 'utf8'), 'mine\n');
  });

  it('a missing backup is reported as failed, and the change stays pending', async () => {
    const m = machine();
    await applyLikeTheWizard(m);
    rmSync(join(m.stateDir, 'backups'), { recursive: true });
    const r = await undo(m);
    const a = r.actions.find((x) => x.path === '/etc/gone.conf');
    assert.equal(a?.result, 'failed');
    assert.match(a!.detail, /backup .* cannot be read/);
    assert.ok(pendingChanges(m.stateDir).changes.some((c) => c.path === '/etc/gone.conf'));
  });
});
