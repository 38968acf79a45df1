// The optional nerdctl (+ CNI plugins) step against a real HTTP server on 127.0.0.1 serving real
// tar.gz archives built here, with real files under a temp root.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { gzipSync } from 'node:zlib';

import { BASH_COMPLETION_LINE, cniArchiveName, goArch, nerdctlArchiveName, nerdctlStep, parseSha256Sums } from '../../src/containerd/nerdctl-step.js';
import { isReleaseError } from '../../src/release/download.js';
import { StepFailure, type Inspection, type StepPlan } from '../../src/steps/step.js';
import { stepsFor } from '../../src/wizard/session.js';
import { parseCli, UsageError } from '../../src/cli/args.js';
import type { WizardOptions } from '../../src/wizard/options.js';
import { startCannedServer, tempDir, type CannedServer } from '../helpers/release-unit-http.js';
import { minimalFacts, tempStepContext, type TempContext } from '../helpers/step-context.js';

const NERDCTL_V = '2.0.4';
const CNI_V = '1.6.2';
const NERDCTL_TGZ = nerdctlArchiveName(NERDCTL_V, 'amd64');
const CNI_TGZ = cniArchiveName(CNI_V, 'amd64');
const NERDCTL_DIR = `/containerd/nerdctl/releases/download/v${NERDCTL_V}`;
const CNI_DIR = `/containernetworking/plugins/releases/download/v${CNI_V}`;

// ---------------------------------------------------------------------------------------------
// A minimal ustar writer: real archives that GNU tar lists and extracts, including a "../evil" member.

interface Member { name: string; body?: string; mode?: number; dir?: boolean }

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

function tarHeader(m: Member, size: number): Buffer {
  const h = Buffer.alloc(512);
  h.write(m.name, 0, 100, 'utf8');
  h.write(octal(m.mode ?? (m.dir ? 0o755 : 0o644), 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii');
  h.write(octal(0, 8), 116, 'ascii');
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(1_700_000_000, 12), 136, 'ascii');
  h.write('        ', 148, 'ascii');
  h.write(m.dir ? '5' : '0', 156, 'ascii');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  h.write('root', 265, 'ascii');
  h.write('root', 297, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return h;
}

function tgz(members: Member[]): Buffer {
  const parts: Buffer[] = [];
  for (const m of members) {
    const body = Buffer.from(m.body ?? '');
    parts.push(tarHeader(m, m.dir ? 0 : body.length));
    if (!m.dir && body.length > 0) parts.push(body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(parts));
}

const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

const NERDCTL_SCRIPT = `#!/bin/sh\n# stand-in for nerdctl\necho "nerdctl version ${NERDCTL_V}"\n`;
const nerdctlArchive = (): Buffer =>
  tgz([
    { name: 'nerdctl', body: NERDCTL_SCRIPT, mode: 0o755 },
    { name: 'containerd-rootless.sh', body: '#!/bin/sh\nexit 0\n', mode: 0o755 },
    { name: 'containerd-rootless-setuptool.sh', body: '#!/bin/sh\nexit 0\n', mode: 0o755 },
  ]);
const CNI_PLUGINS = ['bridge', 'host-local', 'loopback'];
const cniArchive = (): Buffer =>
  tgz([{ name: './', dir: true }, ...CNI_PLUGINS.map((p) => ({ name: `./${p}`, body: `#!/bin/sh\necho ${p}\n`, mode: 0o755 }))]);

/** nerdctl's SHA256SUMS: one line per release file, the amd64 archive among them. */
function sha256sums(archive: Buffer, hash = sha256(archive)): string {
  return [
    `${'a'.repeat(64)}  nerdctl-full-${NERDCTL_V}-linux-amd64.tar.gz`,
    `${hash}  ${NERDCTL_TGZ}`,
    `${'b'.repeat(64)}  ${nerdctlArchiveName(NERDCTL_V, 'arm64')}`,
    '',
  ].join('\n');
}

interface Release { nerdctl: Buffer; cni: Buffer; nerdctlSums?: string; cniSums?: string }

function serve(server: CannedServer, r: Release): void {
  server.routes.set(`${NERDCTL_DIR}/${NERDCTL_TGZ}`, { body: r.nerdctl });
  server.routes.set(`${NERDCTL_DIR}/SHA256SUMS`, { body: r.nerdctlSums ?? sha256sums(r.nerdctl) });
  server.routes.set(`${CNI_DIR}/${CNI_TGZ}`, { body: r.cni });
  server.routes.set(`${CNI_DIR}/${CNI_TGZ}.sha256`, { body: r.cniSums ?? `${sha256(r.cni)}  ${CNI_TGZ}\n` });
}

async function context(t: TestContext, options: Partial<WizardOptions>): Promise<TempContext> {
  const tc = tempStepContext({ facts: minimalFacts(), options: { engine: 'containerd', ...options } });
  t.after(() => tc.dispose());
  tc.ctx.options.stateDir = await tempDir(t, 'gvw-nerdctl-state');
  return tc;
}

async function server(t: TestContext): Promise<CannedServer> {
  const s = await startCannedServer();
  t.after(() => s.close());
  return s;
}

function needed(found: Inspection): StepPlan {
  assert.equal(found.status, 'needed', JSON.stringify(found));
  return (found as { plan: StepPlan }).plan;
}

async function failure(p: Promise<unknown>): Promise<StepFailure> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof StepFailure, `expected StepFailure, got ${String(e)}`);
    return e;
  }
  assert.fail('expected the step to fail');
}

