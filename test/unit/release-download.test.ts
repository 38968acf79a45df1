import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { LocalHost } from '../../src/host/local-host.js';
import { RunLog } from '../../src/log/run-log.js';
import { downloadVerified, isReleaseError, ReleaseError, type Progress } from '../../src/release/download.js';
import { sharedDir } from '../helpers/paths.js';
import { aarch64Elf, startCannedServer, tempDir, x86Elf, type CannedServer } from '../helpers/release-unit-http.js';

const sha512 = (b: Buffer) => createHash('sha512').update(b).digest('hex');
const host = new LocalHost({ log: new RunLog({ dir: null }) });

let server: CannedServer;
let elf: Buffer;
let c3Body: Buffer;

before(async () => {
  server = await startCannedServer();
  elf = await x86Elf();
  c3Body = await readFile(join(sharedDir(), 'cases/download-404-body.bin'));
});
after(() => server.close());
// Each test uses its own path, so a late request of one test is never counted for another.
let n = 0;
let P = '';
beforeEach(() => {
  server.reset();
  P = `/t${++n}/runsc`;
});

function expectReleaseError(kind: ReleaseError['kind'], check?: (e: ReleaseError) => void) {
  return (e: unknown) => {
    assert.ok(isReleaseError(e), `expected a ReleaseError, got ${String(e)}`);
    assert.equal(e.kind, kind, e.message);
    check?.(e);
    return true;
  };
}

