// The lock (one wizard at a time) and the state file (progress, answers, never a secret).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';

import { parseCli } from '../../src/cli/args.js';
import { logsCommand } from '../../src/cli/logs-command.js';
import { registerJoinSecrets } from '../../src/kube/steps/common.js';
import { RunLog } from '../../src/log/run-log.js';
import { acquireLock, LOCK_FILE, LockHeldError } from '../../src/state/lock.js';
import { ownIdentity, processIdentity } from '../../src/state/process-identity.js';
import { RunRecorder } from '../../src/state/recorder.js';
import type { StepReport } from '../../src/steps/runner.js';
import { emptyState, readState, STATE_FILE, StateFileError, unfinishedRun, writeState, type RunRecord, type WizardStateFile } from '../../src/state/state-file.js';
import { defaultOptions } from '../../src/wizard/options.js';

const TOKEN = 'k8s9zq.w7x1v3m5p0r2t4y6';
const CA_HEX = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const JOIN = `kubeadm join 192.0.2.10:6443 --token ${TOKEN} --discovery-token-ca-cert-hash sha256:${CA_HEX}`;

let dirs: string[] = [];
const children: { kill(sig: NodeJS.Signals): boolean }[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

function scratch(): string {
  const d = mkdtempSync(join(tmpdir(), 'gvw-unit-state-'));
  dirs.push(d);
  return join(d, 'state');
}

/** The pid of a process that has exited (and, in practice, not been reused yet). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '']);
  assert.equal(r.status, 0);
  return r.pid;
}

/** Another process that takes the lock through the compiled module and then sleeps. */
async function lockInChild(stateDir: string, command: string): Promise<{ pid: number; kill(sig: NodeJS.Signals): boolean; exited: Promise<void> }> {
  const lockModule = new URL('../../src/state/lock.js', import.meta.url).href;
  const child = spawn(process.execPath, ['-e', `import(${JSON.stringify(lockModule)}).then((m) => { m.acquireLock(${JSON.stringify(stateDir)}, ${JSON.stringify(command)}); console.log('locked'); setTimeout(() => {}, 120000); })`], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (b: Buffer) => { if (b.toString().includes('locked')) resolve(); });
    child.on('exit', (code) => reject(new Error(`the child exited (${code}) before it took the lock`)));
  });
  return { pid: child.pid!, kill: (s) => child.kill(s), exited };
}

