// Operator control (issue 5), headless, against a real private dockerd and real gVisor:
// the step list and a one-step rerun, resume after a kill -9, a plan that changes nothing,
// the answers file replayed, undo, the lock, and the logs.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BUSYBOX_TAG, ensureBusyboxImage } from '../helpers/busybox-image.js';
import { cleanupAfter, withTimeout } from '../helpers/cleanup.js';
import { snapshotFiles } from '../helpers/file-snapshot.js';
import { e2eSkip } from '../helpers/prereqs.js';
import { startPrivateDockerd, type PrivateDockerd } from '../helpers/private-dockerd.js';
import { signalPid, sleep, type CommandResult } from '../helpers/proc.js';
import { startReleaseServer, type ReleaseServer } from '../helpers/release-server.js';
import { diffSnapshots, snapshotTrees } from '../helpers/tree-snapshot.js';
import { runWizard, wizardEntry, workDir } from '../helpers/wizard.js';

const cleanup = cleanupAfter();
const skip = e2eSkip();

const PLAIN_DAEMON_JSON = '{\n  "log-level": "info"\n}\n';

interface Work {
  dir: string;
  state: string;
  log: string;
  bin: string;
  env: Record<string, string>;
}

/** A wizard started in the background, for what happens while it runs (kill -9, the lock). */
interface Running {
  pid: number;
  stderr(): string;
  waitForStderr(re: RegExp, ms?: number): Promise<void>;
  kill(sig: NodeJS.Signals): void;
  done: Promise<CommandResult>;
}

