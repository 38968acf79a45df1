import assert from 'node:assert/strict';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, it } from 'node:test';

import { DryRunRefusal } from '../../src/host/host.js';
import { LocalHost } from '../../src/host/local-host.js';
import { RunLog, type LogEntry } from '../../src/log/run-log.js';

const isRoot = process.getuid?.() === 0;
const NODE = process.execPath;

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

function scratch(): { base: string; root: string; backupDir: string } {
  const base = mkdtempSync(join(tmpdir(), 'gvw-unit-host-'));
  dirs.push(base);
  return { base, root: join(base, 'root'), backupDir: join(base, 'backups') };
}

function hostIn(opts: { dryRun?: boolean; backup?: boolean; log?: RunLog } = {}) {
  const s = scratch();
  mkdirSync(s.root, { recursive: true });
  const host = new LocalHost({ root: s.root, log: opts.log ?? new RunLog({ dir: null }), dryRun: opts.dryRun, backupDir: opts.backup === false ? null : s.backupDir });
  const real = (p: string) => join(s.root, p);
  const put = (p: string, text: string) => {
    mkdirSync(dirname(real(p)), { recursive: true });
    writeFileSync(real(p), text);
  };
  return { ...s, host, real, put };
}

describe('LocalHost.writeFileAtomic', () => {
  it('given a file with mode 0640, when it is replaced, then the new file has mode 0640', async () => {
    const h = hostIn();
    h.put('/etc/docker/daemon.json', '{}\n');
    chmodSync(h.real('/etc/docker/daemon.json'), 0o640);
    await h.host.writeFileAtomic('/etc/docker/daemon.json', '{"debug": true}\n');
    assert.equal(statSync(h.real('/etc/docker/daemon.json')).mode & 0o7777, 0o640);
    assert.equal(readFileSync(h.real('/etc/docker/daemon.json'), 'utf8'), '{"debug": true}\n');
  });

  it('given a file owned by uid/gid 1:1, when it is replaced as root, then the new file keeps that owner', { skip: !isRoot && 'needs root to chown' }, async () => {
    const h = hostIn();
    h.put('/etc/docker/daemon.json', '{}\n');
    chownSync(h.real('/etc/docker/daemon.json'), 1, 1);
    await h.host.writeFileAtomic('/etc/docker/daemon.json', '{"debug": true}\n');
    const st = statSync(h.real('/etc/docker/daemon.json'));
    assert.deepEqual([st.uid, st.gid], [1, 1]);
  });

  it('given a file that already holds the content, when written, then changed is false and the file is not touched', async () => {
    const h = hostIn();
    h.put('/etc/x.conf', 'same\n');
    const past = new Date('2020-01-02T03:04:05Z');
    utimesSync(h.real('/etc/x.conf'), past, past);
    const inodeBefore = statSync(h.real('/etc/x.conf')).ino;
    const w = await h.host.writeFileAtomic('/etc/x.conf', 'same\n');
    assert.equal(w.changed, false);
    assert.equal(w.created, false);
    assert.equal(w.backupPath, undefined);
    const st = statSync(h.real('/etc/x.conf'));
    assert.equal(st.mtimeMs, past.getTime());
    assert.equal(st.ino, inodeBefore);
    assert.equal(existsSync(h.backupDir), false);
  });

  it('given a file is replaced, when the directory is listed, then no temp file is left behind', async () => {
    const h = hostIn();
    h.put('/etc/docker/daemon.json', '{}\n');
    await h.host.writeFileAtomic('/etc/docker/daemon.json', '{"a": 1}\n');
    await h.host.writeFileAtomic('/etc/docker/new.json', '{}\n');
    assert.deepEqual(readdirSync(h.real('/etc/docker')).sort(), ['daemon.json', 'new.json']);
  });

  it('given a file is replaced, when the backup dir is read, then the old bytes are under backupDir/<machine path>', async () => {
    const h = hostIn();
    h.put('/etc/docker/daemon.json', 'old content\n');
    const w = await h.host.writeFileAtomic('/etc/docker/daemon.json', 'new content\n');
    assert.equal(w.backupPath, join(h.backupDir, 'etc/docker/daemon.json'));
    assert.equal(readFileSync(w.backupPath!, 'utf8'), 'old content\n');
    // The copy keeps the original's mode (0644 here), so a restored file works as before.
    assert.equal(statSync(w.backupPath!).mode & 0o777, 0o644);
  });

  it('given no file yet, when written with a mode, then it is created with that mode, its directory too, and no backup', async () => {
    const h = hostIn();
    const w = await h.host.writeFileAtomic('/etc/new/dir/file.conf', 'x\n', { mode: 0o600 });
    assert.deepEqual({ created: w.created, changed: w.changed, backupPath: w.backupPath }, { created: true, changed: true, backupPath: undefined });
    assert.equal(statSync(h.real('/etc/new/dir/file.conf')).mode & 0o7777, 0o600);
  });

  it('given a host without a backup dir, when a file is replaced, then no backup path is returned', async () => {
    const h = hostIn({ backup: false });
    h.put('/etc/x.conf', 'a\n');
    const w = await h.host.writeFileAtomic('/etc/x.conf', 'b\n');
    assert.equal(w.backupPath, undefined);
    assert.equal(w.changed, true);
  });
});