describe('lock', () => {
  it('is taken, held in a 0600 file naming this process, and released', () => {
    const dir = scratch();
    const lock = acquireLock(dir, 'apply');
    const file = join(dir, LOCK_FILE);
    assert.equal(lock.file, file);
    assert.equal(lock.tookOver, undefined);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const owner = JSON.parse(readFileSync(file, 'utf8'));
    assert.equal(owner.pid, process.pid);
    assert.equal(owner.command, 'apply');
    assert.equal(owner.proc, ownIdentity());
    lock.release();
    assert.ok(!existsSync(file));
    // and it can be taken again
    acquireLock(dir, 'undo').release();
  });

  it('held by another live process: a second acquire throws LockHeldError naming its pid and command', async () => {
    const dir = scratch();
    const child = await lockInChild(dir, 'apply --yes');
    let err: unknown;
    try {
      acquireLock(dir, 'undo');
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof LockHeldError, `LockHeldError, not ${err}`);
    assert.equal(err.owner.pid, child.pid);
    assert.match(err.message, new RegExp(`pid ${child.pid}, \`apply --yes\``));
    assert.match(err.next, /Wait for it to finish/);
    assert.ok(err.next.includes(join(dir, LOCK_FILE)));

    // When that process is killed (no chance to clean up), the lock is stale and taken over.
    child.kill('SIGKILL');
    await child.exited;
    assert.ok(existsSync(join(dir, LOCK_FILE)), 'a kill -9 leaves the lock file');
    const lock = acquireLock(dir, 'resume');
    assert.match(lock.tookOver ?? '', new RegExp(`a stale lock from pid ${child.pid} \\(\`apply --yes\`.*no longer runs.*taking it over`));
    assert.equal(JSON.parse(readFileSync(lock.file, 'utf8')).pid, process.pid);
    lock.release();
  });

  it('left by a process that exited is taken over with the explanation', () => {
    const dir = scratch();
    mkdirSync(dir, { recursive: true });
    const pid = deadPid();
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid, proc: `boot:${pid}:1`, command: 'apply', startedAt: '2026-01-01T00:00:00.000Z' }));
    const lock = acquireLock(dir, 'apply');
    assert.match(lock.tookOver ?? '', new RegExp(`stale lock from pid ${pid} \\(\`apply\`, started 2026-01-01T00:00:00.000Z\\) was left by a process that no longer runs`));
    lock.release();
  });

  it('whose pid was reused by another program (same pid, another start time) is stale', () => {
    const dir = scratch();
    mkdirSync(dir, { recursive: true });
    // pid 1 runs, but it is not the process that wrote this lock: its start time differs.
    const real = processIdentity(1);
    assert.ok(real, 'pid 1 is visible in /proc');
    const [boot] = real.split(':');
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: 1, proc: `${boot}:1:999999999999`, command: 'apply', startedAt: '2026-01-01T00:00:00.000Z' }));
    const lock = acquireLock(dir, 'apply');
    assert.match(lock.tookOver ?? '', /stale lock from pid 1 /);
    lock.release();
  });

  it('held by a live process whose pid and start time match is not stale', () => {
    const dir = scratch();
    mkdirSync(dir, { recursive: true });
    // Written as if by pid 1 with its real identity: live, so it is held.
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: 1, proc: processIdentity(1), command: 'tui', startedAt: 'x' }));
    assert.throws(() => acquireLock(dir, 'apply'), (e: unknown) => e instanceof LockHeldError && /pid 1, `tui`/.test(e.message));
  });

  it('that cannot be read (a crash while it was written) is replaced', () => {
    const dir = scratch();
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, LOCK_FILE), '{"pid": 12');
    const lock = acquireLock(dir, 'apply');
    assert.match(lock.tookOver ?? '', /an unreadable lock file .*lock \(a crash while it was written\) was replaced/);
    assert.equal(JSON.parse(readFileSync(lock.file, 'utf8')).pid, process.pid);
    lock.release();
  });

  it('release leaves alone a lock another process took over meanwhile', () => {
    const dir = scratch();
    const lock = acquireLock(dir, 'apply');
    const other = { pid: 1, proc: processIdentity(1), command: 'resume', startedAt: 'x' };
    writeFileSync(lock.file, JSON.stringify(other));
    lock.release();
    assert.deepEqual(JSON.parse(readFileSync(lock.file, 'utf8')), other);
  });
});

