import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';

import TOML from '@iarna/toml';

import {
  analyseContainerdConfig,
  ensureRuntime,
  getPath,
  removeDisabledPlugin,
  runtimeTablePath,
  upgradeVersion1To2,
  type RuntimeWant,
} from '../../src/containerd/config-toml.js';
import { ConfigFileError } from '../../src/docker/daemon-json.js';
import { repoRoot, sharedDir } from '../helpers/paths.js';

const fixturesDir = join(sharedDir(), 'fixtures', 'containerd');
const casesDir = join(sharedDir(), 'cases');
const goldenDir = join(repoRoot(), 'test', 'golden', 'containerd');
const read = (path: string): string => readFileSync(path, 'utf8');
const fixture = (name: string): string => read(join(fixturesDir, name));
const caseFile = (name: string): string => read(join(casesDir, name));
const parse = (text: string): Record<string, unknown> => TOML.parse(text.replace(/^\uFEFF/, '')) as Record<string, unknown>;

const RUNSC_OPTIONS = { TypeUrl: 'io.containerd.runsc.v1.options', ConfigPath: '/etc/containerd/runsc.toml' };
const want = (version: 2 | 3): RuntimeWant => ({ version, name: 'runsc', runtimeType: 'io.containerd.runsc.v1', options: RUNSC_OPTIONS });
const updateGolden = process.env.GVW_UPDATE_GOLDEN === '1';

