// Proves the e2e harness itself against the real daemons: a private dockerd + containerd,
// a local busybox image, real gVisor (runsc) via daemon.json + SIGHUP, the local release
// bucket, and that stop() leaves nothing behind.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { release as hostKernelRelease } from 'node:os';
import { dirname } from 'node:path';
import { describe, test } from 'node:test';
import { BUSYBOX_TAG, ensureBusyboxImage } from '../helpers/busybox-image.js';
import { cleanupAfter, processesMatching } from '../helpers/cleanup.js';
import { requireE2E } from '../helpers/prereqs.js';
import { mountsUnder, startPrivateDockerd } from '../helpers/private-dockerd.js';
import { pollUntil, runCommand } from '../helpers/proc.js';
import { startReleaseServer, type ReleaseLayout } from '../helpers/release-server.js';
import { makeFakeRunscThatIsRunc } from '../helpers/runc-wrapper.js';

const cleanup = cleanupAfter();
const sha512 = (b: Buffer): string => createHash('sha512').update(b).digest('hex');

describe('private dockerd', () => {
  test('runs busybox under real gVisor once runsc is in its own daemon.json and it got SIGHUP, and stop() leaves nothing behind', { timeout: 300_000 }, async (t) => {
    if (!requireE2E(t)) return;

    // Given a private daemon on its own socket, data-root and config file
    const d = await startPrivateDockerd({ cleanup });
    assert.match(d.socket, /^unix:\/\/\/tmp\/gvw-[^/]+\/docker\.sock$/);
    assert.ok(d.socket.length - 'unix://'.length < 108, 'socket path fits sun_path');
    assert.equal(d.env.DOCKER_HOST, d.socket);
    assert.equal(Number(readFileSync(d.pidFile, 'utf8').trim()), d.pid);
    const root = await d.docker(['info', '--format', '{{.DockerRootDir}}']);
    assert.equal(root.code, 0, root.stderr);
    assert.equal(root.stdout.trim(), d.dataRoot);
    assert.ok(!(await d.runtimes()).includes('runsc'), 'runsc is not configured yet');
    await ensureBusyboxImage(d);
    await ensureBusyboxImage(d); // a second call finds the image

    // When runsc is added to its daemon.json and dockerd gets SIGHUP
    writeFileSync(d.configFile, `${JSON.stringify({
      runtimes: { runsc: { path: '/usr/bin/runsc', runtimeArgs: ['--network=host'] } },
    }, null, 2)}\n`);
    process.kill(d.pid, 'SIGHUP');
    await pollUntil(async () => (await d.runtimes()).includes('runsc'), { timeoutMs: 20_000, label: 'runsc listed by docker info' });

    // Then a container under runsc boots gVisor's kernel, not the host's
    const dmesg = await d.docker(['run', '--rm', '--runtime=runsc', BUSYBOX_TAG, 'dmesg'], { timeoutMs: 120_000 });
    assert.equal(dmesg.code, 0, `${dmesg.stderr}\n${d.logText().slice(-3000)}`);
    assert.match(dmesg.stdout, /Starting gVisor/);
    const uname = await d.docker(['run', '--rm', '--runtime=runsc', BUSYBOX_TAG, 'uname', '-r'], { timeoutMs: 120_000 });
    assert.equal(uname.code, 0, uname.stderr);
    assert.notEqual(uname.stdout.trim(), hostKernelRelease());

    // And reload() reports a daemon.json that dockerd rejects, while the old config stays in force
    const good = readFileSync(d.configFile, 'utf8');
    writeFileSync(d.configFile, good.replace(/\}\s*$/, ',}\n'));
    await assert.rejects(d.reload(), /dockerd reload after SIGHUP: failed: .*invalid character/);
    assert.ok((await d.runtimes()).includes('runsc'));
    writeFileSync(d.configFile, good);
    await d.reload();

    // And stop() also removes a sandbox that is still running
    const bg = await d.docker(['run', '-d', '--runtime=runsc', BUSYBOX_TAG, 'sleep', '31337'], { timeoutMs: 120_000 });
    assert.equal(bg.code, 0, bg.stderr);
    assert.ok(processesMatching(d.dir).some((p) => p.comm.startsWith('runsc') || (p.argv[0] ?? '').includes('runsc')),
      'a runsc sandbox for the running container is visible');
    const dir = d.dir;
    await d.stop();
    assert.deepEqual(processesMatching(dir).map((p) => `${p.pid} ${p.argv.join(' ')}`), []);
    assert.deepEqual(mountsUnder(dir), []);
    assert.equal(existsSync(dir), false);
    assert.match(d.logText(), /API listen on/, 'the log stays readable after stop()');
    await d.stop(); // idempotent
  });

  test('a daemon that cannot start reports its log and leaves nothing behind', { timeout: 120_000 }, async (t) => {
    if (!requireE2E(t)) return;
    // "hosts" in daemon.json conflicts with the -H flag: dockerd refuses to start.
    const err = await startPrivateDockerd({ daemonJson: '{"hosts": ["unix:///tmp/gvw-nowhere.sock"]}\n', startTimeoutMs: 20_000 })
      .then(() => null, (e: Error) => e);
    assert.ok(err, 'start must fail');
    assert.match(err.message, /both as a flag and in the configuration file|hosts/);
    const dir = /(\/tmp\/gvw-[A-Za-z0-9]{6})\//.exec(err.message)?.[1];
    assert.ok(dir, `the error names the log file: ${err.message}`);
    assert.equal(existsSync(dir), false);
    assert.deepEqual(processesMatching(dir), []);
  });
});