function assertNothingInstalled(tc: TempContext): void {
  assert.equal(existsSync(tc.real('/usr/local/bin/nerdctl')), false, 'nerdctl not installed');
  for (const p of CNI_PLUGINS) assert.equal(existsSync(tc.real(`/opt/cni/bin/${p}`)), false, `${p} not installed`);
}

const BOTH = { nerdctlVersion: NERDCTL_V, cniVersion: CNI_V };

describe('install-nerdctl step', () => {
  it('given no --nerdctl-version, when inspected, then the step is not applicable and nothing is fetched', async (t) => {
    const s = await server(t);
    const tc = await context(t, { nerdctlMirror: s.url });
    const found = await nerdctlStep.inspect(tc.ctx);
    assert.equal(found.status, 'not-applicable');
    assert.match(found.summary, /--nerdctl-version/);
    assert.equal(s.hits.size, 0);
  });

  it('given the containerd path, then install-nerdctl runs after crictl-endpoint and before the isolation check; the docker path has no such step', () => {
    const ids = stepsFor('containerd').map((s) => s.id);
    assert.equal(ids.indexOf('install-nerdctl'), ids.indexOf('crictl-endpoint') + 1);
    assert.equal(ids.indexOf('isolation-check'), ids.indexOf('install-nerdctl') + 1);
    assert.ok(!stepsFor('docker').some((s) => s.id === 'install-nerdctl'));
  });

  it('given a mirror with both archives, when applied, then nerdctl and the CNI plugins are installed with mode 0755 and verify passes; a second inspect is done without downloading', async (t) => {
    const s = await server(t);
    serve(s, { nerdctl: nerdctlArchive(), cni: cniArchive() });
    const tc = await context(t, { ...BOTH, nerdctlMirror: `${s.url}/` });

    const plan = needed(await nerdctlStep.inspect(tc.ctx));
    assert.ok(plan.notes.includes(`fetch ${s.url}${NERDCTL_DIR}/${NERDCTL_TGZ}`), plan.notes.join('\n'));
    assert.ok(plan.notes.includes(`fetch ${s.url}${CNI_DIR}/${CNI_TGZ}`), plan.notes.join('\n'));
    assert.ok(plan.notes.some((n) => n.endsWith(BASH_COMPLETION_LINE)), 'the bash completion line is shown, not written');
    assert.equal(s.hits.get(`${NERDCTL_DIR}/${NERDCTL_TGZ}`), undefined, 'inspect reads only checksum files');

    const summary = await nerdctlStep.apply(tc.ctx, plan);
    assert.match(summary, /4 file\(s\) installed/);
    const nerdctl = tc.real('/usr/local/bin/nerdctl');
    assert.equal(readFileSync(nerdctl, 'utf8'), NERDCTL_SCRIPT);
    assert.equal(statSync(nerdctl).mode & 0o777, 0o755);
    assert.equal(spawnSync(nerdctl, ['--version'], { encoding: 'utf8' }).stdout.trim(), `nerdctl version ${NERDCTL_V}`);
    assert.equal(existsSync(tc.real('/usr/local/bin/containerd-rootless.sh')), false, 'only nerdctl itself is installed');
    for (const p of CNI_PLUGINS) {
      assert.equal(readFileSync(tc.real(`/opt/cni/bin/${p}`), 'utf8'), `#!/bin/sh\necho ${p}\n`);
      assert.equal(statSync(tc.real(`/opt/cni/bin/${p}`)).mode & 0o777, 0o755);
    }
    assert.ok(!existsSync(tc.real('/root/.bashrc')), 'no dotfile is edited');
    assert.match(await nerdctlStep.verify(tc.ctx), /nerdctl 2\.0\.4.*3 CNI plugins 1\.6\.2 in \/opt\/cni\/bin/);

    const downloads = s.hits.get(`${NERDCTL_DIR}/${NERDCTL_TGZ}`);
    const again = await nerdctlStep.inspect(tc.ctx);
    assert.equal(again.status, 'done', JSON.stringify(again));
    assert.match(again.summary, /already installed/);
    assert.equal(s.hits.get(`${NERDCTL_DIR}/${NERDCTL_TGZ}`), downloads, 'the rerun downloads nothing');
    assert.equal(s.hits.get(`${CNI_DIR}/${CNI_TGZ}`), 1);
  });

  it('given an installed nerdctl that was changed afterwards, when inspected, then the step is needed again', async (t) => {
    const s = await server(t);
    serve(s, { nerdctl: nerdctlArchive(), cni: cniArchive() });
    const tc = await context(t, { nerdctlVersion: NERDCTL_V, nerdctlMirror: s.url });
    await nerdctlStep.apply(tc.ctx, needed(await nerdctlStep.inspect(tc.ctx)));
    assert.equal((await nerdctlStep.inspect(tc.ctx)).status, 'done');
    writeFileSync(tc.real('/usr/local/bin/nerdctl'), '#!/bin/sh\necho tampered\n');
    const plan = needed(await nerdctlStep.inspect(tc.ctx));
    assert.ok(plan.notes.some((n) => n.includes('saved in the backup folder')));
    await assert.rejects(nerdctlStep.verify(tc.ctx), /does not hold the verified file/);
  });

  it('given a CNI archive whose sha256 does not match, when applied, then nothing is installed (not even the good nerdctl) and the error names the URL, expected and actual hash', async (t) => {
    const s = await server(t);
    const cni = cniArchive();
    const wrong = sha256('something else');
    serve(s, { nerdctl: nerdctlArchive(), cni, cniSums: `${wrong}  ${CNI_TGZ}\n` });
    const tc = await context(t, { ...BOTH, nerdctlMirror: s.url });
    const e = await failure(nerdctlStep.apply(tc.ctx, needed(await nerdctlStep.inspect(tc.ctx))));
    assert.ok(e.message.includes(`${s.url}${CNI_DIR}/${CNI_TGZ}`), e.message);
    assert.ok(e.message.includes(`expected ${wrong}`), e.message);
    assert.ok(e.message.includes(`got ${sha256(cni)}`), e.message);
    assert.match(e.message, /sha256 mismatch/);
    assertNothingInstalled(tc);
    assert.equal(existsSync(join(tc.ctx.options.stateDir, 'installed-nerdctl.json')), false);
  });

  it('given a nerdctl archive whose SHA256SUMS line does not match, when applied, then nothing is installed and the error names URL, expected and actual', async (t) => {
    const s = await server(t);
    const archive = nerdctlArchive();
    const wrong = 'c'.repeat(64);
    serve(s, { nerdctl: archive, cni: cniArchive(), nerdctlSums: sha256sums(archive, wrong) });
    const tc = await context(t, { nerdctlVersion: NERDCTL_V, nerdctlMirror: s.url });
    const e = await failure(nerdctlStep.apply(tc.ctx, needed(await nerdctlStep.inspect(tc.ctx))));
    assert.ok(e.message.includes(`${s.url}${NERDCTL_DIR}/${NERDCTL_TGZ}`) && e.message.includes(`expected ${wrong}`) && e.message.includes(`got ${sha256(archive)}`), e.message);
    assertNothingInstalled(tc);
  });

  it('given an archive with a "../evil" member, when applied, then it is refused before extraction and nothing is installed or written outside', async (t) => {
    const s = await server(t);
    const evil = tgz([{ name: 'nerdctl', body: NERDCTL_SCRIPT, mode: 0o755 }, { name: '../evil', body: 'pwned\n' }]);
    serve(s, { nerdctl: evil, cni: cniArchive() });
    const tc = await context(t, { ...BOTH, nerdctlMirror: s.url });
    const e = await failure(nerdctlStep.apply(tc.ctx, needed(await nerdctlStep.inspect(tc.ctx))));
    assert.match(e.message, /refusing .*nerdctl-2\.0\.4-linux-amd64\.tar\.gz/);
    assert.ok(e.message.includes('"../evil"'), e.message);
    assertNothingInstalled(tc);
    assert.equal(existsSync(join(dirname(tc.root), 'evil')), false);
  });

  it('given an archive with an absolute member, when applied, then it is refused', async (t) => {
    const s = await server(t);
    serve(s, { nerdctl: nerdctlArchive(), cni: tgz([{ name: '/etc/evil', body: 'x' }, { name: 'bridge', body: 'x' }]) });
    const tc = await context(t, { ...BOTH, nerdctlMirror: s.url });
    const e = await failure(nerdctlStep.apply(tc.ctx, needed(await nerdctlStep.inspect(tc.ctx))));
    assert.ok(e.message.includes('"/etc/evil"'), e.message);
    assertNothingInstalled(tc);
  });

  it('given --from-dir with the archives and checksum files, when applied, then both are installed from the folder', async (t) => {
    const tc = await context(t, { ...BOTH, fromDir: '/srv/offline' });
    const dir = tc.real('/srv/offline');
    mkdirSync(dir, { recursive: true });
    const n = nerdctlArchive();
    const c = cniArchive();
    writeFileSync(join(dir, NERDCTL_TGZ), n);
    writeFileSync(join(dir, 'SHA256SUMS'), sha256sums(n));
    writeFileSync(join(dir, CNI_TGZ), c);
    writeFileSync(join(dir, `${CNI_TGZ}.sha256`), `${sha256(c)}  ${CNI_TGZ}\n`);

    const plan = needed(await nerdctlStep.inspect(tc.ctx));
    assert.ok(plan.notes.includes(`fetch /srv/offline/${NERDCTL_TGZ}`), plan.notes.join('\n'));
    await nerdctlStep.apply(tc.ctx, plan);
    assert.equal(readFileSync(tc.real('/usr/local/bin/nerdctl'), 'utf8'), NERDCTL_SCRIPT);
    for (const p of CNI_PLUGINS) assert.ok(existsSync(tc.real(`/opt/cni/bin/${p}`)));
    await nerdctlStep.verify(tc.ctx);
    assert.equal((await nerdctlStep.inspect(tc.ctx)).status, 'done');
  });

  it('given --from-dir without the files, when inspected, then it is blocked and says which files to copy from where', async (t) => {
    const tc = await context(t, { nerdctlVersion: NERDCTL_V, fromDir: '/srv/empty' });
    mkdirSync(tc.real('/srv/empty'), { recursive: true });
    const found = await nerdctlStep.inspect(tc.ctx);
    assert.equal(found.status, 'blocked');
    if (found.status !== 'blocked') return;
    assert.match(found.problem.why, /\/srv\/empty\/SHA256SUMS/);
    assert.ok(found.problem.next.includes(NERDCTL_TGZ) && found.problem.next.includes('github.com/containerd/nerdctl/releases/tag/v2.0.4'), found.problem.next);
  });

  it('given no --cni-version, when applied, then only nerdctl is installed and the plan says how nerdctl networks without CNI plugins', async (t) => {
    const s = await server(t);
    serve(s, { nerdctl: nerdctlArchive(), cni: cniArchive() });
    const tc = await context(t, { nerdctlVersion: NERDCTL_V, nerdctlMirror: s.url });
    const plan = needed(await nerdctlStep.inspect(tc.ctx));
    assert.ok(plan.notes.some((n) => /no CNI plugins are installed/.test(n)));
    await nerdctlStep.apply(tc.ctx, plan);
    assert.ok(existsSync(tc.real('/usr/local/bin/nerdctl')));
    assert.equal(existsSync(tc.real('/opt/cni/bin')), false);
    assert.equal(s.hits.get(`${CNI_DIR}/${CNI_TGZ}.sha256`), undefined);
  });

  it('given an aarch64 machine, then the arm64 archive is fetched', async (t) => {
    assert.equal(goArch('x86_64'), 'amd64');
    assert.equal(goArch('aarch64'), 'arm64');
    const s = await server(t);
    const facts = minimalFacts();
    facts.arch = { machine: 'aarch64', release: 'aarch64' };
    const tc = tempStepContext({ facts, options: { nerdctlVersion: NERDCTL_V, nerdctlMirror: s.url } });
    t.after(() => tc.dispose());
    tc.ctx.options.stateDir = await tempDir(t, 'gvw-nerdctl-state');
    s.routes.set(`${NERDCTL_DIR}/SHA256SUMS`, { body: sha256sums(nerdctlArchive()) });
    const plan = needed(await nerdctlStep.inspect(tc.ctx));
    assert.ok(plan.notes.includes(`fetch ${s.url}${NERDCTL_DIR}/nerdctl-${NERDCTL_V}-linux-arm64.tar.gz`), plan.notes.join('\n'));
  });
});

