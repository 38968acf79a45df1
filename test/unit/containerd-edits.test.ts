import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import TOML from '@iarna/toml';

import { analyseContainerdConfig, getPath, runscTomlText, runtimeTablePath, setRuncSystemdCgroup } from '../../src/containerd/config-toml.js';
import { sharedDir } from '../helpers/paths.js';

const fixturesDir = join(sharedDir(), 'fixtures', 'containerd');
const fixture = (name: string): string => readFileSync(join(fixturesDir, name), 'utf8');
const parse = (text: string): Record<string, unknown> => TOML.parse(text) as Record<string, unknown>;
const lines = (text: string): string[] => text.split(/\r?\n/);

/** Lines of `b` that differ from `a`, for two texts with the same number of lines. */
function changedLines(a: string, b: string): number[] {
  const la = lines(a);
  const lb = lines(b);
  assert.equal(la.length, lb.length, 'same number of lines');
  return la.flatMap((l, i) => (l === lb[i] ? [] : [i + 1]));
}

describe('setRuncSystemdCgroup on every version 2 and 3 fixture', () => {
  const files = readdirSync(fixturesDir).filter((f) => f.endsWith('.toml') && !f.startsWith('runsc-toml-'));
  for (const name of files) {
    it(`given ${name}, when SystemdCgroup is set to true, then only that value differs and a second run changes nothing`, () => {
      const input = fixture(name);
      const a = analyseContainerdConfig(input, name);
      if (a.version === 1) return; // refused like ensureRuntime; covered there
      const version = a.version === 3 ? 3 : 2;
      const options = [...runtimeTablePath(version, 'runc'), 'options'];
      const before = getPath(parse(input), [...options, 'SystemdCgroup']);

      const r = setRuncSystemdCgroup(input, version, true, name);
      const after = parse(r.text);
      assert.equal(getPath(after, [...options, 'SystemdCgroup']), true);
      if (before === true) {
        assert.equal(r.changed, false);
        assert.equal(r.text, input);
      } else if (before === false) {
        // Flipped in place: exactly one line differs, only in its value.
        const changed = changedLines(input, r.text);
        assert.equal(changed.length, 1);
        const i = changed[0]! - 1;
        assert.equal(lines(r.text)[i], lines(input)[i]!.replace('SystemdCgroup = false', 'SystemdCgroup = true'));
      } else {
        // Added: every old line is still there.
        assert.ok(lines(r.text).length > lines(input).length);
        for (const c of lines(input).filter((l) => l.trimStart().startsWith('#'))) assert.ok(r.text.includes(c));
      }
      const again = setRuncSystemdCgroup(r.text, version, true, name);
      assert.equal(again.changed, false);
      assert.equal(again.text, r.text);
    });
  }

  it('given the 1.6 default (SystemdCgroup = false), when set to true, then line 125 is the only change', () => {
    const input = fixture('default-1.6.20-debian.toml');
    const r = setRuncSystemdCgroup(input, 2, true, 'c.toml');
    assert.deepEqual(changedLines(input, r.text), [125]);
    assert.deepEqual(r.changes, ['line 125: [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options] SystemdCgroup = false → true']);
  });

  it('given the containerd migration fixture with "#SystemdCgroup = false" commented out, when set, then a real key is added under the header and the comment stays', () => {
    const input = fixture('v2-1.7-layout-commented-out-keys-and-tables-containerd-testdata.toml');
    const r = setRuncSystemdCgroup(input, 2, true, 'c.toml');
    const header = '          [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\n';
    assert.equal(r.text, input.replace(header, header + '            SystemdCgroup = true\n'));
    assert.ok(r.text.includes('            #SystemdCgroup = false\n'));
  });

  it('given the 1.4 pristine default with an empty runc.options table, when set, then the key goes under that header', () => {
    const input = fixture('default-1.4.x-pristine-no-trailing-newline.toml');
    const r = setRuncSystemdCgroup(input, 2, true, 'c.toml');
    const header = '          [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\n';
    assert.equal(r.text, input.replace(header, header + '            SystemdCgroup = true\n'));
  });

  it('given a file without runc (Debian conffile), when set, then runc is created with runtime_type so containerd 1.x keeps it usable', () => {
    const r = setRuncSystemdCgroup(fixture('debian-pkg-conffile-1.6.20.toml'), 2, true, 'c.toml');
    const runc = getPath(parse(r.text), runtimeTablePath(2, 'runc')) as Record<string, unknown>;
    assert.deepEqual(runc, { runtime_type: 'io.containerd.runc.v2', options: { SystemdCgroup: true } });
  });

  it('given the hand-edited nvidia file (default runtime nvidia runs runc too), when set, then a warning names the nvidia runtime', () => {
    const r = setRuncSystemdCgroup(fixture('handedited-1.6-nvidia-tabs-typo-private-registry.toml'), 2, true, 'c.toml');
    assert.ok(r.warnings.some((w) => w.line === 121 && /runtime "nvidia"/.test(w.message)), JSON.stringify(r.warnings));
  });

  it('given a file with SystemdCgroup = true, when set to false, then that one value flips', () => {
    const input = fixture('kthw-minimal-v2-systemdcgroup.toml');
    const r = setRuncSystemdCgroup(input, 2, false, 'c.toml');
    assert.equal(r.text, input.replace('SystemdCgroup = true', 'SystemdCgroup = false'));
  });
});