describe('downloadVerified', () => {
  test('downloads a real ELF, hashing it on the way, and reports progress', async (t) => {
    const dir = await tempDir(t);
    server.routes.set(P, { body: elf });
    const dest = join(dir, 'runsc');
    const seen: Progress[] = [];
    const r = await downloadVerified(host, server.url + P, dest, {
      expectedSha512: sha512(elf).toUpperCase(), expectElf: true, arch: 'x86_64', onProgress: (p) => seen.push(p),
    });
    assert.deepEqual(r, { bytes: elf.length, sha512: sha512(elf) });
    assert.ok((await readFile(dest)).equals(elf));
    const last = seen.at(-1)!;
    assert.equal(last.bytes, elf.length);
    assert.equal(last.total, elf.length);
    assert.equal(last.etaSeconds, 0);
    assert.ok(last.bytesPerSecond > 0);
  });

  test('without an expected hash it still returns the sha512', async (t) => {
    const dir = await tempDir(t);
    server.routes.set('/blob', { body: 'hello' });
    const r = await downloadVerified(host, `${server.url}/blob`, join(dir, 'blob'), { expectElf: false });
    assert.equal(r.sha512, sha512(Buffer.from('hello')));
  });

  test('a sha512 mismatch names the URL, expected and actual hash, and leaves nothing behind', async (t) => {
    const dir = await tempDir(t);
    server.routes.set(P, { body: elf });
    const url = server.url + P;
    const dest = join(dir, 'runsc');
    const wrong = 'ab'.repeat(64);
    await assert.rejects(
      downloadVerified(host, url, dest, { expectedSha512: wrong, expectElf: true, arch: 'x86_64', backoffMs: 1 }),
      expectReleaseError('checksum', (e) => {
        assert.ok(e.message.includes(url), e.message);
        assert.ok(e.message.includes(`expected ${wrong}`), e.message);
        assert.ok(e.message.includes(`got ${sha512(elf)}`), e.message);
      }),
    );
    assert.equal(existsSync(dest), false);
    assert.equal(server.hits.get(P), 1, 'a checksum mismatch is not retried');
  });

  test('a body shorter than its Content-Length is reported as truncated, and nothing is left behind', async (t) => {
    const dir = await tempDir(t);
    server.routes.set(P, { body: elf, truncateTo: 1000 });
    const url = server.url + P;
    const dest = join(dir, 'runsc');
    await assert.rejects(
      downloadVerified(host, url, dest, { expectedSha512: sha512(elf), expectElf: true, arch: 'x86_64', retries: 0 }),
      expectReleaseError('truncated', (e) => {
        assert.ok(e.message.includes(url), e.message);
        assert.match(e.message, new RegExp(`received \\d+ of ${elf.length} bytes`));
      }),
    );
    assert.equal(existsSync(dest), false);
  });

  test('a truncated body is retried, and the next complete one is accepted', async (t) => {
    const dir = await tempDir(t);
    server.routes.set(P, [{ body: elf, truncateTo: 100 }, { body: elf }]);
    const r = await downloadVerified(host, server.url + P, join(dir, 'runsc'), {
      expectedSha512: sha512(elf), expectElf: true, arch: 'x86_64', backoffMs: 1,
    });
    assert.equal(r.bytes, elf.length);
    assert.equal(server.hits.get(P), 2);
  });

  test('case C3: the 9-byte 404 body served with status 200 is "not an ELF executable (9 bytes)"', async (t) => {
    const dir = await tempDir(t);
    server.routes.set(P, { body: c3Body });
    const url = server.url + P;
    const dest = join(dir, 'runsc');
    await assert.rejects(
      // Even with a checksum that does not match: the ELF check comes first.
      downloadVerified(host, url, dest, { expectedSha512: sha512(elf), expectElf: true, arch: 'x86_64', backoffMs: 1 }),
      expectReleaseError('not-elf', (e) => {
        assert.ok(e.message.includes('not an ELF executable (9 bytes)'), e.message);
        assert.ok(e.message.includes(url), e.message);
        assert.ok(e.message.includes('"Not Found"'), e.message);
      }),
    );
    assert.equal(existsSync(dest), false);
    assert.equal(server.hits.get(P), 1);
  });

  test('case C3: the same body with status 404 is an HTTP error naming URL and status, not retried', async (t) => {
    const dir = await tempDir(t);
    server.routes.set(P, { status: 404, body: c3Body });
    const url = server.url + P;
    const dest = join(dir, 'runsc');
    await assert.rejects(
      downloadVerified(host, url, dest, { expectedSha512: sha512(elf), expectElf: true, arch: 'x86_64', retries: 3, backoffMs: 1 }),
      expectReleaseError('not-found', (e) => {
        assert.ok(e.message.includes(url), e.message);
        assert.match(e.message, /HTTP 404 Not Found/);
        assert.equal(e.status, 404);
        assert.doesNotMatch(e.message, /ELF/);
      }),
    );
    assert.equal(existsSync(dest), false);
    assert.equal(server.hits.get(P), 1, '4xx answers are not retried');
  });

  test('403 is an HTTP error and is not retried', async (t) => {
    const dir = await tempDir(t);
    server.routes.set(P, { status: 403, body: 'denied' });
    await assert.rejects(
      downloadVerified(host, server.url + P, join(dir, 'runsc'), { expectElf: true, backoffMs: 1 }),
      expectReleaseError('http', (e) => assert.match(e.message, /HTTP 403 Forbidden: access refused/)),
    );
    assert.equal(server.hits.get(P), 1);
  });

  test('an ELF for the wrong architecture is refused', async (t) => {
    const dir = await tempDir(t);
    const arm = await aarch64Elf();
    server.routes.set(P, { body: arm });
    const dest = join(dir, 'runsc');
    await assert.rejects(
      downloadVerified(host, server.url + P, dest, { expectedSha512: sha512(arm), expectElf: true, arch: 'x86_64' }),
      expectReleaseError('wrong-arch', (e) => assert.ok(e.message.includes('ELF for aarch64, this machine needs x86_64'), e.message)),
    );
    assert.equal(existsSync(dest), false);
  });

  test('a transient 503 twice, then success: retried with doubling backoff', async (t) => {
    const dir = await tempDir(t);
    server.routes.set(P, [{ status: 503, body: 'busy' }, { status: 503, body: 'busy' }, { body: elf }]);
    const retries: { attempt: number; delayMs: number }[] = [];
    const r = await downloadVerified(host, server.url + P, join(dir, 'runsc'), {
      expectedSha512: sha512(elf), expectElf: true, arch: 'x86_64', backoffMs: 5,
      onRetry: ({ attempt, delayMs }) => retries.push({ attempt, delayMs }),
    });
    assert.equal(r.sha512, sha512(elf));
    assert.equal(server.hits.get(P), 3);
    assert.deepEqual(retries, [{ attempt: 1, delayMs: 5 }, { attempt: 2, delayMs: 10 }]);
  });

  test('a server that keeps failing: gives up after 1 + retries attempts and says so', async (t) => {
    const dir = await tempDir(t);
    server.routes.set(P, { status: 500, body: 'oops' });
    const url = server.url + P;
    await assert.rejects(
      downloadVerified(host, url, join(dir, 'runsc'), { expectElf: true, retries: 2, backoffMs: 1 }),
      expectReleaseError('http', (e) => {
        assert.ok(e.message.includes(url));
        assert.match(e.message, /HTTP 500 Internal Server Error/);
        assert.match(e.message, /gave up after 3 attempts/);
      }),
    );
    assert.equal(server.hits.get(P), 3);
  });

  test('an unreachable server is a network error that says what to do', async (t) => {
    const dir = await tempDir(t);
    const dead = await startCannedServer();
    const url = `${dead.url}/runsc`;
    await dead.close();
    await assert.rejects(
      downloadVerified(host, url, join(dir, 'runsc'), { expectElf: true, retries: 0 }),
      expectReleaseError('network', (e) => {
        assert.ok(e.message.includes(url), e.message);
        assert.match(e.message, /ECONNREFUSED/);
        assert.match(e.message, /--mirror URL, or --from-dir DIR/);
        assert.equal(e.transient, true);
      }),
    );
  });

  test('progress reports are throttled to at most 10 a second', async (t) => {
    const dir = await tempDir(t);
    const chunk = Buffer.alloc(16 * 1024, 7);
    const chunks = 30;
    server.routes.set('/slow', (_req, res) => {
      res.writeHead(200, { 'content-length': String(chunk.length * chunks) });
      let i = 0;
      const timer = setInterval(() => {
        res.write(chunk);
        if (++i === chunks) { clearInterval(timer); res.end(); }
      }, 20);
      res.on('close', () => clearInterval(timer));
    });
    const seen: { at: number; p: Progress }[] = [];
    const started = Date.now();
    await downloadVerified(host, `${server.url}/slow`, join(dir, 'slow'), { expectElf: false, onProgress: (p) => seen.push({ at: Date.now(), p }) });
    const secs = (Date.now() - started) / 1000;
    assert.ok(seen.length >= 2, `some progress was reported (${seen.length})`);
    assert.ok(seen.length <= Math.ceil(secs * 10) + 1, `${seen.length} reports in ${secs}s`);
    // Intermediate reports are ~100 ms apart (a few ms of slack: the callback reads the clock again).
    for (let i = 1; i < seen.length - 1; i++) assert.ok(seen[i]!.at - seen[i - 1]!.at >= 95, `gap ${seen[i]!.at - seen[i - 1]!.at} ms`);
    assert.equal(seen.at(-1)!.p.bytes, chunk.length * chunks);
  });

  test('an aborted download stops, says it was cancelled, and leaves nothing behind', async (t) => {
    const dir = await tempDir(t);
    server.routes.set('/hang', (_req, res) => {
      res.writeHead(200, { 'content-length': String(elf.length) });
      res.write(elf.subarray(0, 200));
    });
    const ac = new AbortController();
    const dest = join(dir, 'runsc');
    const p = downloadVerified(host, `${server.url}/hang`, dest, { expectElf: true, arch: 'x86_64', signal: ac.signal, onProgress: () => ac.abort() });
    await assert.rejects(p, expectReleaseError('cancelled'));
    assert.equal(existsSync(dest), false);
  });
});