describe('parseSha256Sums', () => {
  const h = 'd'.repeat(64);
  it('given SHA256SUMS with several files, then the line of the archive is used', () => {
    assert.equal(parseSha256Sums(`${'e'.repeat(64)}  other.tar.gz\n${h}  ${NERDCTL_TGZ}\n`, 'u', NERDCTL_TGZ), h);
  });
  it('given a .sha256 for another file, then it is refused naming both', () => {
    assert.throws(() => parseSha256Sums(`${h}  cni-plugins-linux-arm64-v1.6.2.tgz\n`, 'u', CNI_TGZ), (e: unknown) => isReleaseError(e, 'bad-checksum-file') && /arm64/.test((e as Error).message) && (e as Error).message.includes(CNI_TGZ));
  });
  it('given a sha512 or an HTML page, then it is refused', () => {
    assert.throws(() => parseSha256Sums(`${'f'.repeat(128)}  ${CNI_TGZ}\n`, 'u', CNI_TGZ), /sha512/);
    assert.throws(() => parseSha256Sums('<html><body>Not Found</body></html>', 'u', CNI_TGZ), /HTML/);
  });
  it('given a bare hash, then it is accepted', () => {
    assert.equal(parseSha256Sums(`${h.toUpperCase()}\n`, 'u', CNI_TGZ), h);
  });
});