describe('state file', () => {
  const run = (over: Partial<RunRecord> = {}): RunRecord => ({ id: 'r1', command: 'apply', pid: 0, proc: 'boot:0:0', startedAt: '2026-01-01T00:00:00.000Z', steps: ['install-runsc', 'configure-docker', 'reload-docker', 'isolation-check'], ...over });
  const rec = (status: 'ok' | 'done' | 'failed' | 'running', runId = 'r1') => ({ status, summary: '', at: '2026-01-01T00:00:01.000Z', runId });
  const gone = () => { const pid = deadPid(); return { pid, proc: `boot:${pid}:1` }; };

  it('missing is an empty state', () => {
    assert.deepEqual(readState(scratch()), emptyState());
  });

  it('damaged JSON is a StateFileError naming the file', () => {
    const dir = scratch();
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, STATE_FILE), '{"version": 1, "steps": {');
    assert.throws(() => readState(dir), (e: unknown) => e instanceof StateFileError && e.file === join(dir, STATE_FILE) && e.message.startsWith(`${join(dir, STATE_FILE)}: not valid JSON`) && /move it away/.test(e.message));
  });

  it('valid JSON of another shape is a StateFileError naming the file', () => {
    const dir = scratch();
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, STATE_FILE), '{"version": 2}');
    assert.throws(() => readState(dir), new RegExp(`${join(dir, STATE_FILE)}: not a gvisor-wizard state file of version 1`));
  });

  it('is written with mode 0600 in a 0700 folder, and read back', () => {
    const dir = scratch();
    const s: WizardStateFile = { ...emptyState(), engine: 'docker', answers: { runtime: 'docker' }, runs: [run()] };
    writeState(dir, s);
    assert.equal(statSync(join(dir, STATE_FILE)).mode & 0o777, 0o600);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.deepEqual(readState(dir), s);
    // a file loosened by hand is tightened again on the next save
    chmodSync(join(dir, STATE_FILE), 0o644);
    writeState(dir, s);
    assert.equal(statSync(join(dir, STATE_FILE)).mode & 0o777, 0o600);
  });

  it('unfinishedRun: a finished run has nothing to resume', () => {
    const s = { ...emptyState(), runs: [run({ ...gone(), ok: true, endedAt: 'x' })], steps: { 'install-runsc': rec('ok') } };
    assert.equal(unfinishedRun(s), undefined);
    assert.equal(unfinishedRun({ ...s, runs: [run({ ...gone(), ok: false, endedAt: 'x' })] }), undefined);
  });

  it('unfinishedRun: a killed run resumes at its first step that did not finish', () => {
    const s: WizardStateFile = { ...emptyState(), runs: [run(gone())], steps: { 'install-runsc': rec('ok'), 'configure-docker': rec('running') } };
    const open = unfinishedRun(s);
    assert.equal(open?.run.id, 'r1');
    assert.equal(open?.resumeAt, 'configure-docker');
    // a step that was "done" (already in place) counts as finished; one from an older run does not
    s.steps['configure-docker'] = rec('done');
    assert.equal(unfinishedRun(s)?.resumeAt, 'reload-docker');
    s.steps['reload-docker'] = rec('ok', 'older-run');
    assert.equal(unfinishedRun(s)?.resumeAt, 'reload-docker');
    // killed before any step reported: resume at the first
    assert.equal(unfinishedRun({ ...s, steps: {} })?.resumeAt, 'install-runsc');
  });

  it('unfinishedRun: a run whose process still runs is not offered (it is not interrupted)', () => {
    const s = { ...emptyState(), runs: [run({ pid: process.pid, proc: ownIdentity() })] };
    assert.equal(unfinishedRun(s), undefined);
  });

  it('unfinishedRun: check and undo runs after the killed run do not hide it', () => {
    const s = { ...emptyState(), runs: [run(gone()), run({ ...gone(), id: 'c', command: 'check', ok: true }), run({ ...gone(), id: 'u', command: 'undo' })] };
    assert.equal(unfinishedRun(s)?.run.id, 'r1');
  });

  it('a check run does not replace the answers recorded by the run that changed the machine', () => {
    const dir = scratch();
    const recorder = (command: string, options: ReturnType<typeof defaultOptions>, answered: string[]) =>
      new RunRecorder({ stateDir: dir, runId: command, command, steps: [], options, answered: new Set(answered), logFile: null, results: new Map(), warn: () => {} });
    recorder('apply', { ...defaultOptions(), runtimeArgs: ['--network=host'] }, ['runtime-arg']).start();
    recorder('check', { ...defaultOptions(), runtimeName: 'other' }, ['runtime-name']).start();
    const s = readState(dir);
    assert.deepEqual(s.answers, { runtime: 'docker', 'runtime-arg': ['--network=host'] });
    assert.deepEqual(s.runs.map((r) => r.command), ['apply', 'check']);
  });

  it('a recorder never stores the join line or its secrets', () => {
    const dir = scratch();
    const options = { ...defaultOptions(), engine: 'containerd' as const, kubernetes: true, join: JOIN };
    const results = new Map<string, unknown>([['release-sha512', 'a'.repeat(128)]]);
    const warnings: string[] = [];
    const r = new RunRecorder({ stateDir: dir, runId: 'r1', command: 'apply', steps: ['install-runsc', 'kube-join'], options, answered: new Set(['join', 'kubernetes', 'runtime']), logFile: null, results, warn: (t) => warnings.push(t) });
    r.start();
    r.report('install-runsc', { status: 'ok', summary: 'installed' } satisfies StepReport);
    // An unexpected error's text may quote the line: the recorder masks it anyway.
    r.report('kube-join', { status: 'failed', summary: `could not run ${JOIN}`, problem: { what: 'kubeadm join failed', why: `spawn failed: ${JOIN}`, next: `run ${JOIN} by hand` } } satisfies StepReport);
    r.check({ passed: false, verdict: `no pod (${TOKEN})`, evidence: [] } as unknown as Parameters<RunRecorder['check']>[0]);
    r.saveAnswers(options, new Set(['join', 'kubernetes']));
    r.finish(false);
    assert.deepEqual(warnings, []);
    const text = readFileSync(join(dir, STATE_FILE), 'utf8');
    assert.ok(!text.includes(TOKEN.split('.')[1]!), 'no token secret');
    assert.ok(!text.includes(CA_HEX), 'no CA hash');
    assert.doesNotMatch(text, /"join"/);
    const s = readState(dir);
    assert.equal(s.answers.kubernetes, true);
    assert.equal(s.steps['install-runsc']?.status, 'ok');
    assert.match(s.steps['kube-join']?.problem?.why ?? '', /spawn failed: kubeadm join 192\.0\.2\.10:6443 --token k8s\*\*\*\*/);
    assert.equal(s.release?.sha512, 'a'.repeat(128));
    assert.equal(s.runs[0]?.ok, false);
    assert.equal(statSync(join(dir, STATE_FILE)).mode & 0o777, 0o600);
  });
});

