import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { LocalHost } from '../../src/host/local-host.js';
import { RunLog } from '../../src/log/run-log.js';
import { DEFAULT_BUCKET, releaseDirUrl } from '../../src/release/channel.js';
import { isReleaseError, type ReleaseError } from '../../src/release/download.js';
import { fetchRelease, sha512OfFile } from '../../src/release/fetch-release.js';
import { chooseSource, HttpReleaseSource, LocalDirSource } from '../../src/release/source.js';
import { aarch64Elf, otherX86Elf, startCannedServer, tempDir, x86Elf, type CannedServer } from '../helpers/release-unit-http.js';

const run = promisify(execFile);
const sha512 = (b: Buffer) => createHash('sha512').update(b).digest('hex');
const host = new LocalHost({ log: new RunLog({ dir: null }) });
const SHIM = 'containerd-shim-runsc-v1';
const HELPER = '#!/bin/sh\necho gvisor helper\n';

let server: CannedServer;
let runscBin: Buffer;
let shimBin: Buffer;
/** Path of the release directory on the server, like the bucket's (a mirror base + release/latest/x86_64). */
const DIR = '/mirror/gvisor/releases/release/latest/x86_64';

before(async () => {
  server = await startCannedServer();
  runscBin = await x86Elf();
  shimBin = await otherX86Elf();
});
after(() => server.close());
beforeEach(() => server.reset());

function source(): HttpReleaseSource {
  return new HttpReleaseSource(host, releaseDirUrl(`${server.url}/mirror/gvisor/releases`, 'latest', 'x86_64'), { backoffMs: 1, retries: 1 });
}

/** Serve `name` and `name.sha512` (sha512sum format, like the bucket). */
function serve(name: string, body: Buffer, shaName = name): void {
  server.routes.set(`${DIR}/${name}`, { body });
  server.routes.set(`${DIR}/${name}.sha512`, { body: `${sha512(body)}  ${shaName}\n` });
}

interface TarOptions {
  /** Put the members under one top folder. */
  topFolder?: string;
  withShim?: boolean;
  runsc?: Buffer;
  /** Extra tar arguments appended after the member list (e.g. -P with ../evil). */
  extra?: (stagingParent: string) => Promise<string[]> | string[];
  /** Add a symlink gvisor-bin/link -> this target. */
  linkTo?: string;
}

/** Build a real gvisor.tar.bz2 with tar -cjf. */
async function makeTarball(t: TestContext, o: TarOptions = {}): Promise<Buffer> {
  const work = await tempDir(t, 'gvw-tar');
  const parent = join(work, 'staging');
  const root = o.topFolder ? join(parent, o.topFolder) : parent;
  await mkdir(join(root, 'gvisor-bin'), { recursive: true });
  await writeFile(join(root, 'runsc'), o.runsc ?? runscBin, { mode: 0o755 });
  if (o.withShim !== false) await writeFile(join(root, SHIM), shimBin, { mode: 0o755 });
  await writeFile(join(root, 'gvisor-bin', 'helper'), HELPER, { mode: 0o755 });
  if (o.linkTo) await symlink(o.linkTo, join(root, 'gvisor-bin', 'link'));
  const members = o.topFolder ? [o.topFolder] : await readdir(parent);
  const out = join(work, 'gvisor.tar.bz2');
  const extra = o.extra ? await o.extra(parent) : [];
  await run('tar', ['-cjf', out, '-C', parent, ...(o.extra ? ['-P'] : []), ...members, ...extra]);
  return readFile(out);
}

function releaseError(kind: ReleaseError['kind'], check?: (e: ReleaseError) => void) {
  return (e: unknown) => {
    assert.ok(isReleaseError(e), `expected a ReleaseError, got ${String(e)}`);
    assert.equal(e.kind, kind, e.message);
    check?.(e);
    return true;
  };
}