describe('nerdctl flags', () => {
  it('given --nerdctl-version v2.0.4, --cni-version and --nerdctl-mirror, when parsed, then the options hold them (the v is dropped)', () => {
    const { options } = parseCli(['apply', '--runtime', 'containerd', '--nerdctl-version', 'v2.0.4', '--cni-version', '1.6.2', '--nerdctl-mirror', 'http://mirror.lab:8080/gh']);
    assert.equal(options.nerdctlVersion, '2.0.4');
    assert.equal(options.cniVersion, '1.6.2');
    assert.equal(options.nerdctlMirror, 'http://mirror.lab:8080/gh');
    assert.equal(options.cniBinDir, '/opt/cni/bin');
  });
  it('given no nerdctl flags, when parsed, then nerdctl is off', () => {
    assert.equal(parseCli(['apply']).options.nerdctlVersion, undefined);
  });
  for (const [argv, flag] of [
    [['--nerdctl-version', 'latest'], '--nerdctl-version'],
    [['--cni-version', '1.6.2'], '--cni-version'],
    [['--nerdctl-version', '2.0.4', '--nerdctl-mirror', 'ftp://mirror'], '--nerdctl-mirror'],
    [['--nerdctl-mirror', 'http://mirror'], '--nerdctl-mirror'],
  ] as const) {
    it(`given ${argv.join(' ')}, when parsed, then it is a usage error naming ${flag}`, () => {
      assert.throws(() => parseCli([...argv]), (e: unknown) => e instanceof UsageError && e.message.includes(flag));
    });
  }
});