describe('logs', () => {
  it('one file per run; --last prints the newest with its CMD and EXIT lines and the join secrets masked', async () => {
    const logDir = join(scratch(), 'log');
    const older = new RunLog({ dir: logDir, name: 'apply' });
    older.info('first run');
    older.close();
    await new Promise((r) => setTimeout(r, 20)); // another mtime
    const log = new RunLog({ dir: logDir, name: 'run-kube-join' });
    registerJoinSecrets(log.masker, JOIN);
    log.write('cmd', JOIN, 'kube-join');
    log.write('exit', `exit 1 (12 ms): ${JOIN}`, 'kube-join');
    log.close();

    const cli = parseCli(['logs', '--log-dir', logDir]);
    const capture = () => { const c = { out: '', err: '' }; return { c, io: { out: (t: string) => { c.out += t; }, err: (t: string) => { c.err += t; } } }; };
    const list = capture();
    assert.equal(logsCommand(cli, list.io), 0);
    assert.equal(list.c.out.split('\n').filter((l) => l.endsWith('.log')).length, 2);
    assert.ok(list.c.out.indexOf('apply-') < list.c.out.indexOf('run-kube-join-'), 'oldest first');

    const last = capture();
    assert.equal(logsCommand({ ...cli, last: true }, last.io), 0);
    assert.match(last.c.err, /run-kube-join-.*\.log/);
    assert.match(last.c.out, /CMD   \[kube-join\] kubeadm join 192\.0\.2\.10:6443 --token k8s\*\*\*\*/);
    assert.match(last.c.out, /EXIT  \[kube-join\] exit 1 \(12 ms\): /);
    assert.ok(!last.c.out.includes(TOKEN.split('.')[1]!), 'no token');
    assert.ok(!last.c.out.includes(CA_HEX), 'no CA hash');
    assert.doesNotMatch(last.c.out, /first run/);
  });

  it('an empty log folder says so; --last then fails', () => {
    const cli = parseCli(['logs', '--log-dir', join(scratch(), 'none')]);
    let err = '';
    const io = { out: () => {}, err: (t: string) => { err += t; } };
    assert.equal(logsCommand(cli, io), 0);
    assert.equal(logsCommand({ ...cli, last: true }, io), 1);
    assert.match(err, /no log files in .*none yet/);
  });
});