describe('fetchRelease, tarball layout (gvisor.tar.bz2)', () => {
  test('members at the top of the archive: runsc, the shim and gvisor-bin/ are verified and found', async (t) => {
    const work = await tempDir(t);
    serve('gvisor.tar.bz2', await makeTarball(t));
    const r = await fetchRelease(host, source(), 'x86_64', work, { requireShim: true });
    assert.equal(r.layout, 'tarball');
    assert.equal(r.runsc.sha512, sha512(runscBin));
    assert.equal(r.runsc.size, runscBin.length);
    assert.ok((await readFile(r.runsc.realPath)).equals(runscBin));
    assert.equal(r.shim?.sha512, sha512(shimBin));
    assert.ok(r.helpersDir);
    assert.equal(await readFile(join(r.helpersDir, 'helper'), 'utf8'), HELPER);
    const base = `${server.url}${DIR}`;
    assert.deepEqual(r.urls, [`${base}/gvisor.tar.bz2.sha512`, `${base}/gvisor.tar.bz2`]);
    assert.equal(server.hits.get(`${DIR}/runsc.sha512`), undefined, 'the loose layout was not asked for');
  });

  test('members under one top folder are found too', async (t) => {
    const work = await tempDir(t);
    serve('gvisor.tar.bz2', await makeTarball(t, { topFolder: 'gvisor-20260601.0' }));
    const r = await fetchRelease(host, source(), 'x86_64', work, { requireShim: true });
    assert.equal(r.layout, 'tarball');
    assert.match(r.runsc.realPath, /gvisor-20260601\.0\/runsc$/);
    assert.match(r.helpersDir ?? '', /gvisor-20260601\.0\/gvisor-bin$/);
    assert.equal(r.shim?.sha512, sha512(shimBin));
  });

  test('an archive without the shim: absent when not required, an error when required', async (t) => {
    const work = await tempDir(t);
    serve('gvisor.tar.bz2', await makeTarball(t, { withShim: false }));
    const r = await fetchRelease(host, source(), 'x86_64', work, { requireShim: false });
    assert.equal(r.shim, undefined);
    assert.ok(r.notes.some((n) => n.includes(SHIM)));
    await assert.rejects(fetchRelease(host, source(), 'x86_64', await tempDir(t), { requireShim: true }), releaseError('missing', (e) => assert.match(e.message, new RegExp(SHIM))));
  });

  test('an archive with a ../evil member is refused before anything is extracted', async (t) => {
    const work = await tempDir(t);
    const tarball = await makeTarball(t, {
      extra: async (parent) => {
        // -C parent, so "../evil" names a file next to the staging folder.
        await writeFile(join(parent, '..', 'evil'), 'evil\n');
        return ['../evil'];
      },
    });
    serve('gvisor.tar.bz2', tarball);
    await assert.rejects(
      fetchRelease(host, source(), 'x86_64', work, { requireShim: false }),
      releaseError('archive', (e) => {
        assert.ok(e.message.includes('"../evil"'), e.message);
        assert.ok(e.message.includes('gvisor.tar.bz2'), e.message);
      }),
    );
    // Extraction would have gone to work/gvisor-extracted, so ../evil would have landed in work/.
    assert.equal(existsSync(join(work, 'evil')), false);
    assert.deepEqual(await readdir(work), [], 'the tarball and extraction folder were removed');
  });

  test('an archive with an absolute member is refused', async (t) => {
    const work = await tempDir(t);
    const abs = join(await tempDir(t), 'abs-file');
    await writeFile(abs, 'x');
    serve('gvisor.tar.bz2', await makeTarball(t, { extra: () => [abs] }));
    await assert.rejects(fetchRelease(host, source(), 'x86_64', work, { requireShim: false }), releaseError('archive', (e) => assert.ok(e.message.includes(abs), e.message)));
  });

  test('an archive with a symlink pointing outside it is refused', async (t) => {
    const work = await tempDir(t);
    serve('gvisor.tar.bz2', await makeTarball(t, { linkTo: '/etc/passwd' }));
    await assert.rejects(fetchRelease(host, source(), 'x86_64', work, { requireShim: false }), releaseError('archive', (e) => assert.match(e.message, /gvisor-bin\/link is a link to \/etc\/passwd, outside the archive/)));
  });

  test('an archive whose runsc is built for aarch64 is refused on x86_64', async (t) => {
    const work = await tempDir(t);
    serve('gvisor.tar.bz2', await makeTarball(t, { runsc: await aarch64Elf() }));
    await assert.rejects(fetchRelease(host, source(), 'x86_64', work, { requireShim: true }), releaseError('wrong-arch', (e) => assert.match(e.message, /ELF for aarch64, this machine needs x86_64/)));
  });

  test('a tarball that does not match its .sha512 is refused, naming both hashes', async (t) => {
    const work = await tempDir(t);
    const tarball = await makeTarball(t);
    server.routes.set(`${DIR}/gvisor.tar.bz2`, { body: tarball });
    server.routes.set(`${DIR}/gvisor.tar.bz2.sha512`, { body: `${'0'.repeat(128)}  gvisor.tar.bz2\n` });
    await assert.rejects(fetchRelease(host, source(), 'x86_64', work, { requireShim: true }), releaseError('checksum', (e) => {
      assert.ok(e.message.includes(`expected ${'0'.repeat(128)}`));
      assert.ok(e.message.includes(`got ${sha512(tarball)}`));
    }));
    assert.deepEqual(await readdir(work), []);
  });
});

