// The optional config.toml edits (--sandbox-image, --registry-mirror) over the real fixtures: only the
// intended value differs, comments stay, a second run is byte-identical, and the real containerd reads
// the version 2 results with the new values in its effective config.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';

import TOML from '@iarna/toml';

import {
  analyseContainerdConfig, CRI_PLUGIN_V2, getPath, sandboxImageKeyPath, setRegistryMirror, setSandboxImage,
} from '../../src/containerd/config-toml.js';
import { configureContainerdStep } from '../../src/containerd/configure-step.js';
import { ConfigFileError } from '../../src/docker/daemon-json.js';
import { parseCli, UsageError } from '../../src/cli/args.js';
import { sharedDir } from '../helpers/paths.js';
import { minimalFacts, tempStepContext } from '../helpers/step-context.js';
import type { WizardOptions } from '../../src/wizard/options.js';

const CONTAINERD = '/usr/bin/containerd';
const fixturesDir = join(sharedDir(), 'fixtures', 'containerd');
const fixture = (name: string): string => readFileSync(join(fixturesDir, name), 'utf8');
const parse = (text: string): Record<string, unknown> => TOML.parse(text) as Record<string, unknown>;
const lines = (text: string): string[] => text.split(/\r?\n/);
const commentLines = (text: string): string[] => lines(text).filter((l) => l.trimStart().startsWith('#'));

const IMAGE = 'registry.example:5000/lab/pause:3.10';
const REGISTRY = 'docker.io';
const ENDPOINT = 'http://mirror.lab.example:5000';
const mirrorPath = (registry = REGISTRY): string[] => ['plugins', CRI_PLUGIN_V2, 'registry', 'mirrors', registry, 'endpoint'];

/** Every config fixture containerd reads as version 2 or 3 (version 1 files are refused, as by ensureRuntime). */
function fixtures(): { name: string; text: string; version: 2 | 3 }[] {
  return readdirSync(fixturesDir)
    .filter((f) => f.endsWith('.toml') && !f.startsWith('runsc-toml-'))
    .sort()
    .flatMap((name) => {
      const text = fixture(name);
      const a = analyseContainerdConfig(text, name);
      if (a.version === 1 || a.problems.some((p) => p.blocking)) return [];
      return [{ name, text, version: a.version === 3 ? 3 as const : 2 as const }];
    });
}

function containerdAvailable(t: TestContext): boolean {
  const probe = spawnSync(CONTAINERD, ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    if (process.env.CI) assert.fail(`${CONTAINERD} is not installed, but CI is set: the real-binary check must run`);
    t.skip(`${CONTAINERD} not installed (set CI to make this a failure)`);
    return false;
  }
  return true;
}