describe('release server', () => {
  const layouts: { layout: ReleaseLayout; loose: boolean; tarball: boolean }[] = [
    { layout: 'loose', loose: true, tarball: false },
    { layout: 'tarball', loose: false, tarball: true },
    { layout: 'both', loose: true, tarball: true },
  ];
  for (const { layout, loose, tarball } of layouts) {
    test(`the ${layout} layout serves its files with matching .sha512 files and 404s the rest`, { timeout: 120_000 }, async (t) => {
      if (!requireE2E(t, ['runsc', 'tar', 'bzip2'])) return;
      const s = await startReleaseServer({ layout });
      const undo = cleanup.add(`release server ${layout}`, () => s.close());
      try {
        assert.match(s.baseUrl, /^http:\/\/127\.0\.0\.1:\d+\/bucket$/);
        const base = `${s.baseUrl}/release/latest/x86_64`;
        assert.equal(s.releaseUrl, base);
        const get = async (name: string): Promise<{ status: number; body: Buffer; length: string | null }> => {
          const r = await fetch(`${base}/${name}`);
          return { status: r.status, body: Buffer.from(await r.arrayBuffer()), length: r.headers.get('content-length') };
        };
        const expectServed = async (name: string): Promise<Buffer> => {
          const f = await get(name);
          assert.equal(f.status, 200, name);
          assert.equal(f.length, String(f.body.length), `${name} Content-Length`);
          const sum = await get(`${name}.sha512`);
          assert.equal(sum.status, 200, `${name}.sha512`);
          assert.equal(sum.body.toString('utf8'), `${sha512(f.body)}  ${name}\n`);
          assert.match(sum.body.toString('utf8'), /^[0-9a-f]{128} {2}\S+\n$/);
          return f.body;
        };
        const expect404 = async (name: string): Promise<void> => {
          assert.equal((await get(name)).status, 404, `${name} is not served in the ${layout} layout`);
        };

        for (const name of ['runsc', 'containerd-shim-runsc-v1']) {
          if (loose) await expectServed(name); else { await expect404(name); await expect404(`${name}.sha512`); }
        }
        if (loose) {
          assert.ok((await get('runsc')).body.equals(readFileSync('/usr/bin/runsc')), 'runsc is the real binary');
          assert.ok((await get('containerd-shim-runsc-v1')).body.equals(readFileSync('/usr/bin/true')), 'the shim is a stand-in ELF');
        }
        if (tarball) {
          const body = await expectServed('gvisor.tar.bz2');
          const tmp = await mkdtemp('/tmp/gvw-t-');
          try {
            writeFileSync(`${tmp}/g.tar.bz2`, body);
            const list = await runCommand('tar', ['-tjf', `${tmp}/g.tar.bz2`]);
            assert.equal(list.code, 0, list.stderr);
            const members = list.stdout.split('\n').filter(Boolean).map((m) => m.replace(/^\.\//, ''));
            for (const m of ['runsc', 'containerd-shim-runsc-v1', 'gvisor-bin/', 'gvisor-bin/gvisor-helper']) assert.ok(members.includes(m), `${m} in ${members.join(', ')}`);
            assert.deepEqual([...members].sort(), [...s.tarballEntries].sort());
          } finally {
            await rm(tmp, { recursive: true, force: true });
          }
        } else {
          await expect404('gvisor.tar.bz2');
          await expect404('gvisor.tar.bz2.sha512');
        }
        assert.equal((await fetch(`${s.baseUrl}/nothing/here`)).status, 404);
        assert.ok(s.requests.includes('/bucket/release/latest/x86_64/runsc.sha512'));
        assert.ok(s.requests.includes('/bucket/nothing/here'));

        // An override turns a file into a canned answer (for negative tests)
        s.overrides.set('release/latest/x86_64/runsc.sha512', { status: 200, body: `${'0'.repeat(128)}  runsc\n` });
        assert.equal((await get('runsc.sha512')).body.toString(), `${'0'.repeat(128)}  runsc\n`);
      } finally {
        const served = Object.values(s.files)[0]?.file;
        await s.close();
        undo();
        if (served) assert.equal(existsSync(dirname(dirname(served))), false, 'the temp dir is removed on close');
      }
    });
  }
});

test('the fake runsc is really runc, and drops gVisor-only flags', { timeout: 30_000 }, async (t) => {
  if (!requireE2E(t, ['runc'])) return;
  const dir = await mkdtemp('/tmp/gvw-fake-');
  try {
    const fake = makeFakeRunscThatIsRunc(dir);
    assert.equal(fake, `${dir}/runsc`);
    const r = await runCommand(fake, ['--network=host', '--version']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^runc version/m);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