function startWizard(args: string[], env: Record<string, string>): Running {
  const child = spawn(process.execPath, [wizardEntry(), ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
  child.stderr.on('data', (b: Buffer) => { err += b.toString(); });
  const done = new Promise<CommandResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout: out, stderr: err, timedOut: false })));
  const stop = cleanup.add(`wizard pid ${child.pid}`, () => { child.kill('SIGKILL'); return done; });
  void done.then(stop);
  return {
    pid: child.pid!,
    stderr: () => err,
    async waitForStderr(re, ms = 120_000) {
      await withTimeout((async () => {
        while (!re.test(err)) {
          if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the wizard ended (${child.exitCode ?? child.signalCode}) before printing ${re}:\n${out}\n${err}`);
          await sleep(50);
        }
      })(), ms, `waiting for ${re} from the wizard; its stderr so far:\n${err}`);
    },
    kill: (sig) => { signalPid(child.pid!, sig); },
    done,
  };
}

const sha256 = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

/** Paths, bytes, modes and mtimes of every file and folder below root. */
function fullTree(root: string): Map<string, string> {
  const tree = snapshotTrees([root], { hashUpTo: Infinity });
  for (const [p, desc] of tree) if (desc.startsWith('dir ')) tree.set(p, `${desc} mtime=${lstatSync(p).mtimeMs}`);
  return tree;
}

function readJson<T>(p: string): T {
  return JSON.parse(readFileSync(p, 'utf8')) as T;
}

interface StateJson {
  answers: Record<string, unknown>;
  release?: { sha512: string };
  steps: Record<string, { status: string; runId: string }>;
  runs: { id: string; command: string; pid: number; ok?: boolean; steps: string[] }[];
}

describe('operator control, end to end on a private dockerd', { skip }, () => {
  let d: PrivateDockerd;
  let loose: ReleaseServer;

  before(async () => {
    d = await startPrivateDockerd({ cleanup });
    await ensureBusyboxImage(d);
    loose = await startReleaseServer({ layout: 'loose' });
    cleanup.add('release server', () => loose.close());
  });
  after(() => cleanup.run());

  /** A fresh work dir (state, logs, install dir, TMPDIR) and a plain daemon.json, read by dockerd. */
  async function freshWork(): Promise<Work> {
    const w = workDir('gvw-ops-');
    cleanup.add('work dir', w.remove);
    mkdirSync(join(w.dir, 'tmp'));
    writeFileSync(d.configFile, PLAIN_DAEMON_JSON);
    await d.reload();
    // A wizard killed with -9 leaves its download folder in TMPDIR: keep that inside the work dir.
    return { dir: w.dir, state: join(w.dir, 'state'), log: join(w.dir, 'log'), bin: join(w.dir, 'inst', 'bin'), env: { ...d.env, TMPDIR: join(w.dir, 'tmp') } };
  }

  /** Where this work dir keeps its wizard files: every command needs them. */
  const dirs = (w: Work) => ['--state-dir', w.state, '--log-dir', w.log];
  const applyArgs = (w: Work, mirror = loose.baseUrl) => [
    'apply', '--runtime', 'docker', '--yes', '--image', BUSYBOX_TAG, '--runtime-arg=--network=host', '--service-manager', 'none',
    '--docker-host', d.host, '--install-dir', w.bin, '--mirror', mirror, ...dirs(w),
  ];
  const ok = (r: CommandResult, code = 0) => assert.equal(r.code, code, `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);

  test('steps lists every step with its last result; run <step> repairs only that step, and a second run changes nothing', { timeout: 600_000 }, async () => {
    const w = await freshWork();
    ok(await runWizard(applyArgs(w), w.env));
    const applied = readFileSync(d.configFile, 'utf8');

    // steps: the recorded answers are used (no engine flags needed)
    const table = await runWizard(['steps', ...dirs(w)], w.env);
    ok(table);
    for (const id of ['install-runsc', 'configure-docker', 'reload-docker']) {
      assert.match(table.stdout, new RegExp(`^${id}\\s+done\\s+applied \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC \\(\\d+ s ago\\)`, 'm'), table.stdout);
    }
    assert.match(table.stdout, /^isolation-check\s+runs each time\s+applied /m);
    const json = await runWizard(['steps', '--json', ...dirs(w)], w.env);
    ok(json);
    const rows = (JSON.parse(json.stdout) as { engine: string; steps: { id: string; now: string; last?: { status: string } }[] });
    assert.equal(rows.engine, 'docker');
    assert.deepEqual(rows.steps.map((r) => [r.id, r.now, r.last?.status]), [
      ['install-runsc', 'done', 'ok'], ['configure-docker', 'done', 'ok'], ['reload-docker', 'done', 'ok'], ['isolation-check', 'check', 'ok'],
    ]);

    // When someone breaks the runsc entry by hand
    const broken = readJson<{ runtimes: Record<string, { path: string }> }>(d.configFile);
    broken.runtimes.runsc!.path = '/nonexistent/runsc';
    writeFileSync(d.configFile, `${JSON.stringify(broken, null, 2)}\n`);
    const after1 = await runWizard(['steps', ...dirs(w)], w.env);
    ok(after1);
    assert.match(after1.stdout, /^configure-docker\s+needed\s+applied /m);
    assert.match(after1.stdout, /^install-runsc\s+done /m);

    // Then run configure-docker repairs it, and changes nothing else
    const others = snapshotFiles(join(w.dir, 'inst'));
    const rerun = await runWizard(['run', 'configure-docker', '--yes', ...dirs(w)], w.env);
    ok(rerun);
    assert.deepEqual(readJson(d.configFile), JSON.parse(applied));
    assert.deepEqual(snapshotFiles(join(w.dir, 'inst')), others);
    assert.doesNotMatch(rerun.stdout, /Isolation check/, 'only the one step ran');

    // and a second run says it is already done and touches nothing (content, inode, mtime)
    const daemonJson = snapshotFiles(d.configFile);
    const again = await runWizard(['run', 'configure-docker', '--yes', ...dirs(w)], w.env);
    ok(again);
    assert.match(again.stderr, /already has runtimes\.runsc/);
    assert.deepEqual(snapshotFiles(d.configFile), daemonJson);

    // An unknown step is a usage error that lists the steps
    const bad = await runWizard(['run', 'no-such-step', '--yes', ...dirs(w)], w.env);
    ok(bad, 2);
    assert.match(bad.stderr, /no step "no-such-step"; the steps of the docker path are: install-runsc, configure-docker, reload-docker, isolation-check/);
  });

  /** apply from a bucket whose runsc download hangs half way, killed with -9 once it is downloading. */
  async function applyKilledMidDownload(w: Work, extra: string[] = []): Promise<number> {
    loose.stalls.add('runsc');
    try {
      const first = startWizard([...applyArgs(w), ...extra], w.env);
      await first.waitForStderr(/downloading runsc: /);
      first.kill('SIGKILL');
      const r = await first.done;
      assert.equal(r.signal, 'SIGKILL');
      return first.pid;
    } finally {
      loose.stalls.delete('runsc');
    }
  }

  test('after a kill -9 in the middle of install-runsc, resume takes over the stale lock and finishes with the same answers', { timeout: 600_000 }, async () => {
    const w = await freshWork();
    const pid = await applyKilledMidDownload(w);

    // The state shows the run unfinished at install-runsc, and the lock is stale
    const state = readJson<StateJson>(join(w.state, 'state.json'));
    const run = state.runs.at(-1)!;
    assert.equal(run.command, 'apply');
    assert.equal(run.pid, pid);
    assert.equal(run.ok, undefined, 'never finished');
    assert.equal(state.steps['install-runsc']?.status, 'running');
    assert.equal(state.steps['install-runsc']?.runId, run.id);
    assert.equal(state.release?.sha512, loose.files.runsc!.sha512, 'the resolved release is recorded');
    assert.deepEqual(state.answers['runtime-arg'], ['--network=host']);
    assert.equal(readJson<{ pid: number }>(join(w.state, 'lock')).pid, pid, 'the lock of the killed wizard is left');
    assert.ok(!existsSync(join(w.bin, 'runsc')));
    assert.deepEqual(readdirSync(join(w.dir, 'tmp')).length, 1, 'its half download is left in TMPDIR');

    // A check in between (other flags, it changes nothing) does not replace the answers to resume with
    const check = await runWizard(['check', '--runtime', 'docker', '--runtime-name', 'never-configured', '--image', BUSYBOX_TAG, '--docker-host', d.host, '--check-timeout', '30', ...dirs(w)], w.env);
    ok(check, 1);
    assert.deepEqual(readJson<StateJson>(join(w.state, 'state.json')).answers, state.answers);

    // When resume runs with no engine flags at all (not even --runtime-arg)
    const resumed = await runWizard(['resume', '--yes', ...dirs(w)], w.env);

    // Then it takes over the lock, saying so, resumes at install-runsc and passes the check
    ok(resumed);
    assert.match(resumed.stderr, new RegExp(`stale lock from pid ${pid} \\(\`apply\`.*no longer runs`));
    assert.match(resumed.stderr, /resuming at install-runsc: the 0 step\(s\) before it finished in the interrupted run and are checked again/);
    assert.match(resumed.stdout, /Isolation check: PASS/);
    assert.equal(createHash('sha512').update(readFileSync(join(w.bin, 'runsc'))).digest('hex'), loose.files.runsc!.sha512);
    assert.deepEqual(readJson<{ runtimes: unknown }>(d.configFile).runtimes, { runsc: { path: join(w.bin, 'runsc'), runtimeArgs: ['--network=host'] } });
    assert.ok(!existsSync(join(w.state, 'lock')), 'the lock is released');
    const after = readJson<StateJson>(join(w.state, 'state.json'));
    assert.equal(after.runs.at(-1)!.command, 'resume');
    assert.equal(after.runs.at(-1)!.ok, true);
    // and there is nothing left to resume
    const again = await runWizard(['resume', '--yes', ...dirs(w)], w.env);
    ok(again, 2);
    assert.match(again.stderr, /nothing to resume/);
  });

  test('resume stops when the release publishes another build since the interrupted run, and installs nothing', { timeout: 600_000 }, async () => {
    const w = await freshWork();
    // --release given explicitly (as automation does): resume still keeps the build it started with
    await applyKilledMidDownload(w, ['--release', 'latest']);
    const sums = `${loose.files.runsc!.rel}.sha512`;
    loose.overrides.set(sums, { body: `${'ab'.repeat(64)}  runsc\n` });
    try {
      const before = snapshotFiles(d.configFile);
      const requests = loose.requests.length;
      const r = await runWizard(['resume', '--yes', ...dirs(w)], w.env);
      ok(r, 1);
      assert.match(r.stderr, /release "latest" now publishes another build than the one this run started with/);
      assert.ok(!existsSync(join(w.bin, 'runsc')), 'nothing installed');
      assert.deepEqual(snapshotFiles(d.configFile), before);
      assert.deepEqual(loose.requests.slice(requests).filter((p) => p.endsWith('/runsc')), [], 'nothing downloaded');
    } finally {
      loose.overrides.delete(sums);
    }
  });

  test('plan under --root changes nothing in the whole root and shows the diff and the argv', { timeout: 300_000 }, async () => {
    const w = await freshWork();
    const root = join(w.dir, 'root');
    mkdirSync(join(root, 'etc', 'docker'), { recursive: true });
    writeFileSync(join(root, 'etc', 'docker', 'daemon.json'), PLAIN_DAEMON_JSON);
    const before = fullTree(root);
    const r = await runWizard(['plan', '--root', root, '--runtime', 'docker', '--docker-host', d.host, '--docker-config', '/etc/docker/daemon.json',
      '--mirror', loose.baseUrl, '--runtime-arg=--network=host', '--service-manager', 'none', '--image', BUSYBOX_TAG], w.env);
    ok(r);
    assert.deepEqual(diffSnapshots(before, fullTree(root)), []);
    assert.ok(!existsSync(join(root, 'var')), 'no state or log folder either');
    // a unified diff of daemon.json
    assert.match(r.stdout, /change \/etc\/docker\/daemon\.json:\n\s+--- a\/etc\/docker\/daemon\.json\n\s+\+\+\+ b\/etc\/docker\/daemon\.json\n\s+@@ -\d+(,\d+)? \+\d+(,\d+)? @@/);
    assert.match(r.stdout, /^\s+\+\s+"runtimes": \{$/m);
    // and the commands with their argv
    assert.match(r.stdout, new RegExp(`run: kill -HUP ${d.pid}`));
    assert.match(r.stdout, /fetch http:\/\/127\.0\.0\.1:\d+\/bucket\/release\/latest\/x86_64\/runsc/);
  });

  test('answers saved by one apply replay on a fresh state: same daemon.json bytes, same runsc', { timeout: 600_000 }, async () => {
    const w = await freshWork();
    const answers = join(w.dir, 'answers.toml');
    ok(await runWizard([...applyArgs(w), '--runtime-name', 'runsc-replay', '--save-answers', answers], w.env));
    const text = readFileSync(answers, 'utf8');
    assert.match(text, /^runtime-arg = \[ "--network=host" \]$/m);
    assert.match(text, /^runtime-name = "runsc-replay"$/m);
    const written = readFileSync(d.configFile);
    const runsc = sha256(join(w.bin, 'runsc'));

    // Put the machine back, then replay the answers alone on a fresh state dir
    ok(await runWizard(['undo', '--yes', ...dirs(w)], w.env));
    assert.equal(readFileSync(d.configFile, 'utf8'), PLAIN_DAEMON_JSON);
    assert.ok(!existsSync(w.bin));
    const fresh = { state: join(w.dir, 'state2'), log: join(w.dir, 'log2') };
    const replay = await runWizard(['apply', '--answers', answers, '--yes', '--state-dir', fresh.state, '--log-dir', fresh.log], w.env);
    ok(replay);
    assert.match(replay.stdout, /Isolation check: PASS/);
    assert.deepEqual(readFileSync(d.configFile), written);
    assert.equal(sha256(join(w.bin, 'runsc')), runsc);
  });

  test('undo puts daemon.json, the install dir and the install record back byte-identical, reloads docker, and docker still works', { timeout: 600_000 }, async () => {
    const w = await freshWork();
    const record = join(w.state, 'installed-release.json');
    const watched = () => snapshotFiles(d.configFile, join(w.dir, 'inst'), record);
    const mark = (m: Map<string, string>) => new Map([...m].map(([p, v]) => [p, v.split(' ').slice(0, 2).join(' ')])); // content + mode
    const before = mark(watched());
    ok(await runWizard([...applyArgs(w), '--runtime-name', 'runsc-undo'], w.env));
    assert.ok(existsSync(record));
    assert.ok((await d.runtimes()).includes('runsc-undo'));

    const reloads = (d.logText().match(/Got signal to reload configuration/g) ?? []).length;
    const r = await runWizard(['undo', '--yes', ...dirs(w)], w.env);
    ok(r);
    assert.match(r.stdout, /Undo: done/);
    assert.match(r.stdout, new RegExp(`\\[restored\\] ${d.configFile}: previous content restored`));
    assert.match(r.stdout, /\[removed\] .*\/inst\/bin\/runsc: created by the wizard/);
    assert.match(r.stdout, /\[ok\] docker: docker reloaded and answers/);
    assert.deepEqual(mark(watched()), before);
    assert.ok(!existsSync(join(w.dir, 'inst')), 'the folders the wizard created are gone');
    assert.ok((d.logText().match(/Got signal to reload configuration/g) ?? []).length > reloads, 'dockerd got SIGHUP');
    const run = await d.docker(['run', '--rm', BUSYBOX_TAG, 'true'], { timeoutMs: 120_000 });
    assert.equal(run.code, 0, run.stderr);
    // steps now shows the steps as never run / needed
    const table = await runWizard(['steps', ...dirs(w)], w.env);
    ok(table);
    assert.match(table.stdout, /^install-runsc\s+needed\s+undone \d{4}-/m);
    assert.match(table.stdout, /^configure-docker\s+needed\s+undone \d{4}-/m);
  });

  test('undo keeps a daemon.json edited by hand after the apply (exit 1) unless --force', { timeout: 600_000 }, async () => {
    const w = await freshWork();
    ok(await runWizard([...applyArgs(w), '--runtime-name', 'runsc-edit'], w.env));
    const edited = readJson<Record<string, unknown>>(d.configFile);
    edited['debug'] = true;
    const editedText = `${JSON.stringify(edited, null, 2)}\n`;
    writeFileSync(d.configFile, editedText);

    const kept = await runWizard(['undo', '--yes', ...dirs(w)], w.env);
    ok(kept, 1);
    assert.match(kept.stdout, new RegExp(`\\[kept\\] ${d.configFile}: it was changed after the wizard wrote it; left as it is`));
    assert.match(kept.stdout, /Undo: not complete/);
    assert.equal(readFileSync(d.configFile, 'utf8'), editedText);
    assert.ok(!existsSync(join(w.bin, 'runsc')), 'the rest was undone');

    const forced = await runWizard(['undo', '--yes', '--force', ...dirs(w)], w.env);
    ok(forced);
    assert.match(forced.stdout, new RegExp(`\\[restored\\] ${d.configFile}`));
    assert.equal(readFileSync(d.configFile, 'utf8'), PLAIN_DAEMON_JSON);
  });

  test('while one apply runs, a second apply and an undo stop naming its pid and command', { timeout: 600_000 }, async () => {
    const w = await freshWork();
    ok(await runWizard([...applyArgs(w), '--runtime-name', 'runsc-lock'], w.env));
    loose.stalls.add('runsc');
    let first: Running;
    try {
      // another install dir, so this apply has to download (and hangs doing it)
      first = startWizard([...applyArgs({ ...w, bin: join(w.dir, 'inst2') }), '--runtime-name', 'runsc-lock'], w.env);
      await first.waitForStderr(/downloading runsc: /);
    } finally {
      loose.stalls.delete('runsc');
    }
    const held = new RegExp(`error: another gvisor-wizard \\(pid ${first.pid}, \`apply\`, started [^)]+\\) is changing this machine`);
    const second = await runWizard([...applyArgs(w), '--runtime-name', 'runsc-lock'], w.env);
    ok(second, 1);
    assert.match(second.stderr, held);
    assert.match(second.stderr, /next: Wait for it to finish/);
    const undo = await runWizard(['undo', '--yes', ...dirs(w)], w.env);
    ok(undo, 1);
    assert.match(undo.stderr, held);
    assert.ok(existsSync(join(w.bin, 'runsc')), 'the undo changed nothing');

    // Stopped with TERM, the first one lets go of the lock
    first.kill('SIGTERM');
    const ended = await first.done;
    assert.equal(ended.code, 143, ended.stderr);
    assert.ok(!existsSync(join(w.state, 'lock')));
  });

  test('logs lists one file per run and --last prints the newest with its commands and exit codes', { timeout: 600_000 }, async () => {
    const w = await freshWork();
    ok(await runWizard([...applyArgs(w), '--runtime-name', 'runsc-logs'], w.env));
    ok(await runWizard(['run', 'configure-docker', '--yes', ...dirs(w)], w.env));
    const list = await runWizard(['logs', ...dirs(w)], w.env);
    ok(list);
    const files = readdirSync(w.log);
    assert.equal(files.length, 2, files.join(', '));
    for (const f of files) assert.ok(list.stdout.includes(f), `${f} listed in\n${list.stdout}`);
    const json = await runWizard(['logs', '--json', ...dirs(w)], w.env);
    assert.equal((JSON.parse(json.stdout) as unknown[]).length, 2);

    // the apply's log has every command with its exit code
    const applyLog = readFileSync(join(w.log, files.find((f) => f.includes('apply'))!), 'utf8');
    assert.match(applyLog, /CMD\s+.*docker run -d --name gvisor-wizard-check-/);
    assert.match(applyLog, /EXIT\s+\[isolation-check\] exit 0 \(\d+ ms\): .*docker run -d/);
    const last = await runWizard(['logs', '--last', ...dirs(w)], w.env);
    ok(last);
    const newest = files.find((f) => f.includes('run-configure-docker'))!;
    assert.ok(newest, files.join(', '));
    assert.equal(last.stdout, readFileSync(join(w.log, newest), 'utf8'));
    assert.ok(last.stderr.includes(newest));
    assert.match(last.stdout, /configure-docker/);
  });
});