/** `containerd --config TMP config dump`, parsed. */
function dump(text: string): Record<string, unknown> {
  const dir = mkdtempSync(join(tmpdir(), 'gvw-optional-'));
  try {
    const path = join(dir, 'config.toml');
    writeFileSync(path, text);
    const r = spawnSync(CONTAINERD, ['--config', path, 'config', 'dump'], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    return parse(r.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `value` parsed, with one more key set (and `version` for an empty file): what an edit may produce, and nothing else. */
function withOnly(text: string, version: 2 | 3, path: string[], value: unknown): Record<string, unknown> {
  const out = structuredClone(parse(text));
  if (out.version === undefined) out.version = version;
  let t: Record<string, unknown> = out;
  for (const seg of path.slice(0, -1)) {
    if (typeof t[seg] !== 'object' || t[seg] === null) t[seg] = {};
    t = t[seg] as Record<string, unknown>;
  }
  t[path.at(-1)!] = value;
  return out;
}

const criDisabled = (text: string, name: string): boolean => analyseContainerdConfig(text, name).problems.some((p) => p.kind === 'cri-disabled');

describe('setSandboxImage on every version 2 and 3 fixture', () => {
  const all = fixtures();

  it('given the fixtures, then both schemas are covered', () => {
    assert.ok(all.filter((f) => f.version === 2).length >= 15);
    assert.ok(all.filter((f) => f.version === 3).length >= 3);
  });

  for (const { name, text, version } of all) {
    it(`given ${name}, when the sandbox image is set, then only that value differs, comments stay and a second run is byte-identical`, (t) => {
      const r = setSandboxImage(text, version, IMAGE, name);
      const after = parse(r.text);
      assert.equal(getPath(after, sandboxImageKeyPath(version)), IMAGE);
      assert.deepEqual(after, withOnly(text, version, sandboxImageKeyPath(version), IMAGE));
      assert.equal(r.changed, true);
      assert.ok(r.changes.length > 0);
      for (const c of commentLines(text)) assert.ok(r.text.includes(c), `comment kept: ${c}`);

      const again = setSandboxImage(r.text, version, IMAGE, name);
      assert.equal(again.changed, false);
      assert.equal(again.text, r.text);
      assert.deepEqual(again.changes, []);

      if (version !== 2) return;
      if (!containerdAvailable(t)) return;
      const effective = dump(r.text);
      if (criDisabled(text, name)) {
        assert.equal(getPath(effective, ['plugins', CRI_PLUGIN_V2]), undefined, 'CRI disabled: no CRI section to show');
        return;
      }
      assert.equal(getPath(effective, sandboxImageKeyPath(2)), IMAGE);
    });
  }

  it('given the Debian 1.6.20 default, when set, then line 61 is the only line that changes', () => {
    const input = fixture('default-1.6.20-debian.toml');
    const r = setSandboxImage(input, 2, IMAGE, 'c.toml');
    const a = lines(input);
    const b = lines(r.text);
    assert.equal(a.length, b.length);
    assert.deepEqual(a.flatMap((l, i) => (l === b[i] ? [] : [i + 1])), [61]);
    assert.equal(b[60], `    sandbox_image = "${IMAGE}"`);
    assert.deepEqual(r.changes, [`line 61: [plugins."io.containerd.grpc.v1.cri"] sandbox_image = "registry.k8s.io/pause:3.6" → "${IMAGE}"`]);
  });

  it('given the containerd 2.0.11 default (version 3), when set, then pinned_images.sandbox is replaced in place with its single quotes', () => {
    const input = fixture('default-2.0.11-built-from-tag.toml');
    const r = setSandboxImage(input, 3, IMAGE, 'c.toml');
    assert.equal(r.text, input.replace("      sandbox = 'registry.k8s.io/pause:3.10'\n", `      sandbox = '${IMAGE}'\n`));
    assert.equal(getPath(parse(r.text), ['plugins', 'io.containerd.cri.v1.images', 'pinned_images', 'sandbox']), IMAGE);
  });

  it('given an empty file, when set for version 2, then version = 2 and the CRI table are added', () => {
    const r = setSandboxImage('', 2, IMAGE, 'c.toml');
    assert.equal(r.text, `version = 2\n\n[plugins."io.containerd.grpc.v1.cri"]\n  sandbox_image = "${IMAGE}"\n`);
  });

  it('given a version 1 file, when set, then it is refused with the file named and nothing changes', () => {
    assert.throws(() => setSandboxImage(fixture('default-1.2.x-schema-v1-docker-paths.toml'), 2, IMAGE, 'old.toml'), (e: unknown) => e instanceof ConfigFileError && /old\.toml/.test(e.message) && /version 1/.test(e.message));
  });

  it('given a version 3 file but the version 2 layout asked for, when set, then it is refused', () => {
    assert.throws(() => setSandboxImage(fixture('default-2.1.5-built-from-tag.toml'), 2, IMAGE, 'c.toml'), ConfigFileError);
  });

  it('given something that is not an image reference, when set, then it is refused before the file is read', () => {
    assert.throws(() => setSandboxImage('version = 2\n', 2, 'pause 3.10', 'c.toml'), /invalid sandbox image/);
    assert.throws(() => setSandboxImage('version = 2\n', 2, 'https://registry.k8s.io/pause:3.10', 'c.toml'), /invalid sandbox image/);
  });
});

describe('setRegistryMirror on every version 2 fixture', () => {
  const v2 = fixtures().filter((f) => f.version === 2);
  const withConfigPath = (text: string): boolean => {
    const p = getPath(parse(text), ['plugins', CRI_PLUGIN_V2, 'registry', 'config_path']);
    return typeof p === 'string' && p !== '';
  };

  for (const { name, text } of v2.filter((f) => !withConfigPath(f.text))) {
    it(`given ${name}, when a docker.io mirror is set, then its endpoint list starts with the mirror, comments stay and a second run is byte-identical`, (t) => {
      const before = getPath(parse(text), mirrorPath());
      const r = setRegistryMirror(text, 2, REGISTRY, ENDPOINT, name);
      const endpoints = getPath(parse(r.text), mirrorPath());
      assert.deepEqual(endpoints, [ENDPOINT, ...((before as string[] | undefined) ?? [])]);
      assert.deepEqual(parse(r.text), withOnly(text, 2, mirrorPath(), endpoints));
      for (const c of commentLines(text)) assert.ok(r.text.includes(c), `comment kept: ${c}`);

      const again = setRegistryMirror(r.text, 2, REGISTRY, ENDPOINT, name);
      assert.equal(again.changed, false);
      assert.equal(again.text, r.text);

      if (!containerdAvailable(t)) return;
      const effective = dump(r.text);
      if (criDisabled(text, name)) return;
      assert.deepEqual(getPath(effective, mirrorPath()), endpoints);
    });
  }

  it('given a file whose docker.io mirror already has an endpoint, when set, then the mirror goes first and the old endpoint stays (one line changes)', () => {
    const input = fixture('default-1.4.x-pristine-no-trailing-newline.toml');
    const r = setRegistryMirror(input, 2, REGISTRY, ENDPOINT, 'c.toml');
    assert.equal(r.text, input.replace('endpoint = ["https://registry-1.docker.io"]', `endpoint = ["${ENDPOINT}", "https://registry-1.docker.io"]`));
    assert.match(r.changes[0]!, /^line 105: .*endpoint \["https:\/\/registry-1\.docker\.io"\] → \["http:\/\/mirror\.lab\.example:5000", "https:\/\/registry-1\.docker\.io"\]/);
  });

  it('given the kind node file with a trailing-comma array for another registry, when set, then that array is untouched and docker.io gets its own table', () => {
    const input = fixture('kind-node-v2-array-trailing-comma.toml');
    const r = setRegistryMirror(input, 2, REGISTRY, ENDPOINT, 'c.toml');
    assert.ok(r.text.startsWith(input));
    assert.equal(r.text.slice(input.length), `\n[plugins."io.containerd.grpc.v1.cri".registry.mirrors."docker.io"]\n  endpoint = ["${ENDPOINT}"]\n`);
  });

  it('given the Debian 1.6.20 default (empty mirrors table), when set, then the new table is nested under it with the file\'s indentation', () => {
    const input = fixture('default-1.6.20-debian.toml');
    const r = setRegistryMirror(input, 2, REGISTRY, ENDPOINT, 'c.toml');
    const header = '      [plugins."io.containerd.grpc.v1.cri".registry.mirrors]\n\n';
    assert.equal(r.text, input.replace(header, `${header}        [plugins."io.containerd.grpc.v1.cri".registry.mirrors."docker.io"]\n          endpoint = ["${ENDPOINT}"]\n\n`));
  });

  it('given a mirror already first in the list, when set again, then nothing changes', () => {
    const input = `version = 2\n# lab mirror\n[plugins."io.containerd.grpc.v1.cri".registry.mirrors."docker.io"]\n  endpoint = ['${ENDPOINT}'] # keep\n`;
    const r = setRegistryMirror(input, 2, REGISTRY, ENDPOINT, 'c.toml');
    assert.equal(r.changed, false);
    assert.equal(r.text, input);
  });

  it('given a file that sets registry.config_path (hosts.toml style), when a mirror is set, then it is refused and says to use config_path\'s hosts.toml instead', () => {
    const input = fixture('minimal-v2-imports-confd-systemdcgroup.toml');
    assert.throws(() => setRegistryMirror(input, 2, REGISTRY, ENDPOINT, 'conf.toml'), (e: unknown) => {
      assert.ok(e instanceof ConfigFileError);
      assert.equal(e.line, 14);
      assert.match(e.detail, /config_path is set to "\/etc\/containerd\/certs\.d"/);
      assert.match(e.detail, /`mirrors` cannot be set when `config_path` is provided/);
      assert.match(e.hint, /\/etc\/containerd\/certs\.d\/docker\.io\/hosts\.toml/);
      assert.match(e.hint, /\[host\."http:\/\/mirror\.lab\.example:5000"\]/);
      assert.match(e.hint, /Nothing was changed/);
      return true;
    });
  });

  for (const name of ['default-2.0.11-built-from-tag.toml', 'v3-docs-runtime-classes-crun-gvisor-kata-double-quoted.toml']) {
    it(`given the version 3 file ${name}, when a mirror is set, then it is refused with the explanation that containerd 2.x uses hosts.toml under config_path`, () => {
      assert.throws(() => setRegistryMirror(fixture(name), 3, REGISTRY, ENDPOINT, name), (e: unknown) => {
        assert.ok(e instanceof ConfigFileError);
        assert.match(e.detail, /version 3/);
        assert.match(e.detail, /hosts\.toml/);
        assert.match(e.detail, /config_path/);
        assert.match(e.hint, /docker\.io\/hosts\.toml/);
        return true;
      });
    });
  }

  it('given an endpoint that is not http(s), or a bad registry name, when set, then it is refused', () => {
    assert.throws(() => setRegistryMirror('version = 2\n', 2, REGISTRY, 'ftp://mirror.example', 'c.toml'), /invalid mirror endpoint/);
    assert.throws(() => setRegistryMirror('version = 2\n', 2, 'docker io', ENDPOINT, 'c.toml'), /invalid registry/);
  });
});

describe('configure-containerd with --sandbox-image and --registry-mirror', () => {
  /** A temp root whose /etc/containerd/config.toml is `config`, read by containerd `version`. */
  async function containerdContext(config: string, version: string, options: Partial<WizardOptions>) {
    const facts = minimalFacts();
    facts.containerd = { installed: true, running: false, version, binary: CONTAINERD, socket: '/run/containerd/containerd.sock', configFile: '/etc/containerd/config.toml' };
    const tc = tempStepContext({ facts, options: { engine: 'containerd', shim: 'runc', ...options } });
    tc.ctx.options.stateDir = join(tc.root, '..', 'state');
    await tc.host.writeFileAtomic('/etc/containerd/config.toml', config);
    return tc;
  }

  it('given the Debian default and both options, when inspected, then the diff holds both values and their changes are in the notes; after apply a second inspect is done', async (t) => {
    const tc = await containerdContext(fixture('default-1.6.20-debian.toml'), '1.6.20', { sandboxImage: IMAGE, registryMirror: { registry: REGISTRY, endpoint: ENDPOINT } });
    t.after(() => tc.dispose());
    const found = await configureContainerdStep.inspect(tc.ctx);
    assert.equal(found.status, 'needed');
    if (found.status !== 'needed') return;
    const config = found.plan.files.find((f) => f.path === '/etc/containerd/config.toml')!;
    assert.equal(getPath(parse(config.after), sandboxImageKeyPath(2)), IMAGE);
    assert.deepEqual(getPath(parse(config.after), mirrorPath()), [ENDPOINT]);
    assert.ok(found.plan.notes.some((n) => n.includes('sandbox_image') && n.includes(IMAGE)), found.plan.notes.join('\n'));
    assert.ok(found.plan.notes.some((n) => n.includes('mirrors."docker.io"')), found.plan.notes.join('\n'));

    if (!containerdAvailable(t)) return;
    await configureContainerdStep.apply(tc.ctx, found.plan);
    assert.match(await configureContainerdStep.verify(tc.ctx), /runtimes/);
    assert.equal((await configureContainerdStep.inspect(tc.ctx)).status, 'done');
  });

  it('given the options unset, when inspected, then neither value is touched (both are off by default)', async (t) => {
    const tc = await containerdContext(fixture('default-1.6.20-debian.toml'), '1.6.20', {});
    t.after(() => tc.dispose());
    const found = await configureContainerdStep.inspect(tc.ctx);
    assert.equal(found.status, 'needed');
    if (found.status !== 'needed') return;
    const after = parse(found.plan.files.find((f) => f.path === '/etc/containerd/config.toml')!.after);
    assert.equal(getPath(after, sandboxImageKeyPath(2)), 'registry.k8s.io/pause:3.6');
    assert.equal(getPath(after, mirrorPath()), undefined);
  });

  it('given a version 3 file and --registry-mirror, when inspected, then the step is blocked with the hosts.toml explanation', async (t) => {
    const tc = await containerdContext(fixture('default-2.0.11-built-from-tag.toml'), '2.0.11', { registryMirror: { registry: REGISTRY, endpoint: ENDPOINT } });
    t.after(() => tc.dispose());
    const found = await configureContainerdStep.inspect(tc.ctx);
    assert.equal(found.status, 'blocked');
    if (found.status !== 'blocked') return;
    assert.match(found.problem.why, /hosts\.toml/);
  });

  it('given a version 2 file on containerd 2.x and --registry-mirror, when inspected, then the step is blocked: containerd 2.0 removed registry.mirrors', async (t) => {
    const tc = await containerdContext(fixture('default-1.7.29-built-from-tag.toml'), '2.1.5', { registryMirror: { registry: REGISTRY, endpoint: ENDPOINT } });
    t.after(() => tc.dispose());
    const found = await configureContainerdStep.inspect(tc.ctx);
    assert.equal(found.status, 'blocked');
    if (found.status !== 'blocked') return;
    assert.match(found.problem.why, /removed/);
    assert.match(found.problem.next, /hosts\.toml/);
  });
});

describe('--sandbox-image and --registry-mirror flags', () => {
  it('given both flags, when parsed, then the options hold them', () => {
    const { options } = parseCli(['apply', '--runtime', 'containerd', '--sandbox-image', IMAGE, '--registry-mirror', `${REGISTRY}=${ENDPOINT}`]);
    assert.equal(options.sandboxImage, IMAGE);
    assert.deepEqual(options.registryMirror, { registry: REGISTRY, endpoint: ENDPOINT });
  });
  it('given neither flag, when parsed, then both are off', () => {
    const { options } = parseCli(['apply']);
    assert.equal(options.sandboxImage, undefined);
    assert.equal(options.registryMirror, undefined);
  });
  for (const [argv, patterns] of [
    [['--registry-mirror', 'docker.io'], ['--registry-mirror', 'REGISTRY=URL', '"docker.io"']],
    [['--registry-mirror', 'docker.io=ftp://mirror.example'], ['--registry-mirror', 'http(s)', '"ftp://mirror.example"']],
    [['--registry-mirror', 'docker.io=mirror.example:5000'], ['--registry-mirror', 'http(s)']],
    [['--registry-mirror', 'bad host=http://mirror.example'], ['--registry-mirror', '"bad host"']],
    [['--sandbox-image', 'pause 3.10'], ['--sandbox-image', '"pause 3.10"']],
  ] as const) {
    it(`given ${argv.join(' ')}, when parsed, then it is a usage error naming the flag`, () => {
      assert.throws(() => parseCli([...argv]), (e: unknown) => e instanceof UsageError && patterns.every((p) => e.message.includes(p)));
    });
  }
});