describe('fetchRelease, loose layout (runsc + containerd-shim-runsc-v1)', () => {
  test('when gvisor.tar.bz2.sha512 is 404, the loose files are fetched and verified', async (t) => {
    const work = await tempDir(t);
    serve('runsc', runscBin);
    serve(SHIM, shimBin);
    const r = await fetchRelease(host, source(), 'x86_64', work, { requireShim: true });
    assert.equal(r.layout, 'loose');
    assert.equal(r.runsc.realPath, join(work, 'runsc'));
    assert.equal(r.runsc.sha512, sha512(runscBin));
    assert.equal(r.shim?.realPath, join(work, SHIM));
    assert.equal(r.shim?.sha512, sha512(shimBin));
    assert.equal(r.helpersDir, undefined);
    const base = `${server.url}${DIR}`;
    assert.deepEqual(r.urls, [`${base}/runsc.sha512`, `${base}/runsc`, `${base}/${SHIM}.sha512`, `${base}/${SHIM}`]);
    assert.equal(server.hits.get(`${DIR}/gvisor.tar.bz2.sha512`), 1);
  });

  test('a release without the shim: reported absent when not required', async (t) => {
    const work = await tempDir(t);
    serve('runsc', runscBin);
    const r = await fetchRelease(host, source(), 'x86_64', work, { requireShim: false });
    assert.equal(r.shim, undefined);
    assert.match(r.notes.join('\n'), /containerd-shim-runsc-v1 is not part of this release/);
  });

  test('a release without the shim: an error naming it when required', async (t) => {
    const work = await tempDir(t);
    serve('runsc', runscBin);
    await assert.rejects(fetchRelease(host, source(), 'x86_64', work, { requireShim: true }), releaseError('missing', (e) => {
      assert.ok(e.message.includes(`${SHIM}.sha512`), e.message);
      assert.match(e.message, /containerd needs it/);
    }));
    assert.deepEqual(await readdir(work), [], 'the runsc already fetched was removed');
  });

  test('case C3 in a release: runsc is the 9-byte "Not Found" page', async (t) => {
    const work = await tempDir(t);
    serve('runsc', Buffer.from('Not Found'));
    await assert.rejects(fetchRelease(host, source(), 'x86_64', work, { requireShim: false }), releaseError('not-elf', (e) => assert.ok(e.message.includes('not an ELF executable (9 bytes)'))));
    assert.deepEqual(await readdir(work), []);
  });

  test('nothing there at all: says neither layout was found and what to check', async (t) => {
    const work = await tempDir(t);
    await assert.rejects(fetchRelease(host, source(), 'x86_64', work, { requireShim: false }), releaseError('not-found', (e) => {
      assert.ok(e.message.includes(`${server.url}${DIR}`), e.message);
      assert.match(e.message, /neither gvisor\.tar\.bz2\.sha512 nor runsc\.sha512/);
      assert.match(e.message, /--release/);
    }));
  });

  test('a server error on gvisor.tar.bz2.sha512 is not taken for "no tarball"', async (t) => {
    const work = await tempDir(t);
    server.routes.set(`${DIR}/gvisor.tar.bz2.sha512`, { status: 502, body: 'bad gateway' });
    serve('runsc', runscBin);
    await assert.rejects(fetchRelease(host, source(), 'x86_64', work, { requireShim: false }), releaseError('http', (e) => assert.match(e.message, /HTTP 502/)));
    assert.equal(server.hits.get(`${DIR}/runsc.sha512`), undefined);
  });

  test('a checksum file for another file is refused', async (t) => {
    const work = await tempDir(t);
    serve('runsc', runscBin, SHIM);
    await assert.rejects(fetchRelease(host, source(), 'x86_64', work, { requireShim: false }), releaseError('bad-checksum-file', (e) => assert.match(e.message, /is for "containerd-shim-runsc-v1", not for runsc/)));
  });

  test('an HTML page served as runsc.sha512 is refused, naming the URL', async (t) => {
    const work = await tempDir(t);
    serve('runsc', runscBin);
    server.routes.set(`${DIR}/runsc.sha512`, { body: '<html><body>Welcome to the proxy</body></html>' });
    await assert.rejects(fetchRelease(host, source(), 'x86_64', work, { requireShim: false }), releaseError('bad-checksum-file', (e) => {
      assert.ok(e.message.includes(`${server.url}${DIR}/runsc.sha512`), e.message);
      assert.match(e.message, /HTML\/XML page/);
    }));
  });

  test('progress is reported per file', async (t) => {
    const work = await tempDir(t);
    serve('runsc', runscBin);
    serve(SHIM, shimBin);
    const files = new Set<string>();
    await fetchRelease(host, source(), 'x86_64', work, { requireShim: true, onProgress: (f) => files.add(f) });
    assert.deepEqual([...files].sort(), [SHIM, 'runsc']);
  });
});