describe('LocalHost under --root', () => {
  it('given a file under the root dir, when read by its machine path, then the root is prepended', async () => {
    const h = hostIn();
    h.put('/etc/os-release', 'ID=test\n');
    assert.equal(h.host.resolve('/etc/os-release'), join(h.root, 'etc/os-release'));
    assert.equal((await h.host.readFile('/etc/os-release'))?.toString(), 'ID=test\n');
    assert.equal(await h.host.readText('/etc/os-release'), 'ID=test\n');
  });

  it('given a machine path that does not exist under the root, when read, then null comes back (not the real /etc file)', async () => {
    const h = hostIn();
    assert.equal(await h.host.readFile('/etc/hostname'), null);
    assert.equal(await h.host.stat('/etc/hostname'), null);
    assert.deepEqual(await h.host.listDir('/etc'), []);
  });

  it('given a relative path, when resolved, then it is refused', () => {
    const h = hostIn();
    assert.throws(() => h.host.resolve('etc/passwd'), /must be absolute/);
  });
});

describe('LocalHost in dry-run mode', () => {
  it('given a dry-run host, when a file write is attempted, then DryRunRefusal is thrown and nothing is written', async () => {
    const h = hostIn({ dryRun: true });
    h.put('/etc/x.conf', 'old\n');
    await assert.rejects(h.host.writeFileAtomic('/etc/x.conf', 'new\n'), DryRunRefusal);
    await assert.rejects(h.host.writeFileAtomic('/etc/y.conf', 'new\n'), DryRunRefusal);
    assert.equal(readFileSync(h.real('/etc/x.conf'), 'utf8'), 'old\n');
    assert.equal(existsSync(h.real('/etc/y.conf')), false);
  });

  it('given a dry-run host, when other changes are attempted (mkdir, remove, install), then each is refused', async () => {
    const h = hostIn({ dryRun: true });
    h.put('/etc/x.conf', 'old\n');
    await assert.rejects(h.host.mkdirp('/opt/new'), DryRunRefusal);
    await assert.rejects(h.host.removeFile('/etc/x.conf'), DryRunRefusal);
    await assert.rejects(h.host.installFile(h.real('/etc/x.conf'), '/usr/local/bin/runsc', 0o755), DryRunRefusal);
    assert.equal(existsSync(h.real('/etc/x.conf')), true);
    assert.equal(existsSync(h.real('/opt/new')), false);
  });

  it('given a dry-run host, when a command is run without readOnly, then it is refused before it starts', async () => {
    const h = hostIn({ dryRun: true });
    const marker = join(h.base, 'ran');
    await assert.rejects(h.host.run([NODE, '-e', `require('fs').writeFileSync(${JSON.stringify(marker)}, 'x')`]), DryRunRefusal);
    assert.equal(existsSync(marker), false);
  });

  it('given a dry-run host, when a readOnly command is run, then it runs and reports its output', async () => {
    const h = hostIn({ dryRun: true });
    const r = await h.host.run([NODE, '-e', 'console.log("probe")'], { readOnly: true });
    assert.equal(r.ok, true);
    assert.equal(r.stdout, 'probe\n');
  });

  it('given a dry-run host, when a signal is to be sent, then it is refused', async () => {
    const h = hostIn({ dryRun: true });
    // SIGCONT to ourselves would be harmless even if it were sent.
    await assert.rejects(h.host.signal(process.pid, 'SIGCONT'), DryRunRefusal);
  });
});