function refusal(fn: () => unknown): ConfigFileError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigFileError, `expected ConfigFileError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the input to be refused');
}

const lines = (text: string): string[] => text.split(/\r?\n/);

/** Whether every line of `a` appears in `b` in the same order (edits only inserted lines). */
function isSubsequence(a: string[], b: string[]): boolean {
  let j = 0;
  for (const line of a) {
    while (j < b.length && b[j] !== line) j++;
    if (j === b.length) return false;
    j++;
  }
  return true;
}

const commentLines = (text: string): string[] => lines(text).filter((l) => l.trimStart().startsWith('#'));

const editableFixtures = readdirSync(fixturesDir)
  .filter((f) => f.endsWith('.toml') && !f.startsWith('runsc-toml-'))
  .sort();

/** What each fixture is expected to be: 'refused' for real version 1 files. */
function versionFor(text: string, file: string): 2 | 3 | 'refused' {
  const a = analyseContainerdConfig(text, file);
  if (a.version === 1) return 'refused';
  return a.version === 3 ? 3 : 2;
}

describe('ensureRuntime on every containerd fixture (golden files)', () => {
  assert.ok(editableFixtures.length >= 30, `fixtures found in ${fixturesDir}`);
  if (updateGolden) mkdirSync(goldenDir, { recursive: true });

  for (const name of editableFixtures) {
    const base = name.replace(/\.toml$/, '');
    const goldenPath = join(goldenDir, `${base}.out.toml`);

    it(`given ${name}, when runsc is ensured, then the output matches the golden file, keeps every line and comment, and a second run is byte-identical`, () => {
      const input = fixture(name);
      const version = versionFor(input, name);
      if (version === 'refused') {
        const err = refusal(() => ensureRuntime(input, want(2), name));
        assert.match(err.detail, /no "version" line, so containerd reads it as configuration version 1/);
        // Both version 1 fixtures use short names (plugins.cri / disabled_plugins = ["cri"]): no safe upgrade.
        assert.equal(upgradeVersion1To2(input, name), null);
        assert.equal(existsSync(goldenPath), false, `no golden output for the refused ${name}`);
        return;
      }
      const result = ensureRuntime(input, want(version), name);
      if (updateGolden) writeFileSync(goldenPath, result.text);
      assert.ok(existsSync(goldenPath), `missing ${goldenPath} (run with GVW_UPDATE_GOLDEN=1, then read the diff)`);
      assert.equal(result.text, read(goldenPath));

      // Insert-only edits: every input line (comments included) is still there, in order.
      assert.ok(isSubsequence(lines(input), lines(result.text)), 'every input line survives in order');
      for (const c of commentLines(input)) assert.ok(result.text.includes(c), `comment kept: ${c}`);
      assert.equal(result.text.endsWith('\n'), input.endsWith('\n') || input.length === 0);
      if (input.includes('\r\n')) assert.doesNotMatch(result.text, /[^\r]\n/, 'CRLF file stays CRLF');

      const value = parse(result.text);
      const runtime = getPath(value, runtimeTablePath(version, 'runsc')) as Record<string, unknown>;
      assert.equal(runtime.runtime_type, 'io.containerd.runsc.v1');
      assert.deepEqual(runtime.options, RUNSC_OPTIONS);
      assert.equal(result.changed, result.text !== input);

      const again = ensureRuntime(result.text, want(version), name);
      assert.equal(again.changed, false);
      assert.equal(again.text, result.text);
      assert.deepEqual(again.changes, []);
    });
  }
});

// ---------------------------------------------------------------------------------------------
// The real containerd reads the golden outputs

function containerdAvailable(t: TestContext): boolean {
  const probe = spawnSync('containerd', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    if (process.env.CI) assert.fail('containerd is not installed, but CI is set: the real-binary check must run');
    t.skip('containerd not installed (set CI to make this a failure)');
    return false;
  }
  return true;
}

function containerdDump(configText: string, extraFiles: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), 'gvw-containerd-'));
  try {
    for (const [rel, text] of Object.entries(extraFiles)) {
      mkdirSync(join(dir, rel, '..'), { recursive: true });
      writeFileSync(join(dir, rel), text.replaceAll('@DIR@', dir));
    }
    const path = join(dir, 'config.toml');
    writeFileSync(path, configText.replaceAll('@DIR@', dir));
    const r = spawnSync('containerd', ['--config', path, 'config', 'dump'], { encoding: 'utf8', timeout: 30_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('containerd 1.6 reads the golden outputs (containerd config dump)', () => {
  const goldenV2 = editableFixtures.filter((name) => {
    const path = join(goldenDir, name.replace(/\.toml$/, '.out.toml'));
    return existsSync(path) && analyseContainerdConfig(read(path), path).version === 2;
  });

  it('given the golden outputs, then at least twenty of them are version 2 files to load', () => {
    assert.ok(goldenV2.length >= 20, `found ${goldenV2.length}`);
  });

  for (const name of goldenV2) {
    const goldenPath = join(goldenDir, name.replace(/\.toml$/, '.out.toml'));
    it(`given the golden output of ${name}, when containerd dumps its effective config, then runsc is there with io.containerd.runsc.v1 and the default runtime still exists`, (t) => {
      if (!containerdAvailable(t)) return;
      const text = read(goldenPath);
      const dump = containerdDump(text);
      assert.equal(dump.status, 0, dump.stderr);
      const effective = parse(dump.stdout);
      const cri = getPath(effective, ['plugins', 'io.containerd.grpc.v1.cri']) as Record<string, unknown> | undefined;
      if (analyseContainerdConfig(text, goldenPath).problems.some((p) => p.kind === 'cri-disabled')) {
        // CRI is off (case B3): containerd prints no CRI section at all, so the runtime has no effect yet.
        assert.equal(cri, undefined);
        const fixed = removeDisabledPlugin(text, ['cri', 'io.containerd.grpc.v1.cri'], goldenPath).text;
        const second = containerdDump(fixed);
        assert.equal(second.status, 0, second.stderr);
        assert.equal(getPath(parse(second.stdout), [...runtimeTablePath(2, 'runsc'), 'runtime_type']), 'io.containerd.runsc.v1');
        return;
      }
      const runtimes = getPath(effective, runtimeTablePath(2, 'runsc').slice(0, -1)) as Record<string, Record<string, unknown>>;
      assert.equal(runtimes.runsc?.runtime_type, 'io.containerd.runsc.v1');
      assert.deepEqual(runtimes.runsc?.options, RUNSC_OPTIONS);
      const defaultName = getPath(effective, ['plugins', 'io.containerd.grpc.v1.cri', 'containerd', 'default_runtime_name']) as string;
      assert.ok(runtimes[defaultName], `default runtime "${defaultName}" still defined (have ${Object.keys(runtimes).join(', ')})`);
    });
  }

  it('given a file that names only runsc (no runc table), when containerd 1.6 dumps it, then runc is gone — why ensureRuntime also writes runc', (t) => {
    if (!containerdAvailable(t)) return;
    const onlyRunsc = 'version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runsc]\n  runtime_type = "io.containerd.runsc.v1"\n';
    const dump = containerdDump(onlyRunsc);
    assert.equal(dump.status, 0, dump.stderr);
    const runtimes = getPath(parse(dump.stdout), runtimeTablePath(2, 'runsc').slice(0, -1)) as Record<string, unknown>;
    assert.deepEqual(Object.keys(runtimes), ['runsc']);
  });

  it('given case B6 (main file + a registries drop-in), when containerd 1.6 dumps it, then the drop-in wiped the runsc runtime and runc options', (t) => {
    if (!containerdAvailable(t)) return;
    const main = caseFile('containerd-imports-main.toml').replace('/etc/containerd/config.d/*.toml', '@DIR@/config.d/*.toml');
    const withDropIn = containerdDump(main, { 'config.d/registries.toml': caseFile('containerd-imports-dropin-registries.toml') });
    assert.equal(withDropIn.status, 0, withDropIn.stderr);
    const runtimes = getPath(parse(withDropIn.stdout), runtimeTablePath(2, 'runsc').slice(0, -1)) as Record<string, Record<string, unknown>>;
    assert.equal(runtimes.runsc, undefined, 'runsc vanished');
    assert.equal(getPath(runtimes, ['runc', 'options', 'SystemdCgroup']), false, 'SystemdCgroup = true vanished');

    const alone = containerdDump(main);
    const runtimesAlone = getPath(parse(alone.stdout), runtimeTablePath(2, 'runsc').slice(0, -1)) as Record<string, Record<string, unknown>>;
    assert.equal(runtimesAlone.runsc?.runtime_type, 'io.containerd.runsc.v1', 'without the drop-in runsc is there');
  });
});

// ---------------------------------------------------------------------------------------------
// Cases from the field

describe('case B1: version 3 file with a stray version 2 runsc table', () => {
  const input = caseFile('containerd-v3-with-v2-runsc-table.toml');

  it('given the file, when runsc is ensured in the version 3 layout, then the v3 runtime equals the expected addition', () => {
    const result = ensureRuntime(input, want(3), 'config.toml');
    const expected = parse(caseFile('containerd-v3-with-v2-runsc-table.expected-addition.toml'));
    const path = runtimeTablePath(3, 'runsc');
    assert.deepEqual(getPath(parse(result.text), path), getPath(expected, path));
    // Same quoting as the file: single quotes like containerd 2.x's generator.
    assert.match(result.text, /^ {8}\[plugins\.'io\.containerd\.cri\.v1\.runtime'\.containerd\.runtimes\.runsc\]$/m);
    assert.match(result.text, /^ {10}runtime_type = 'io\.containerd\.runsc\.v1'$/m);
  });

  it('given the file, when runsc is ensured, then a warning names the stray version 2 table at line 22 and no second v2 table is added', () => {
    const result = ensureRuntime(input, want(3), 'config.toml');
    const stray = result.warnings.find((w) => w.line === 22);
    assert.ok(stray, JSON.stringify(result.warnings));
    assert.match(stray.message, /version 2 layout.*ignores/);
    const v2Headers = result.text.split('\n').filter((l) => l.includes('"io.containerd.grpc.v1.cri".containerd.runtimes.runsc'));
    assert.equal(v2Headers.length, 1);
    assert.deepEqual(getPath(parse(result.text), runtimeTablePath(2, 'runsc')), getPath(parse(input), runtimeTablePath(2, 'runsc')));
    // The new table goes with the other v3 runtimes, before the stray block and its comment.
    assert.ok(result.text.indexOf("runtimes.runsc]") < result.text.indexOf('# --- appended by an installer'));
  });

  it('given the file, when it is analysed, then the problem is a runtime-wrong-schema warning at line 22', () => {
    const a = analyseContainerdConfig(input, 'config.toml');
    assert.equal(a.version, 3);
    assert.deepEqual(
      a.problems.map((p) => [p.kind, p.severity, p.line]),
      [['runtime-wrong-schema', 'warning', 22]],
    );
  });
});

describe('case B2: version 2 file with a version 1 short plugin name', () => {
  const input = caseFile('containerd-v2-with-v1-short-name.toml');

  it('given the file, when runsc is ensured, then it is refused naming line 14 ([plugins.cri.containerd.runtimes.runsc])', () => {
    const err = refusal(() => ensureRuntime(input, want(2), '/etc/containerd/config.toml'));
    assert.equal(err.line, 14);
    assert.equal(err.file, '/etc/containerd/config.toml');
    assert.match(err.detail, /short plugin name "cri".*refuses the whole file.*"io\.containerd\.grpc\.v1\.cri"/);
    assert.match(err.hint, /Nothing was changed/);
    assert.equal(input.split('\n')[13], '[plugins.cri.containerd.runtimes.runsc]');
  });

  it('given the file, when it is analysed, then the problem is blocking (severity error)', () => {
    const a = analyseContainerdConfig(input, 'config.toml');
    assert.deepEqual(a.problems.map((p) => [p.kind, p.severity, p.line]), [['short-plugin-name', 'error', 14]]);
  });

  it('given other short names in a version 2 file (plugins.linux, plugins.diff-service, disabled_plugins = ["cri"]), then each is blocking', () => {
    for (const text of [
      'version = 2\n[plugins.linux]\n  shim_debug = true\n',
      'version = 2\n[plugins.diff-service]\n  default = ["walking"]\n',
      'version = 2\ndisabled_plugins = ["cri"]\n',
    ]) {
      const err = refusal(() => ensureRuntime(text, want(2), 'c.toml'));
      assert.equal(err.line, 2, text);
    }
  });
});

describe('case B3: disabled_plugins = ["cri"]', () => {
  const ids = ['cri', 'io.containerd.grpc.v1.cri'];

  it('given the case file, when the CRI entry is removed, then only that line changes to disabled_plugins = [] and the comments stay', () => {
    const input = caseFile('containerd-disabled-cri.toml');
    const result = removeDisabledPlugin(input, ids, 'config.toml');
    assert.equal(result.text, input.replace('disabled_plugins = ["cri"]', 'disabled_plugins = []'));
    assert.deepEqual(result.changes, ['line 4: removed "cri" from disabled_plugins']);
  });

  it("given Docker's containerd.io package file, when the CRI entry is removed, then it can be upgraded to version 2 and runsc added", () => {
    const input = fixture('containerd.io-pkg-default-disabled-cri.toml');
    const removed = removeDisabledPlugin(input, ids, 'config.toml');
    assert.equal(removed.text, input.replace('disabled_plugins = ["cri"]', 'disabled_plugins = []'));
    const upgraded = upgradeVersion1To2(removed.text, 'config.toml');
    assert.ok(upgraded);
    assert.equal(parse(upgraded.text).version, 2);
    const ensured = ensureRuntime(upgraded.text, want(2), 'config.toml');
    assert.equal(getPath(parse(ensured.text), [...runtimeTablePath(2, 'runsc'), 'runtime_type']), 'io.containerd.runsc.v1');
    for (const c of commentLines(input)) assert.ok(ensured.text.includes(c));
  });

  it('given the newer package file with the full id, when it is removed, then the commented-out old line stays untouched', () => {
    const input = fixture('containerd.io-pkg-v2-disabled-cri-full-id.toml');
    const result = removeDisabledPlugin(input, ids, 'config.toml');
    assert.equal(result.text, input.replace('disabled_plugins = ["io.containerd.grpc.v1.cri"]', 'disabled_plugins = []'));
    assert.ok(result.text.includes('#disabled_plugins = ["cri"]\n'));
    const a = analyseContainerdConfig(input, 'config.toml');
    assert.deepEqual(a.disabledPlugins, { value: ['io.containerd.grpc.v1.cri'], line: 17 });
    assert.ok(a.problems.some((p) => p.kind === 'cri-disabled' && p.line === 17));
  });

  it('given other entries next to the CRI one, when it is removed, then the others, their layout and inline comments stay', () => {
    const cases: [string, string][] = [
      ['disabled_plugins = ["cri", "io.containerd.snapshotter.v1.zfs"]\n', 'disabled_plugins = ["io.containerd.snapshotter.v1.zfs"]\n'],
      ['disabled_plugins = ["io.containerd.snapshotter.v1.zfs", "cri"] # docker\n', 'disabled_plugins = ["io.containerd.snapshotter.v1.zfs"] # docker\n'],
      [
        'disabled_plugins = [\n  "io.containerd.snapshotter.v1.zfs",\n  "cri", # for docker\n  "io.containerd.snapshotter.v1.aufs",\n]\n',
        'disabled_plugins = [\n  "io.containerd.snapshotter.v1.zfs",\n  # for docker\n  "io.containerd.snapshotter.v1.aufs",\n]\n',
      ],
      [
        'disabled_plugins = [\n  "io.containerd.snapshotter.v1.zfs",\n  "cri"\n]\n',
        'disabled_plugins = [\n  "io.containerd.snapshotter.v1.zfs"\n]\n',
      ],
      ['disabled_plugins = [\n  "cri",\n]\n', 'disabled_plugins = []\n'],
      ['disabled_plugins = [\n  "cri", # docker turns CRI off\n]\n', 'disabled_plugins = [\n  # docker turns CRI off\n]\n'],
      ["disabled_plugins = ['cri']\r\nroot = '/x'\r\n", "disabled_plugins = []\r\nroot = '/x'\r\n"],
    ];
    for (const [input, expected] of cases) assert.equal(removeDisabledPlugin(input, ids, 'c.toml').text, expected, input);
  });

  it('given no CRI entry, when removal is asked, then nothing changes', () => {
    const input = 'disabled_plugins = []\n# cri stays enabled\n';
    const result = removeDisabledPlugin(input, ids, 'c.toml');
    assert.equal(result.changed, false);
    assert.equal(result.text, input);
  });
});

describe('case B5: tables with full plugin ids but no version line', () => {
  it('given the snippet, when it is upgraded, then version = 2 with its comment comes first and ensureRuntime then works', () => {
    const input = caseFile('containerd-snippet-only-no-version.toml');
    const a = analyseContainerdConfig(input, 'config.toml');
    assert.equal(a.version, 1);
    assert.ok(a.problems.some((p) => p.kind === 'full-uri-in-version-1' && p.line === 1));
    refusal(() => ensureRuntime(input, want(2), 'config.toml'));

    const upgraded = upgradeVersion1To2(input, 'config.toml');
    assert.ok(upgraded);
    assert.equal(
      upgraded.text,
      '# version = 2 added by gvisor-wizard: the tables below use version-2 plugin names\nversion = 2\n\n' + input,
    );
    const ensured = ensureRuntime(upgraded.text, want(2), 'config.toml');
    const value = parse(ensured.text);
    assert.equal(getPath(value, [...runtimeTablePath(2, 'runsc'), 'runtime_type']), 'io.containerd.runsc.v1');
    assert.equal(getPath(value, [...runtimeTablePath(2, 'runc'), 'options', 'SystemdCgroup']), true);
    // The snippet's runc has no runtime_type: containerd 1.x then leaves it empty; say so.
    assert.ok(ensured.warnings.some((w) => w.line === 4 && /no runtime_type/.test(w.message)), JSON.stringify(ensured.warnings));
  });

  it('given a real version 1 file (containerd 1.2 default), when upgrade is asked, then it is not safe (null) and ensureRuntime explains version 1', () => {
    const input = fixture('default-1.2.x-schema-v1-docker-paths.toml');
    assert.equal(upgradeVersion1To2(input, 'config.toml'), null);
    const err = refusal(() => ensureRuntime(input, want(2), 'config.toml'));
    assert.match(err.detail, /configuration version 1/);
    assert.match(err.hint, /short plugin names.*migrate it first/);
  });

  it('given a version 2 file, when upgrade is asked, then nothing changes', () => {
    const input = fixture('debian-pkg-conffile-1.6.20.toml');
    const r = upgradeVersion1To2(input, 'c.toml');
    assert.ok(r);
    assert.equal(r.changed, false);
    assert.equal(r.text, input);
  });

  it('given a version 1 file that starts with comments and top-level keys, when upgraded, then the version line goes before the first key', () => {
    const input = '# my config\n\nroot = "/var/lib/containerd"\n[plugins."io.containerd.internal.v1.opt"]\n  path = "/opt"\n';
    const r = upgradeVersion1To2(input, 'c.toml');
    assert.ok(r);
    assert.equal(
      r.text,
      '# my config\n\n# version = 2 added by gvisor-wizard: the tables below use version-2 plugin names\nversion = 2\nroot = "/var/lib/containerd"\n' +
        '[plugins."io.containerd.internal.v1.opt"]\n  path = "/opt"\n',
    );
  });
});

describe('case B6: imports', () => {
  it('given the main file, when it is analysed, then it lists the import glob and warns that drop-ins may replace the CRI section', () => {
    const a = analyseContainerdConfig(caseFile('containerd-imports-main.toml'), 'config.toml');
    assert.deepEqual(a.imports, ['/etc/containerd/config.d/*.toml']);
    const w = a.problems.find((p) => p.kind === 'imports');
    assert.ok(w);
    assert.equal(w.line, 2);
    assert.match(w.message, /containerd config dump/);
  });

  it('given the drop-in (no version line, full ids), when it is analysed, then it is version 1 with full-id tables', () => {
    const a = analyseContainerdConfig(caseFile('containerd-imports-dropin-registries.toml'), 'registries.toml');
    assert.equal(a.version, 1);
    assert.ok(a.problems.some((p) => p.kind === 'full-uri-in-version-1' && p.line === 2));
  });
});

describe('existing runtimes', () => {
  const docs = fixture('with-runsc-configpath-shim-debug-v2-gvisor-docs.toml');

  it('given the gVisor docs config that already has runsc, when runsc is ensured, then nothing changes', () => {
    const r = ensureRuntime(docs, want(2), 'config.toml');
    assert.equal(r.changed, false);
    assert.equal(r.text, docs);
  });

  it('given runsc with another ConfigPath and a trailing comment, when ensured, then only that value changes (quote style and comment kept)', () => {
    const input = docs.replace('ConfigPath = "/etc/containerd/runsc.toml"', "ConfigPath = '/etc/runsc/old.toml'   # moved");
    const r = ensureRuntime(input, want(2), 'config.toml');
    assert.equal(r.text, docs.replace('ConfigPath = "/etc/containerd/runsc.toml"', "ConfigPath = '/etc/containerd/runsc.toml'   # moved"));
    assert.deepEqual(r.changes, [`line 12: [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runsc.options] ConfigPath = "/etc/runsc/old.toml" → "/etc/containerd/runsc.toml"`]);
    const a = analyseContainerdConfig(input, 'config.toml', want(2));
    assert.ok(a.problems.some((p) => p.kind === 'runtime-differs' && /ConfigPath/.test(p.message)));
  });

  it('given runsc without options and without runtime_type, when ensured, then the missing key goes right under the header and the options table after its last key', () => {
    const input = 'version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runsc]\n  # our sandbox\n  pod_annotations = ["dev.gvisor.*"]\n\n[debug]\n  level = "info"\n';
    const r = ensureRuntime(input, want(2), 'config.toml');
    assert.equal(
      r.text,
      'version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runsc]\n  runtime_type = "io.containerd.runsc.v1"\n  # our sandbox\n' +
        '  pod_annotations = ["dev.gvisor.*"]\n  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runsc.options]\n' +
        '    TypeUrl = "io.containerd.runsc.v1.options"\n    ConfigPath = "/etc/containerd/runsc.toml"\n\n[debug]\n  level = "info"\n',
    );
  });

  it('given the containerd docs v3 example with a "gvisor" handler, when runsc is ensured, then it is added after the other runtimes, gvisor untouched', () => {
    const input = fixture('v3-docs-runtime-classes-crun-gvisor-kata-double-quoted.toml');
    const a = analyseContainerdConfig(input, 'config.toml');
    assert.deepEqual(
      a.runtimes.map((r) => [r.name, r.schema, r.line, r.runtimeType]),
      [['crun', 3, 6, 'io.containerd.runc.v2'], ['gvisor', 3, 11, 'io.containerd.runsc.v1'], ['kata', 3, 14, 'io.containerd.kata.v2']],
    );
    const r = ensureRuntime(input, want(3), 'config.toml');
    assert.equal(
      r.text,
      input +
        '    [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runsc]\n      runtime_type = "io.containerd.runsc.v1"\n' +
        '      [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runsc.options]\n        TypeUrl = "io.containerd.runsc.v1.options"\n' +
        '        ConfigPath = "/etc/containerd/runsc.toml"\n',
    );
    // default_runtime_name = "crun" is defined, so no runc table is added.
    assert.equal(getPath(parse(r.text), runtimeTablePath(3, 'runc')), undefined);
  });

  it('given a version mismatch (v3 layout asked for a version 2 file), then it is refused naming the version line', () => {
    const err = refusal(() => ensureRuntime(fixture('debian-pkg-conffile-1.6.20.toml'), want(3), 'config.toml'));
    assert.equal(err.line, 1);
    assert.match(err.detail, /file is version 2/);
  });
});

describe('forms the editor will not guess at', () => {
  it('given runtimes as an inline table, then it refuses with the line', () => {
    const input = 'version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd]\n  runtimes = { runc = { runtime_type = "io.containerd.runc.v2" } }\n';
    const err = refusal(() => ensureRuntime(input, want(2), 'c.toml'));
    assert.equal(err.line, 3);
    assert.match(err.detail, /inline table/);
  });

  it('given the runtime written with dotted keys, then it refuses with the line', () => {
    const input = 'version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes]\n  runsc.runtime_type = "io.containerd.runsc.v1"\n';
    const err = refusal(() => ensureRuntime(input, want(2), 'c.toml'));
    assert.equal(err.line, 3);
    assert.match(err.detail, /dotted keys/);
  });

  it('given invalid TOML, then the ConfigFileError carries the 1-based line and column', () => {
    const err = refusal(() => ensureRuntime('version = 2\n[plugins\nx = 1\n', want(2), 'c.toml'));
    assert.equal(err.line, 2);
    assert.equal(err.column, 9);
    assert.match(err.detail, /^invalid TOML: /);
  });

  it('given a duplicate table, then it is refused as invalid TOML', () => {
    const err = refusal(() => analyseContainerdConfig('[a]\nx = 1\n[a]\ny = 2\n', 'c.toml'));
    assert.equal(err.line, 3);
  });

  it('given version = 4, then it is refused as unsupported', () => {
    const err = refusal(() => analyseContainerdConfig('version = 4\n', 'c.toml'));
    assert.equal(err.line, 1);
  });
});

describe('analyseContainerdConfig', () => {
  it('given an empty, a whitespace-only and a comments-only file, then the version is "empty" (all defaults)', () => {
    for (const text of ['', '  \n\t\n', '# nothing here\n#[plugins."io.containerd.grpc.v1.cri"]\n']) {
      assert.equal(analyseContainerdConfig(text, 'c.toml').version, 'empty', JSON.stringify(text));
    }
  });

  it('given a commented-out header and a header-like line inside a multi-line string, then neither is a header', () => {
    const text =
      'version = 2\n#[plugins.cri]\n[debug]\n  note = """\n[plugins.cri]\n"""\n  level = "info" # [not.a.header]\n' +
      "  paths = [\n    '[x]', # [y]\n  ]\n";
    const a = analyseContainerdConfig(text, 'c.toml');
    assert.deepEqual(a.headers, [{ path: ['debug'], line: 3, text: '[debug]', array: false }]);
    assert.deepEqual(a.problems, []);
  });

  it('given the 2.0 default, then headers carry parsed paths of single-quoted keys and arrays of tables are marked', () => {
    const a = analyseContainerdConfig(fixture('default-1.7.29-built-from-tag.toml'), 'c.toml');
    assert.ok(a.headers.some((h) => h.array && h.path.join('/') === 'plugins/io.containerd.transfer.v1.local/unpack_config'));
    const b = analyseContainerdConfig(fixture('default-2.0.11-built-from-tag.toml'), 'c.toml');
    const rt = b.headers.find((h) => h.path.join('/') === runtimeTablePath(3, 'runc').join('/'));
    assert.deepEqual(rt, { path: runtimeTablePath(3, 'runc'), line: 83, text: "[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]", array: false });
    assert.equal(b.version, 3);
    assert.deepEqual(b.problems, []);
  });

  it('given a version 3 file with version 2 CRI settings, then each ignored table or key is a warning with its line', () => {
    const text = "version = 3\n[plugins.'io.containerd.grpc.v1.cri']\n  sandbox_image = 'x'\n  stream_server_port = '0'\n[plugins.'io.containerd.grpc.v1.cri'.registry]\n  config_path = ''\n";
    const a = analyseContainerdConfig(text, 'c.toml');
    assert.deepEqual(a.problems.map((p) => [p.kind, p.line]), [['v2-cri-table-in-v3', 3], ['v2-cri-table-in-v3', 5]]);
  });

  it('given k3s and rke2 generated files, then generatedBy says so', () => {
    const k3s = '# File generated by k3s. DO NOT EDIT. Use config.toml.tmpl instead.\nversion = 2\n[plugins."io.containerd.internal.v1.opt"]\n  path = "/var/lib/rancher/k3s/agent/containerd"\n';
    const rke2 = 'version = 3\nroot = "/var/lib/rancher/rke2/agent/containerd"\nstate = "/run/k3s/containerd"\n';
    assert.equal(analyseContainerdConfig(k3s, 'c.toml').generatedBy, 'k3s');
    assert.equal(analyseContainerdConfig(rke2, 'c.toml').generatedBy, 'rke2');
    assert.equal(analyseContainerdConfig(fixture('default-1.6.20-debian.toml'), 'c.toml').generatedBy, undefined);
    assert.ok(ensureRuntime(k3s, want(2), 'c.toml').warnings.some((w) => /config\.toml\.tmpl/.test(w.message)));
  });

  it('given a version 2 file with a version 3 runtime table, then it warns that containerd ignores it', () => {
    const text = "version = 2\n[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runsc]\n  runtime_type = 'io.containerd.runsc.v1'\n";
    const a = analyseContainerdConfig(text, 'c.toml');
    assert.deepEqual(a.problems.map((p) => [p.kind, p.line]), [['runtime-wrong-schema', 2]]);
  });
});

describe('layout details of inserted text', () => {
  it('given a CRLF file with tabs, when runsc is added, then new lines use CRLF and the sibling indentation', () => {
    const input = 'version = 2\r\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]\r\n\truntime_type = "io.containerd.runc.v2"\r\n';
    const r = ensureRuntime(input, want(2), 'c.toml');
    assert.equal(
      r.text,
      input +
        '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runsc]\r\n\truntime_type = "io.containerd.runsc.v1"\r\n' +
        '\t[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runsc.options]\r\n\t\tTypeUrl = "io.containerd.runsc.v1.options"\r\n' +
        '\t\tConfigPath = "/etc/containerd/runsc.toml"\r\n',
    );
  });

  it('given a whitespace-only file, when runsc is added, then version 2, runc and runsc are written', () => {
    const r = ensureRuntime('\n  \n', want(2), 'c.toml');
    const value = parse(r.text);
    assert.equal(value.version, 2);
    assert.equal(getPath(value, [...runtimeTablePath(2, 'runc'), 'runtime_type']), 'io.containerd.runc.v2');
    assert.ok(r.text.startsWith('\n  \nversion = 2\n'));
  });

  it('given keepDefaultRuntime false, when runsc is added to a file without runc, then only runsc is written', () => {
    const r = ensureRuntime('', { ...want(2), keepDefaultRuntime: false }, 'c.toml');
    assert.equal(getPath(parse(r.text), runtimeTablePath(2, 'runc')), undefined);
  });
});