describe('runscTomlText', () => {
  it('given no existing file, when options are given, then a [runsc_config] table of string flags is written', () => {
    const r = runscTomlText({ platform: 'kvm', network: 'host', systemdCgroup: true, debug: true, debugLog: '/var/log/runsc/%ID%/' });
    const value = parse(r.text);
    assert.deepEqual(value, {
      runsc_config: { platform: 'kvm', network: 'host', 'systemd-cgroup': 'true', debug: 'true', 'debug-log': '/var/log/runsc/%ID%/' },
    });
    assert.match(r.text, /^\[runsc_config\]\n {2}platform = "kvm"\n/m);
    assert.ok(r.text.endsWith('\n'));
    assert.equal(r.changed, true);
  });

  it('given the official comments-only example, when options are added, then every comment stays and the keys go under [runsc_config]', () => {
    const input = fixture('runsc-toml-gvisor-shim-example-comments-only.toml');
    const r = runscTomlText({ platform: 'systrap', systemdCgroup: true }, input);
    assert.equal(r.text, input + '  platform = "systrap"\n  systemd-cgroup = "true"\n');
    const again = runscTomlText({ platform: 'systrap', systemdCgroup: true }, r.text);
    assert.equal(again.changed, false);
  });

  it('given a file with binary_name and other flags, when the platform changes, then only that value is replaced', () => {
    const input = fixture('runsc-toml-binary-name-systrap-platform.toml');
    const r = runscTomlText({ platform: 'kvm' }, input);
    assert.equal(r.text, input.replace('platform = "systrap"', 'platform = "kvm"'));
    assert.deepEqual(parse(r.text), { binary_name: '/usr/local/bin/runsc', runsc_config: { platform: 'kvm', 'time-dilation': '6' } });
  });

  it('given the nvproxy docs file, when debug flags are set, then equal values stay, differing ones change, shim options stay', () => {
    const input = fixture('runsc-toml-nvproxy-binary-name-gvisor-docs.toml');
    const r = runscTomlText({ debug: true, debugLog: '/var/log/runsc/%ID%/' }, input);
    assert.equal(r.text, input.replace('debug-log = "/var/log/runsc/%ID%/gvisor.%COMMAND%.log"', 'debug-log = "/var/log/runsc/%ID%/"'));
  });

  it('given a file without [runsc_config], when options are set, then the table is appended after the shim options', () => {
    const r = runscTomlText({ network: 'host' }, 'log_level = "debug"');
    assert.equal(r.text, 'log_level = "debug"\n\n[runsc_config]\n  network = "host"');
  });

  it('given a boolean where runsc expects a string, when set, then it becomes the string', () => {
    const r = runscTomlText({ debug: true }, '[runsc_config]\n  debug = true\n');
    assert.equal(r.text, '[runsc_config]\n  debug = "true"\n');
  });
});