describe('LocalHost.run', () => {
  it('given a command printing 1000 lines, when run, then onLine gets every line in order and stdout holds them all', async () => {
    const h = hostIn();
    const seen: string[] = [];
    const r = await h.host.run([NODE, '-e', 'for (let i = 1; i <= 1000; i++) console.log("line " + i)'], {
      onLine: (stream, line) => { if (stream === 'stdout') seen.push(line); },
    });
    const want = Array.from({ length: 1000 }, (_, i) => `line ${i + 1}`);
    assert.deepEqual(seen, want);
    assert.equal(r.stdout, want.join('\n') + '\n');
  });

  it('given a command printing 3 MiB, when run, then onLine and the log get every line but stdout keeps only its first and last 512 KiB', async () => {
    const dir = scratch().base;
    const log = new RunLog({ dir });
    const h = hostIn({ log });
    let lines = 0;
    // 49,152 lines of 64 bytes: 3 MiB.
    const script = 'const l = "x".repeat(57); let s = ""; for (let i = 0; i < 49152; i++) s += String(i).padStart(6, "0") + l + "\\n"; process.stdout.write(s)';
    const r = await h.host.run([NODE, '-e', script], { onLine: () => { lines++; } });
    log.close();
    assert.equal(lines, 49152);
    const logged = readFileSync(log.filePath!, 'utf8').split('\n').filter((l) => / OUT {3}\d{6}x{57}$/.test(l)).length;
    assert.equal(logged, 49152, 'the log file holds every line');
    const [head, note, tail] = r.stdout.split(/\n(\[\.\.\. \d+ bytes of output not kept in memory; the log file has all of it \.\.\.\])\n/);
    assert.ok(note, 'a note says what was left out');
    assert.ok(head!.startsWith(`000000${'x'.repeat(57)}\n`));
    assert.equal(head!.length, 512 * 1024);
    assert.ok(tail!.endsWith(`049151${'x'.repeat(57)}\n`));
    assert.equal(tail!.length, 512 * 1024);
    assert.equal(Number(/(\d+) bytes/.exec(note!)![1]), 3 * 1024 * 1024 - 1024 * 1024);
  });

  it('given output on stderr and a last line without newline, when run, then both streams reach onLine', async () => {
    const h = hostIn();
    const seen: string[] = [];
    await h.host.run([NODE, '-e', 'console.error("warn 1"); process.stdout.write("no newline")'], {
      onLine: (stream, line) => seen.push(`${stream}:${line}`),
    });
    assert.deepEqual(seen.sort(), ['stderr:warn 1', 'stdout:no newline']);
  });

  it('given long lines of multi-byte characters, when streamed, then no line holds a replacement character', async () => {
    const h = hostIn();
    const seen: string[] = [];
    const script = 'for (let i = 0; i < 20; i++) process.stdout.write("é".repeat(40000 + i) + "\\n")';
    await h.host.run([NODE, '-e', script], { onLine: (_s, line) => seen.push(line) });
    assert.equal(seen.length, 20);
    seen.forEach((line, i) => assert.equal(line, 'é'.repeat(40000 + i), `line ${i + 1} was decoded wrongly`));
  });

  it('given a command that exits 3, when run, then exitCode is 3 and ok is false', async () => {
    const h = hostIn();
    const r = await h.host.run([NODE, '-e', 'process.exit(3)']);
    assert.deepEqual({ exitCode: r.exitCode, ok: r.ok, timedOut: r.timedOut, spawnError: r.spawnError }, { exitCode: 3, ok: false, timedOut: false, spawnError: undefined });
  });

  it('given a command that exits 0, when run, then ok is true', async () => {
    const h = hostIn();
    const r = await h.host.run([NODE, '-e', '']);
    assert.equal(r.exitCode, 0);
    assert.equal(r.ok, true);
  });

  it('given `sleep 5` with a 200 ms timeout, when run, then it is stopped early and reported as timed out', async () => {
    const h = hostIn();
    const started = Date.now();
    const r = await h.host.run(['sleep', '5'], { timeoutMs: 200 });
    assert.equal(r.timedOut, true);
    assert.equal(r.ok, false);
    assert.equal(r.spawnError, undefined);
    assert.ok(Date.now() - started < 4000, `took ${Date.now() - started} ms`);
  });

  it('given a program that does not exist, when run, then spawnError says so and there is no exit code', async () => {
    const h = hostIn();
    const r = await h.host.run(['/nonexistent/gvw-no-such-program', '--version']);
    assert.ok(r.spawnError, 'spawnError is set');
    assert.match(r.spawnError!, /ENOENT/);
    assert.equal(r.exitCode, null);
    assert.equal(r.ok, false);
  });

  it('given a run, when the log is watched, then the command line, output and exit are logged under the current step', async () => {
    const log = new RunLog({ dir: null });
    const entries: LogEntry[] = [];
    log.subscribe((e) => entries.push(e));
    const h = hostIn({ log });
    h.host.step = 'probe-step';
    await h.host.run([NODE, '-e', 'console.log("hello")']);
    assert.deepEqual(entries.map((e) => e.level), ['cmd', 'out', 'exit']);
    assert.ok(entries.every((e) => e.step === 'probe-step'));
    assert.equal(entries[1]!.text, 'hello');
    assert.match(entries[2]!.text, /^exit 0 \(/);
  });

  it('given an empty argv, when run, then it is refused', async () => {
    const h = hostIn();
    await assert.rejects(h.host.run([]), /empty argv/);
  });
});

describe('temp folders of killed runs', () => {
  it('given a release temp folder of a process that is gone, when a new one is made, then the old one is removed and a live one is kept', async () => {
    const base = mkdtempSync(join(tmpdir(), 'gvw-tmpsweep-'));
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = base;
    try {
      const dead = join(base, 'gvisor-wizard-release-999999999-abc');
      const live = join(base, `gvisor-wizard-release-${process.ppid}-def`);
      const other = join(base, 'gvisor-wizard-nerdctl-999999999-ghi');
      for (const d of [dead, live, other]) mkdirSync(join(d, 'partial'), { recursive: true });
      const made = await new LocalHost({ log: new RunLog() }).makeTempDir('gvisor-wizard-release');
      assert.ok(!existsSync(dead), 'the killed run\'s partial download is gone');
      assert.ok(existsSync(live), 'a live process\'s folder stays');
      assert.ok(existsSync(other), 'another prefix is not touched');
      assert.match(made, new RegExp(`gvisor-wizard-release-${process.pid}-`));
    } finally {
      if (saved === undefined) delete process.env.TMPDIR; else process.env.TMPDIR = saved;
      rmSync(base, { recursive: true, force: true });
    }
  });
});
