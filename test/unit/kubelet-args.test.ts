import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { ConfigFileError } from '../../src/docker/daemon-json.js';
import { NodeValueError } from '../../src/kube/join.js';
import {
  kubeletCgroupDriver,
  kubeletExtraArgs,
  parseEnvFile,
  parseKubeadmFlagsEnv,
  parseKubeletVersion,
  readKubeletCgroupDriver,
  readKubeletDropin,
  removeContainerRuntimeFlag,
} from '../../src/kube/kubelet-args.js';
import { sharedDir } from '../helpers/paths.js';

const fixturesDir = join(sharedDir(), 'fixtures', 'kubelet');
const casesDir = join(sharedDir(), 'cases');
const fixture = (name: string): string => readFileSync(join(fixturesDir, name), 'utf8');
const readCase = (name: string): string => readFileSync(join(casesDir, name), 'utf8');
const FLAGS_FILE = '/var/lib/kubelet/kubeadm-flags.env';

function refusal(fn: () => unknown): ConfigFileError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigFileError, `expected ConfigFileError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a refusal');
}

/** Insert `flag` as word number `at` (0 = first, -1 = last) of KUBELET_KUBEADM_ARGS, keeping the file's separators. */
function withFlag(text: string, flag: string, at: number): string {
  const a = parseKubeadmFlagsEnv(text, FLAGS_FILE).assignment!;
  const value = text.slice(a.valueStart, a.valueEnd);
  const words = value.split(' ');
  const i = at < 0 ? words.length : at;
  words.splice(i, 0, flag);
  return text.slice(0, a.valueStart) + words.join(' ') + text.slice(a.valueEnd);
}

// ---------------------------------------------------------------------------------------------

/** What each kubeadm-flags fixture holds (checked by hand against the file). */
const FLAGS_FIXTURES: Record<string, { args: number; line: number; names: string[] }> = {
  'kubeadm-flags-cgroupfs-resolv-conf-trailing-spaces.env': { args: 3, line: 1, names: ['cgroup-driver', 'pod-infra-container-image', 'resolv-conf'] },
  'kubeadm-flags-cri-dockerd-duplicated-endpoint.env': {
    args: 6,
    line: 1,
    names: ['pod-infra-container-image', 'resolv', 'container-runtime-endpoint', 'container-runtime-endpoint', 'container-runtime-endpoint', 'container-runtime-endpoint'],
  },
  'kubeadm-flags-dockershim-network-plugin-cni-comment-line.env': { args: 3, line: 2, names: ['cgroup-driver', 'network-plugin', 'pod-infra-container-image'] },
  'kubeadm-flags-kind-generated-v1.34.env': {
    args: 6,
    line: 1,
    names: ['node-ip', 'node-labels', 'pod-infra-container-image', 'provider-id', 'image-credential-provider-bin-dir', 'image-credential-provider-config'],
  },
  'kubeadm-flags-minimal-no-newline.env': { args: 1, line: 1, names: ['cgroup-driver'] },
};

const CONFIG_FIXTURES: Record<string, { driver: 'systemd' | 'cgroupfs'; line: number }> = {
  'config-crio-endpoint-blank-lines.yaml': { driver: 'cgroupfs', line: 11 },
  'config-kthw-systemd-containerRuntimeEndpoint-failSwapOn-false.yaml': { driver: 'systemd', line: 13 },
  'config-kubeadm-generated-cgroupfs-no-runtime-endpoint.yaml': { driver: 'cgroupfs', line: 15 },
  'config-kubeadm-handedited-commented-keys-placeholder.yaml': { driver: 'systemd', line: 15 },
};

const DROPIN_FIXTURES: Record<string, { extraArgsFile: string | undefined; usesExtraArgs: boolean; removed: string[]; warnings: RegExp[]; envFiles: number }> = {
  '10-eksctl-al2-dropin-multiline-execstart-container-runtime-docker.conf': {
    extraArgsFile: undefined,
    usesExtraArgs: false,
    removed: ['--container-runtime@1.27', '--network-plugin@1.24', '--cni-bin-dir@1.24', '--cni-conf-dir@1.24'],
    warnings: [],
    envFiles: 3,
  },
  '10-kubeadm-deb-etc-default-kubelet-kind.conf': { extraArgsFile: '/etc/default/kubelet', usesExtraArgs: true, removed: [], warnings: [], envFiles: 2 },
  '10-kubeadm-handedited-smart-quotes-garbage-line.conf': {
    extraArgsFile: '/etc/default/kubelet',
    usesExtraArgs: true,
    removed: [],
    warnings: [/^12: Environment= .* systemd ignores it \(it contains typographic quotes/],
    envFiles: 2,
  },
  '10-kubeadm-v1.11plus-kubeadm-flags-env-sysconfig.conf': { extraArgsFile: '/etc/sysconfig/kubelet', usesExtraArgs: true, removed: [], warnings: [], envFiles: 2 },
  '10-kubeadm-v1.8-era-cgroup-args-cadvisor.conf': {
    extraArgsFile: undefined,
    usesExtraArgs: true,
    removed: ['--allow-privileged@1.15', '--network-plugin@1.24', '--cni-conf-dir@1.24', '--cni-bin-dir@1.24', '--cadvisor-port@1.12'],
    warnings: [],
    envFiles: 0,
  },
  '11-kind-extra-dropin-execstartpre.conf': { extraArgsFile: undefined, usesExtraArgs: false, removed: [], warnings: [], envFiles: 0 },
};

describe('the kubelet fixtures', () => {
  it('given fixtures/kubelet, when listed, then every file has a test below', () => {
    const known = new Set([...Object.keys(FLAGS_FIXTURES), ...Object.keys(CONFIG_FIXTURES), ...Object.keys(DROPIN_FIXTURES)]);
    const files = readdirSync(fixturesDir);
    assert.ok(files.length >= 15, `fixtures found in ${fixturesDir}`);
    for (const f of files) assert.ok(known.has(f), `${f} has no test`);
  });
});

describe('parseKubeadmFlagsEnv and removeContainerRuntimeFlag (case E1)', () => {
  it('given kubelet-removed-flag.kubeadm-flags.env and kubelet 1.27, when the flag is removed, then the result is byte-identical to the expected file', () => {
    const before = readCase('kubelet-removed-flag.kubeadm-flags.env');
    const r = removeContainerRuntimeFlag(before, '1.27.0', FLAGS_FILE);
    assert.equal(r.text, readCase('kubelet-removed-flag.expected.kubeadm-flags.env'));
    assert.equal(r.changed, true);
    assert.equal(r.changes.length, 1);
    assert.match(r.changes[0]!, /kubeadm-flags\.env:1: removed "--container-runtime=remote" from KUBELET_KUBEADM_ARGS/);
    // The endpoint stays.
    assert.deepEqual(parseKubeadmFlagsEnv(r.text, FLAGS_FILE).flags.map((f) => f.name), ['container-runtime-endpoint', 'pod-infra-container-image']);
  });

  it('given the E1 file after the removal, when run again, then nothing changes', () => {
    const once = removeContainerRuntimeFlag(readCase('kubelet-removed-flag.kubeadm-flags.env'), 'v1.30.2', FLAGS_FILE).text;
    assert.deepEqual(removeContainerRuntimeFlag(once, 'v1.30.2', FLAGS_FILE), { text: once, changed: false, changes: [] });
  });

  for (const version of ['1.26.9', 'v1.24.0', 'Kubernetes v1.26.15']) {
    it(`given the E1 file and kubelet ${version}, when the flag would be removed, then the file stays as it is`, () => {
      const before = readCase('kubelet-removed-flag.kubeadm-flags.env');
      assert.deepEqual(removeContainerRuntimeFlag(before, version, FLAGS_FILE), { text: before, changed: false, changes: [] });
    });
  }

  it('given the version forms kubelet and packages print, when parsed, then major and minor come out', () => {
    assert.deepEqual(parseKubeletVersion('Kubernetes v1.28.2'), [1, 28]);
    assert.deepEqual(parseKubeletVersion('v1.27.0-rc.1'), [1, 27]);
    assert.deepEqual(parseKubeletVersion('1.31'), [1, 31]);
    assert.deepEqual(parseKubeletVersion('1.27.3+k3s1'), [1, 27]);
    assert.throws(() => parseKubeletVersion('latest'), /not a kubelet version/);
  });

  for (const [name, want] of Object.entries(FLAGS_FIXTURES)) {
    it(`given ${name}, when parsed, then every flag is read in order`, () => {
      const p = parseKubeadmFlagsEnv(fixture(name), FLAGS_FILE);
      assert.equal(p.args.length, want.args);
      assert.deepEqual(p.flags.map((f) => f.name), want.names);
      assert.equal(p.assignment?.line, want.line);
      assert.deepEqual(p.env.ignoredLines, []);
    });

    it(`given ${name} without --container-runtime, when the flag is removed for kubelet 1.30, then the file is unchanged`, () => {
      const text = fixture(name);
      assert.deepEqual(removeContainerRuntimeFlag(text, '1.30.0', FLAGS_FILE), { text, changed: false, changes: [] });
    });

    for (const [where, at] of [['first', 0], ['second', 1], ['last', -1]] as const) {
      for (const flag of ['--container-runtime=remote', '--container-runtime remote']) {
        it(`given ${name} with "${flag}" as the ${where} word, when removed, then the original file comes back byte for byte`, () => {
          const original = fixture(name);
          const injected = withFlag(original, flag, at);
          assert.notEqual(injected, original);
          const r = removeContainerRuntimeFlag(injected, '1.29.1', FLAGS_FILE);
          assert.equal(r.text, original);
          assert.equal(r.changes.length, 1);
        });
      }
    }
  }

  it('given the flag twice and next to each other, when removed, then both go and the other flags keep their order and spacing', () => {
    const before = 'KUBELET_KUBEADM_ARGS="--container-runtime=remote --container-runtime=remote --a=1  --container-runtime remote --b=2"\n';
    const r = removeContainerRuntimeFlag(before, '1.27', FLAGS_FILE);
    assert.equal(r.text, 'KUBELET_KUBEADM_ARGS="--a=1 --b=2"\n');
    assert.equal(r.changes.length, 3);
  });

  it('given the flag in KUBELET_EXTRA_ARGS of /etc/default/kubelet, when removed, then it goes there too and comments stay', () => {
    const before = '# extra flags\nKUBELET_EXTRA_ARGS=--container-runtime=remote --node-ip=192.0.2.4\n';
    const r = removeContainerRuntimeFlag(before, '1.28', '/etc/default/kubelet');
    assert.equal(r.text, '# extra flags\nKUBELET_EXTRA_ARGS=--node-ip=192.0.2.4\n');
  });

  it('given the only word is the flag, when removed, then an empty quoted value remains', () => {
    assert.equal(removeContainerRuntimeFlag('KUBELET_KUBEADM_ARGS="--container-runtime=remote"', '1.27', FLAGS_FILE).text, 'KUBELET_KUBEADM_ARGS=""');
  });

  it('given CR LF line ends, when removed, then they stay', () => {
    const r = removeContainerRuntimeFlag('# x\r\nKUBELET_KUBEADM_ARGS="--a=1 --container-runtime=remote"\r\n', '1.27', FLAGS_FILE);
    assert.equal(r.text, '# x\r\nKUBELET_KUBEADM_ARGS="--a=1"\r\n');
  });

  it('given --container-runtime=docker, when removed for kubelet 1.27, then it is refused with line and column and nothing changes', () => {
    const e = refusal(() => removeContainerRuntimeFlag('#c\nKUBELET_KUBEADM_ARGS="--network-plugin=cni --container-runtime=docker"\n', '1.27', FLAGS_FILE));
    assert.deepEqual([e.file, e.line, e.column], [FLAGS_FILE, 2, 44]);
    assert.match(e.detail, /--container-runtime=docker/);
    assert.match(e.hint, /Nothing was changed/);
  });

  it('given a quote that is not closed on its line, when parsed, then it is refused with the line', () => {
    const e = refusal(() => parseKubeadmFlagsEnv('KUBELET_KUBEADM_ARGS="--a=1\n--b=2"\n', FLAGS_FILE));
    assert.deepEqual([e.line, e.column], [1, 22]);
    assert.match(e.detail, /not closed on this line/);
  });

  it('given a line that is no assignment, when parsed, then it is listed as ignored (systemd skips it)', () => {
    const env = parseEnvFile('garbage line\nA=1\n', FLAGS_FILE);
    assert.deepEqual(env.ignoredLines, [{ line: 1, text: 'garbage line' }]);
    assert.deepEqual(env.assignments.map((a) => [a.name, a.value]), [['A', '1']]);
  });
});

// ---------------------------------------------------------------------------------------------

describe('kubeletExtraArgs for /etc/default/kubelet', () => {
  const L = ['gvisor.example/runsc=true'];
  const T = ['gvisor.example/runsc=true:NoSchedule'];

  it('given no file, when labels and taints are wanted, then the file is created with one KUBELET_EXTRA_ARGS line', () => {
    const r = kubeletExtraArgs(null, L, T);
    assert.equal(r.text, 'KUBELET_EXTRA_ARGS="--node-labels=gvisor.example/runsc=true --register-with-taints=gvisor.example/runsc=true:NoSchedule"\n');
    assert.equal(r.changed, true);
  });

  it('given no file and nothing wanted, when run, then nothing is created', () => {
    assert.deepEqual(kubeletExtraArgs(null, [], []), { text: '', changed: false, changes: [] });
  });

  it("given Debian's empty KUBELET_EXTRA_ARGS=, when a label is wanted, then it is set without quotes", () => {
    assert.equal(kubeletExtraArgs('KUBELET_EXTRA_ARGS=\n', L, []).text, 'KUBELET_EXTRA_ARGS=--node-labels=gvisor.example/runsc=true\n');
  });

  it("given Debian's empty KUBELET_EXTRA_ARGS=, when a label and a taint are wanted, then the value gets double quotes", () => {
    const r = kubeletExtraArgs('KUBELET_EXTRA_ARGS=\n', L, T);
    assert.equal(r.text, 'KUBELET_EXTRA_ARGS="--node-labels=gvisor.example/runsc=true --register-with-taints=gvisor.example/runsc=true:NoSchedule"\n');
    assert.ok(r.changes.some((c) => /double quotes/.test(c)));
  });

  it('given existing labels, taints and other flags, when merged, then existing entries stay, same keys get the new value, new ones are appended', () => {
    const before =
      '# managed by hand\nKUBELET_EXTRA_ARGS="--max-pods=50 --node-labels=zone=a,gvisor.example/runsc=false --register-with-taints=dedicated=db:NoSchedule --v=2"   \nOTHER=1\n';
    const r = kubeletExtraArgs(before, ['gvisor.example/runsc=true', 'tier=sandbox'], ['gvisor.example/runsc=true:NoSchedule', 'dedicated=gpu:NoSchedule', 'dedicated=db:NoExecute']);
    assert.equal(
      r.text,
      '# managed by hand\nKUBELET_EXTRA_ARGS="--max-pods=50 --node-labels=zone=a,gvisor.example/runsc=true,tier=sandbox --register-with-taints=dedicated=gpu:NoSchedule,gvisor.example/runsc=true:NoSchedule,dedicated=db:NoExecute --v=2"   \nOTHER=1\n',
    );
    assert.ok(r.changes.some((c) => c.includes('"gvisor.example/runsc=false" → "gvisor.example/runsc=true"')));
    assert.deepEqual(kubeletExtraArgs(r.text, ['gvisor.example/runsc=true', 'tier=sandbox'], ['gvisor.example/runsc=true:NoSchedule', 'dedicated=gpu:NoSchedule', 'dedicated=db:NoExecute']), {
      text: r.text,
      changed: false,
      changes: [],
    });
  });

  it('given the two-word form --node-labels a=b, when merged, then the value word is extended', () => {
    assert.equal(kubeletExtraArgs("KUBELET_EXTRA_ARGS='--node-labels a=b'\n", L, []).text, "KUBELET_EXTRA_ARGS='--node-labels a=b,gvisor.example/runsc=true'\n");
  });

  it('given a file without KUBELET_EXTRA_ARGS and without a final newline, when run, then a line is appended and the rest is unchanged', () => {
    const before = '# rpm sysconfig\nFOO=bar';
    assert.equal(kubeletExtraArgs(before, L, [], { file: '/etc/sysconfig/kubelet' }).text, `${before}\nKUBELET_EXTRA_ARGS="--node-labels=gvisor.example/runsc=true"\n`);
  });

  it('given CR LF line ends, when a line is appended, then it ends in CR LF too', () => {
    assert.equal(kubeletExtraArgs('A=1\r\n', L, []).text, 'A=1\r\nKUBELET_EXTRA_ARGS="--node-labels=gvisor.example/runsc=true"\r\n');
  });

  it('given two KUBELET_EXTRA_ARGS lines, when merged, then the last one (the one systemd uses) is edited', () => {
    const r = kubeletExtraArgs('KUBELET_EXTRA_ARGS=--a\nKUBELET_EXTRA_ARGS="--b"\n', L, []);
    assert.equal(r.text, 'KUBELET_EXTRA_ARGS=--a\nKUBELET_EXTRA_ARGS="--b --node-labels=gvisor.example/runsc=true"\n');
  });

  for (const name of Object.keys(FLAGS_FIXTURES)) {
    it(`given ${name} as the file, when labels and taints are added, then every original byte stays in front of the new line`, () => {
      const before = fixture(name);
      const r = kubeletExtraArgs(before, L, T);
      const sep = before.endsWith('\n') ? '' : '\n';
      assert.ok(r.text.startsWith(before + sep));
      assert.equal(r.text.slice(before.length + sep.length), 'KUBELET_EXTRA_ARGS="--node-labels=gvisor.example/runsc=true --register-with-taints=gvisor.example/runsc=true:NoSchedule"\n');
    });
  }

  it('given a label the kubelet may not set, when run, then NodeValueError is thrown before anything is written', () => {
    assert.throws(() => kubeletExtraArgs('KUBELET_EXTRA_ARGS=\n', ['node-role.kubernetes.io/worker='], []), NodeValueError);
    assert.throws(() => kubeletExtraArgs(null, [], ['x=y:Never']), NodeValueError);
    assert.throws(() => kubeletExtraArgs(null, ['a=1', 'a=2'], []), /conflicts with/);
  });

  it('given a value with backslash escapes, when run, then it is refused with the line and nothing changes', () => {
    const e = refusal(() => kubeletExtraArgs('X=1\nKUBELET_EXTRA_ARGS="--a=\\"b\\""\n', L, []));
    assert.equal(e.line, 2);
    assert.match(e.hint, /Add the flags by hand: --node-labels=gvisor\.example\/runsc=true/);
  });
});

// ---------------------------------------------------------------------------------------------

describe('kubeletCgroupDriver (case F1)', () => {
  it('given runsc-cgroup-mismatch.kubelet-config.yaml, when read, then the kubelet uses cgroupfs', () => {
    assert.equal(kubeletCgroupDriver(readCase('runsc-cgroup-mismatch.kubelet-config.yaml')), 'cgroupfs');
    assert.deepEqual(readKubeletCgroupDriver(readCase('runsc-cgroup-mismatch.kubelet-config.yaml')), { driver: 'cgroupfs', source: 'config', line: 4 });
  });

  for (const [name, want] of Object.entries(CONFIG_FIXTURES)) {
    it(`given ${name}, when read, then the driver is ${want.driver} from line ${want.line}`, () => {
      assert.equal(kubeletCgroupDriver(fixture(name)), want.driver);
      assert.deepEqual(readKubeletCgroupDriver(fixture(name)), { driver: want.driver, source: 'config', line: want.line });
    });
  }

  it('given no config file yet, when read, then systemd (what kubeadm 1.22+ writes on join)', () => {
    assert.equal(kubeletCgroupDriver(null), 'systemd');
    assert.deepEqual(readKubeletCgroupDriver(null), { driver: 'systemd', source: 'kubeadm-default' });
  });

  it('given a config file without cgroupDriver (or only a commented one), when read, then cgroupfs: the kubelet itself defaults to it', () => {
    const text = 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n#cgroupDriver: systemd\n  # cgroupDriver: systemd\n';
    assert.deepEqual(readKubeletCgroupDriver(text), { driver: 'cgroupfs', source: 'kubelet-default' });
    assert.equal(kubeletCgroupDriver(''), 'cgroupfs');
  });

  it('given quotes, a trailing comment and nested look-alikes, when read, then only the top-level key counts', () => {
    const text = 'kind: KubeletConfiguration\nlogging:\n  cgroupDriver: cgroupfs\ncgroupDriver: "systemd" # from kubeadm\n';
    assert.deepEqual(readKubeletCgroupDriver(text), { driver: 'systemd', source: 'config', line: 4 });
    assert.equal(kubeletCgroupDriver("cgroupDriver: 'cgroupfs'\r\n"), 'cgroupfs');
  });

  it('given a JSON KubeletConfiguration, when read, then it is read as JSON', () => {
    assert.equal(kubeletCgroupDriver('{"kind":"KubeletConfiguration","cgroupDriver":"cgroupfs"}'), 'cgroupfs');
    assert.equal(kubeletCgroupDriver('{"kind":"KubeletConfiguration"}'), 'cgroupfs');
  });

  it('given a kubeadm config with several documents, when read, then the KubeletConfiguration document is used', () => {
    const text = 'kind: ClusterConfiguration\ncgroupDriver: cgroupfs\n---\nkind: KubeletConfiguration\ncgroupDriver: systemd\n';
    assert.deepEqual(readKubeletCgroupDriver(text), { driver: 'systemd', source: 'config', line: 5 });
  });

  it('given a file of another kind only, when read, then it is refused', () => {
    assert.match(refusal(() => kubeletCgroupDriver('kind: InitConfiguration\n')).detail, /no KubeletConfiguration/);
  });

  it('given cgroupDriver twice or with an unknown value, when read, then it is refused with the line', () => {
    const twice = refusal(() => kubeletCgroupDriver('cgroupDriver: systemd\ncgroupDriver: cgroupfs\n', '/var/lib/kubelet/config.yaml'));
    assert.deepEqual([twice.file, twice.line], ['/var/lib/kubelet/config.yaml', 2]);
    const bad = refusal(() => kubeletCgroupDriver('kind: KubeletConfiguration\ncgroupDriver: system\n'));
    assert.deepEqual([bad.line, bad.column], [2, 14]);
    assert.match(bad.detail, /"system"; the kubelet knows only "systemd" and "cgroupfs"/);
  });

  it('given --cgroup-driver in kubeadm-flags.env, when read with the config, then the flag wins over the file', () => {
    const args = parseKubeadmFlagsEnv(fixture('kubeadm-flags-cgroupfs-resolv-conf-trailing-spaces.env'), FLAGS_FILE).args;
    const reading = readKubeletCgroupDriver(fixture('config-kthw-systemd-containerRuntimeEndpoint-failSwapOn-false.yaml'), { kubeletArgs: args, argsFile: FLAGS_FILE });
    assert.deepEqual(reading, { driver: 'cgroupfs', source: 'flag' });
    const none = parseKubeadmFlagsEnv(fixture('kubeadm-flags-kind-generated-v1.34.env'), FLAGS_FILE).args;
    assert.equal(readKubeletCgroupDriver(fixture('config-crio-endpoint-blank-lines.yaml'), { kubeletArgs: none }).source, 'config');
  });
});

// ---------------------------------------------------------------------------------------------

describe('readKubeletDropin', () => {
  for (const [name, want] of Object.entries(DROPIN_FIXTURES)) {
    it(`given ${name}, when read, then its environment files, ExecStart, removed flags and warnings are found`, () => {
      const d = readKubeletDropin(fixture(name), name);
      assert.equal(d.extraArgsFile, want.extraArgsFile);
      assert.equal(d.usesExtraArgs, want.usesExtraArgs);
      assert.equal(d.environmentFiles.length, want.envFiles);
      assert.deepEqual(d.removedFlags.map((f) => `${f.flag}@${f.removedIn}`), want.removed);
      assert.equal(d.warnings.length, want.warnings.length);
      want.warnings.forEach((re, i) => assert.match(`${d.warnings[i]!.line}: ${d.warnings[i]!.message}`, re));
    });
  }

  it('given the eksctl drop-in with a multi-line ExecStart, when read, then the continuation lines are one command and the flag line is where ExecStart starts', () => {
    const d = readKubeletDropin(fixture('10-eksctl-al2-dropin-multiline-execstart-container-runtime-docker.conf'), 'x');
    assert.equal(d.execStart?.words[0], '/usr/bin/kubelet');
    assert.equal(d.execStart?.words.at(-1), '--config=/etc/eksctl/kubelet.yaml');
    assert.equal(d.execStart?.line, 12);
    assert.ok(d.execStart?.words.includes('--container-runtime=docker'));
  });

  it('given the v1.8-era drop-in, when read, then the cgroup driver flag in Environment= is visible', () => {
    const d = readKubeletDropin(fixture('10-kubeadm-v1.8-era-cgroup-args-cadvisor.conf'), 'x');
    const cg = d.environment.find((e) => e.name === 'KUBELET_CGROUP_ARGS');
    assert.deepEqual(cg, { name: 'KUBELET_CGROUP_ARGS', value: '--cgroup-driver=systemd', line: 8 });
  });

  it('given an ExecStart reset without a new one, when read, then there is no ExecStart', () => {
    assert.equal(readKubeletDropin('[Service]\nExecStart=/usr/bin/kubelet $KUBELET_EXTRA_ARGS\nExecStart=\n', 'x').execStart, undefined);
  });
});