describe('fetchRelease from a local directory (--from-dir)', () => {
  async function lab(t: TestContext, files: Record<string, Buffer | string>): Promise<string> {
    const dir = await tempDir(t, 'gvw-from-dir');
    for (const [name, body] of Object.entries(files)) await writeFile(join(dir, name), body);
    return dir;
  }
  const sumOf = (b: Buffer, name: string) => `${sha512(b)}  ${name}\n`;

  test('loose files in the directory are copied with the same checks', async (t) => {
    const dir = await lab(t, { runsc: runscBin, 'runsc.sha512': sumOf(runscBin, 'runsc'), [SHIM]: shimBin, [`${SHIM}.sha512`]: sumOf(shimBin, SHIM) });
    const work = await tempDir(t);
    const r = await fetchRelease(host, new LocalDirSource(host, dir), 'x86_64', work, { requireShim: true });
    assert.equal(r.layout, 'loose');
    assert.equal(r.runsc.sha512, sha512(runscBin));
    assert.ok((await readFile(r.runsc.realPath)).equals(runscBin));
    assert.equal(r.shim?.sha512, sha512(shimBin));
    assert.deepEqual(r.urls, [join(dir, 'runsc.sha512'), join(dir, 'runsc'), join(dir, `${SHIM}.sha512`), join(dir, SHIM)]);
  });

  test('a gvisor.tar.bz2 in the directory is used like the bucket one', async (t) => {
    const tarball = await makeTarball(t);
    const dir = await lab(t, { 'gvisor.tar.bz2': tarball, 'gvisor.tar.bz2.sha512': sumOf(tarball, 'gvisor.tar.bz2') });
    const r = await fetchRelease(host, new LocalDirSource(host, dir), 'x86_64', await tempDir(t), { requireShim: true });
    assert.equal(r.layout, 'tarball');
    assert.equal(r.runsc.sha512, sha512(runscBin));
    assert.ok(r.helpersDir);
  });

  test('a file that does not match its checksum is refused, naming the path and both hashes', async (t) => {
    const dir = await lab(t, { runsc: runscBin, 'runsc.sha512': sumOf(shimBin, 'runsc') });
    const work = await tempDir(t);
    await assert.rejects(fetchRelease(host, new LocalDirSource(host, dir), 'x86_64', work, { requireShim: false }), releaseError('checksum', (e) => {
      assert.ok(e.message.includes(join(dir, 'runsc')), e.message);
      assert.ok(e.message.includes(`expected ${sha512(shimBin)}`));
      assert.ok(e.message.includes(`got ${sha512(runscBin)}`));
    }));
    assert.deepEqual(await readdir(work), []);
  });

  test('a binary without its .sha512 is not accepted', async (t) => {
    const dir = await lab(t, { runsc: runscBin });
    await assert.rejects(fetchRelease(host, new LocalDirSource(host, dir), 'x86_64', await tempDir(t), { requireShim: false }), releaseError('not-found', (e) => {
      assert.ok(e.message.includes(dir));
      assert.match(e.message, /Copy the release files/);
    }));
  });

  test('a wrong-arch binary in the directory is refused', async (t) => {
    const arm = await aarch64Elf();
    const dir = await lab(t, { runsc: arm, 'runsc.sha512': sumOf(arm, 'runsc') });
    await assert.rejects(fetchRelease(host, new LocalDirSource(host, dir), 'x86_64', await tempDir(t), { requireShim: false }), releaseError('wrong-arch'));
  });
});

describe('sources', () => {
  test('chooseSource: the bucket by default, a mirror base, or a directory', () => {
    assert.equal(chooseSource(host, 'x86_64', {}).location, `${DEFAULT_BUCKET}/release/latest/x86_64`);
    assert.equal(chooseSource(host, 'aarch64', { release: '20240729.0', mirror: 'http://m.example/g/' }).location, 'http://m.example/g/release/20240729.0/aarch64');
    const d = chooseSource(host, 'x86_64', { fromDir: '/srv/gvisor/' });
    assert.equal(d.kind, 'dir');
    assert.equal(d.locate('runsc'), '/srv/gvisor/runsc');
    assert.throws(() => chooseSource(host, 'x86_64', { fromDir: '/srv', mirror: 'http://m.example' }), /cannot be used together/);
    assert.throws(() => chooseSource(host, 'x86_64', { release: 'stable' }), /invalid release "stable"/);
  });

  test('sha512OfFile hashes an installed file, and says null when there is none', async (t) => {
    const dir = await tempDir(t);
    const f = join(dir, 'runsc');
    await writeFile(f, runscBin);
    await chmod(f, 0o755);
    assert.equal(await sha512OfFile(host, f), sha512(runscBin));
    assert.equal(await sha512OfFile(host, join(dir, 'missing')), null);
  });
});
