// Every known failure of the doctor, fed the real error text (as the tools print it; sources in
// src/doctor/known-failures.ts) or the real config files from ../shared, and near misses that must
// not match.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

import { parseTomlText } from '../../src/containerd/toml-parse.js';
import { execStartValues, splitExecLine } from '../../src/docker/daemon-process.js';
import { emptyEvidence, type Evidence } from '../../src/doctor/collect.js';
import { diagnose } from '../../src/doctor/doctor.js';
import { sharedDir } from '../helpers/paths.js';

const cases = (name: string) => readFileSync(join(sharedDir(), 'cases', name), 'utf8');
const fixture = (dir: string, name: string) => readFileSync(join(sharedDir(), 'fixtures', dir, name), 'utf8');

interface Given {
  containerdConfig?: string;
  /** The effective config; true: parse containerdConfig as containerd would print it. */
  dump?: Record<string, unknown> | true;
  containerdVersion?: string;
  runscVersion?: string;
  shim?: Partial<Evidence['containerd']['shim']>;
  daemonJson?: string;
  unit?: { source: string; argv: string[] };
  kubeletConfig?: string;
  kubeadmFlags?: string;
  runscToml?: string;
  logs?: string[];
}

/** An evidence set built from real file contents; anything not given is absent. */
function evidence(g: Given): Evidence {
  const e = emptyEvidence({ kernel: { release: '6.1.0-test' } });
  if (g.containerdConfig !== undefined) e.containerd.configFile.text = g.containerdConfig;
  if (g.dump) e.containerd.dump = { ok: true, config: g.dump === true ? parseTomlText(g.containerdConfig ?? '') : g.dump };
  e.containerd.version = g.containerdVersion ?? '1.6.20~ds1';
  e.containerd.servicePath = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
  // The runsc shim is where containerd finds it unless a test says otherwise.
  e.containerd.shim = { ...e.containerd.shim, foundAt: '/usr/local/bin/containerd-shim-runsc-v1', onServicePath: true, ...g.shim };
  if (g.runscVersion) e.runsc.installed = { path: '/usr/local/bin/runsc', version: g.runscVersion, probe: { argv: [], ok: true, exitCode: 0, stdout: '', stderr: '', timedOut: false } };
  if (g.daemonJson !== undefined) e.docker.daemonJson.text = g.daemonJson;
  if (g.unit) e.docker.unit = g.unit;
  if (g.kubeletConfig !== undefined) e.kubelet.config.text = g.kubeletConfig;
  if (g.kubeadmFlags !== undefined) e.kubelet.flags.text = g.kubeadmFlags;
  if (g.runscToml !== undefined) e.runsc.toml = { path: '/etc/containerd/runsc.toml', text: g.runscToml };
  if (g.logs) e.logs = [{ source: 'journalctl -u docker -u containerd -u kubelet', lines: g.logs }];
  return e;
}

const ids = (e: Evidence | undefined, text?: string) => diagnose(e, text).map((d) => d.id);
function only(e: Evidence | undefined, text: string | undefined, id: string) {
  const found = diagnose(e, text);
  assert.deepEqual(found.map((d) => d.id), [id]);
  return found[0]!;
}
const fixText = (d: { fix: string[] }) => d.fix.join('\n');

describe('doctor: old runsc on a new kernel (D4)', () => {
  // google/gvisor#11543, as podman printed it; docker wraps the same runsc text.
  const podman = 'starting container: setting up network: creating interfaces from net namespace "/proc/3194499/ns/net": cannot run with network enabled in root network namespace';
  it('names the cause from the runsc error and offers a newer runsc or --network=host', () => {
    const d = only(evidence({ runscVersion: '0.0~20221219.0' }), podman, 'runsc-root-netns');
    assert.match(d.evidence, /cannot run with network enabled/);
    assert.match(d.explanation, /0\.0~20221219\.0/);
    assert.match(fixText(d), /--release latest/);
    assert.match(fixText(d), /--network=host/);
  });
  it('finds it in the daemon log lines too', () => {
    const line = 'Jun 01 10:00:00 node dockerd[812]: time="..." level=error msg="Handler for POST /v1.43/containers/x/start returned error: OCI runtime start failed: starting container: setting up network: cannot run with network enabled in root network namespace: unknown"';
    assert.deepEqual(ids(evidence({ logs: [line] })), ['runsc-root-netns']);
  });
  it('does not match other network errors', () => {
    assert.deepEqual(ids(undefined, 'Error setting up network: malformed "ip route list default" output: ""'), []);
  });
});

describe('doctor: daemon.json key vs dockerd flag (A6)', () => {
  const unitText = cases('daemon-json-hosts-conflict.docker.service');
  const unit = { source: '/lib/systemd/system/docker.service', argv: splitExecLine(execStartValues(unitText).at(-1)!) };
  it('finds "hosts" in daemon.json against -H in the unit, before dockerd fails', () => {
    const d = only(evidence({ daemonJson: cases('daemon-json-hosts-conflict.json'), unit }), undefined, 'dockerd-flag-and-file');
    assert.match(d.cause, /"hosts" in \/etc\/docker\/daemon\.json and -H in \/lib\/systemd\/system\/docker\.service/);
    assert.match(fixText(d), /remove the key from \/etc\/docker\/daemon\.json/);
    assert.match(fixText(d), /drop-in/);
  });
  it("recognises dockerd's own error line", () => {
    // moby/moby#22339
    const line = 'dockerd[5375]: unable to configure the Docker daemon with file /etc/docker/daemon.json: the following directives are specified both as a flag and in the configuration file: hosts: (from flag: [fd://], from file: [unix:///var/run/docker.sock tcp://0.0.0.0:2375])';
    const d = only(evidence({ logs: [line] }), undefined, 'dockerd-flag-and-file');
    assert.match(d.cause, /"hosts"/);
  });
  it('says nothing when daemon.json and the flags set different things', () => {
    assert.deepEqual(ids(evidence({ daemonJson: '{ "live-restore": true }\n', unit })), []);
  });
});

describe('doctor: version 2 table in a version 3 file (B1)', () => {
  it('names the stray table and the version 3 layout', () => {
    const text = cases('containerd-v3-with-v2-runsc-table.toml');
    const d = only(evidence({ containerdConfig: text, dump: true, containerdVersion: '2.1.5' }), undefined, 'containerd-v2-table-in-v3');
    assert.match(d.evidence, /:22: \[plugins\."io\.containerd\.grpc\.v1\.cri"\.containerd\.runtimes\.runsc\]/);
    assert.match(fixText(d), /plugins\.'io\.containerd\.cri\.v1\.runtime'\.containerd\.runtimes\.runsc/);
  });
  it('leaves a clean version 3 file alone', () => {
    const text = fixture('containerd', 'default-2.1.5-built-from-tag.toml');
    assert.deepEqual(ids(evidence({ containerdConfig: text, dump: true, containerdVersion: '2.1.5' })), []);
  });
});

describe('doctor: short plugin names (B2)', () => {
  it('finds plugins.cri in a version 2 file, with its line', () => {
    const d = only(evidence({ containerdConfig: cases('containerd-v2-with-v1-short-name.toml') }), undefined, 'containerd-short-plugin-name');
    assert.match(d.cause, /:14:/);
    assert.match(fixText(d), /plugins\."io\.containerd\.grpc\.v1\.cri"/);
  });
  it("recognises containerd's refusal", () => {
    // kata-containers#4124, containerd 1.5/1.6
    const text = 'containerd: failed to load TOML from /etc/containerd/config.toml: invalid plugin key URI "cri" expect io.containerd.x.vx';
    const d = only(undefined, text, 'containerd-short-plugin-name');
    assert.match(d.cause, /"cri"/);
  });
  it('does not match a version 2 file with full plugin ids', () => {
    assert.deepEqual(ids(evidence({ containerdConfig: fixture('containerd', 'kthw-minimal-v2-systemdcgroup.toml'), dump: true })), []);
  });
});

describe('doctor: CRI plugin disabled (B3)', () => {
  it("finds docker's disabled_plugins = [\"cri\"]", () => {
    const d = only(evidence({ containerdConfig: cases('containerd-disabled-cri.toml') }), undefined, 'containerd-cri-disabled');
    assert.match(d.evidence, /disabled_plugins = \["cri"\]/);
    assert.match(fixText(d), /Remove "cri" from disabled_plugins/);
  });
  it('finds the full id in a version 2 file from the containerd.io package', () => {
    assert.deepEqual(ids(evidence({ containerdConfig: fixture('containerd', 'containerd.io-pkg-v2-disabled-cri-full-id.toml') })), ['containerd-cri-disabled']);
  });
  it('recognises crictl / kubeadm "unknown service runtime.v1.RuntimeService"', () => {
    // cri-tools#578 (v1alpha2), containerd#4581; v1 since Kubernetes 1.26
    for (const text of [
      'FATA[0000] getting status of runtime failed: rpc error: code = Unimplemented desc = unknown service runtime.v1alpha2.RuntimeService',
      '[ERROR CRI]: container runtime is not running: output: time="2024-02-01T10:00:00Z" level=fatal msg="validate service connection: validate CRI v1 runtime API for endpoint \\"unix:///var/run/containerd/containerd.sock\\": rpc error: code = Unimplemented desc = unknown service runtime.v1.RuntimeService"',
    ]) {
      assert.deepEqual(ids(undefined, text), ['containerd-cri-disabled'], text);
    }
  });
  it('does not match a commented-out disabled_plugins line', () => {
    assert.deepEqual(ids(evidence({ containerdConfig: fixture('containerd', 'default-1.6.x-edited-commented-disabled-plugins.toml') })), []);
  });
});

describe('doctor: imports replacing the CRI section (B6)', () => {
  const main = cases('containerd-imports-main.toml');
  it('the runtime is in the file but not in config dump', () => {
    // What containerd 1.6 prints: the drop-in's CRI section replaced the main file's.
    const dump = { version: 2, plugins: { 'io.containerd.grpc.v1.cri': { registry: { mirrors: { 'registry.example.internal': { endpoint: ['http://registry.example.internal'] } } } } } };
    const d = only(evidence({ containerdConfig: main, dump }), undefined, 'containerd-imports-replace-cri');
    assert.match(d.cause, /runtime "runsc" is in .*line 14.* missing from `containerd config dump`/);
    assert.match(fixText(d), /Move the CRI settings of the drop-in/);
  });
  it('says nothing when the dump still has the runtime', () => {
    assert.deepEqual(ids(evidence({ containerdConfig: main, dump: true })), []);
  });

  const containerd = ['/usr/bin/containerd', '/usr/local/bin/containerd'].find((p) => existsSync(p));
  const tmp: string[] = [];
  after(() => { for (const d of tmp) rmSync(d, { recursive: true, force: true }); });
  it('with the real containerd binary: its dump loses the runtime, and the doctor says why', { skip: containerd ? false : 'containerd is not installed' }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'gvw-doctor-'));
    tmp.push(dir);
    mkdirSync(join(dir, 'config.d'));
    writeFileSync(join(dir, 'config.d', 'registries.toml'), cases('containerd-imports-dropin-registries.toml'));
    const text = main.replace('/etc/containerd/config.d/*.toml', join(dir, 'config.d', '*.toml'));
    writeFileSync(join(dir, 'config.toml'), text);
    const version = /\s(\d+\.\d+\.\d+)/.exec(execFileSync(containerd!, ['--version'], { encoding: 'utf8' }))?.[1] ?? '';
    const dump = parseTomlText(execFileSync(containerd!, ['--config', join(dir, 'config.toml'), 'config', 'dump'], { encoding: 'utf8' }));
    const found = ids(evidence({ containerdConfig: text, dump, containerdVersion: version }));
    if (/^1\./.test(version)) assert.deepEqual(found, ['containerd-imports-replace-cri']);
    else assert.deepEqual(found, []); // containerd 2.x merges imports per key
  });
});

describe("doctor: shim not on containerd's PATH (C1)", () => {
  const runscShim = { plugins: { 'io.containerd.grpc.v1.cri': { containerd: { runtimes: { runsc: { runtime_type: 'io.containerd.runsc.v1' } } } } } };
  it("recognises containerd's error text", () => {
    // same text as flatcar#201 / kata-containers#9256, for the runsc shim
    const text = 'failed to create containerd task: failed to start shim: failed to resolve runtime path: runtime "io.containerd.runsc.v1" binary not installed "containerd-shim-runsc-v1": file does not exist: unknown';
    const d = only(undefined, text, 'shim-not-on-containerd-path');
    assert.match(fixText(d), /--install-dir \/usr\/local\/bin/);
    assert.match(fixText(d), /--shim runc/);
  });
  it('finds a shim installed outside containerd\'s PATH from the evidence', () => {
    const d = only(evidence({ dump: runscShim, shim: { foundAt: '/opt/gvisor/containerd-shim-runsc-v1', onServicePath: false } }), undefined, 'shim-not-on-containerd-path');
    assert.match(d.cause, /\/opt\/gvisor\/containerd-shim-runsc-v1 is not in a directory on containerd's PATH/);
  });
  it('does not match a missing runc shim, or a runsc shim on the PATH', () => {
    assert.deepEqual(ids(undefined, 'runtime "io.containerd.runc.v2" binary not installed "containerd-shim-runc-v2": file does not exist: unknown'), []);
    assert.deepEqual(ids(evidence({ dump: runscShim, shim: { foundAt: '/usr/local/bin/containerd-shim-runsc-v1', onServicePath: true }, runscVersion: 'release-20260105.0' })), []);
  });
});

describe('doctor: shim too new for containerd 1.6', () => {
  const runscShim = { plugins: { 'io.containerd.grpc.v1.cri': { containerd: { runtimes: { runsc: { runtime_type: 'io.containerd.runsc.v1' } } } } } };
  const onPath = { foundAt: '/usr/local/bin/containerd-shim-runsc-v1', onServicePath: true };
  it('containerd 1.6 with a 2026-05 shim (shimTooNewFor)', () => {
    const d = only(evidence({ dump: runscShim, shim: onPath, runscVersion: 'release-20260512.0' }), undefined, 'shim-too-new-for-containerd');
    assert.match(d.cause, /containerd 1\.6\.20~ds1 cannot run containerd-shim-runsc-v1 release-20260512\.0/);
    assert.match(fixText(d), /--shim runc/);
    assert.match(fixText(d), /--release 20260430/);
  });
  it("recognises containerd's \"unsupported shim version\" on containerd 1.x", () => {
    // containerd#10984: a newer shim protocol than the daemon speaks
    const text = 'failed to create containerd task: failed to start shim: start failed: unsupported shim version (3): not implemented';
    assert.deepEqual(ids(evidence({}), text), ['shim-too-new-for-containerd']);
  });
  it('not on containerd 1.7, nor with an older shim', () => {
    assert.deepEqual(ids(evidence({ dump: runscShim, shim: onPath, runscVersion: 'release-20260512.0', containerdVersion: '1.7.29' })), []);
    assert.deepEqual(ids(evidence({ dump: runscShim, shim: onPath, runscVersion: 'release-20260430.0' })), []);
  });
});

describe('doctor: RuntimeClass handler missing on the node (E6)', () => {
  // kubernetes/minikube#5463, containerd's log line
  const line = 'Sep 25 23:15:19 minikube containerd[1887]: time="2019-09-25T23:15:19.350689003Z" level=error msg="RunPodSandbox for &PodSandboxMetadata{Name:hello-node-959c7f7b7-njfxr,Namespace:default,Attempt:0,} failed, error" error="failed to get sandbox runtime: no runtime for \\"runsc\\" is configured"';
  it('names the handler and how to add it', () => {
    const d = only(evidence({ logs: [line], dump: { plugins: {} } }), undefined, 'runtimeclass-handler-missing');
    assert.match(d.cause, /no runtime named "runsc"/);
    assert.match(fixText(d), /--runtime-name runsc/);
  });
  it('says to restart containerd when the dump already has the runtime', () => {
    const dump = { plugins: { 'io.containerd.grpc.v1.cri': { containerd: { runtimes: { runsc: { runtime_type: 'io.containerd.runc.v2' } } } } } };
    const d = only(evidence({ dump }), 'failed to get sandbox runtime: no runtime for "runsc" is configured', 'runtimeclass-handler-missing');
    assert.match(fixText(d), /Restart containerd/);
  });
  it('does not match "RuntimeClass not found" (an API error, not the node)', () => {
    assert.deepEqual(ids(undefined, 'pods "nginx" is forbidden: pod rejected: RuntimeClass "gvisor" not found'), []);
  });
});

describe('doctor: kubelet talking to another runtime (E2)', () => {
  it('cri-dockerd in kubeadm-flags.env', () => {
    const d = only(evidence({ kubeadmFlags: fixture('kubelet', 'kubeadm-flags-cri-dockerd-duplicated-endpoint.env'), kubeletConfig: '' }), undefined, 'kubelet-other-runtime');
    assert.match(d.cause, /unix:\/\/\/var\/run\/cri-dockerd\.sock \(cri-dockerd/);
    assert.match(fixText(d), /--container-runtime-endpoint=unix:\/\/\/run\/containerd\/containerd\.sock/);
  });
  it('CRI-O in the KubeletConfiguration', () => {
    const d = only(evidence({ kubeletConfig: fixture('kubelet', 'config-crio-endpoint-blank-lines.yaml') }), undefined, 'kubelet-other-runtime');
    assert.match(d.cause, /CRI-O/);
    assert.match(d.evidence, /config\.yaml:7: unix:\/\/\/var\/run\/crio\/crio\.sock/);
  });
  it("says nothing when the kubelet uses containerd's socket (/var/run or /run)", () => {
    assert.deepEqual(ids(evidence({ kubeletConfig: fixture('kubelet', 'config-kthw-systemd-containerRuntimeEndpoint-failSwapOn-false.yaml'), containerdConfig: fixture('containerd', 'kthw-minimal-v2-systemdcgroup.toml'), dump: true })), []);
  });
});

describe('doctor: cgroup driver mismatch (F1)', () => {
  it('kubelet cgroupfs, runsc options and runsc.toml systemd', () => {
    const d = only(evidence({
      kubeletConfig: cases('runsc-cgroup-mismatch.kubelet-config.yaml'),
      containerdConfig: cases('runsc-cgroup-mismatch.containerd-excerpt.toml'),
      dump: true,
      runscToml: cases('runsc-cgroup-mismatch.runsc.toml'),
    }), undefined, 'cgroup-driver-mismatch');
    assert.match(d.cause, /kubelet uses cgroupfs cgroups/);
    assert.match(d.cause, /runtimes\.runsc\.options SystemdCgroup is true/);
    assert.match(d.cause, /runsc\.toml \[runsc_config\] systemd-cgroup is "true"/);
    assert.match(fixText(d), /SystemdCgroup → false/);
    assert.match(fixText(d), /--kubernetes/);
  });
  it('recognises the runtime and kubelet error texts', () => {
    for (const text of [
      // dragonflyoss/nydus#150 (runc via containerd)
      'FATA[0000] run pod sandbox: rpc error: code = Unknown desc = failed to create containerd task: OCI runtime create failed: expected cgroupsPath to be of format "slice:prefix:name" for systemd cgroups, got "/k8s.io/769b91ee7615" instead: unknown',
      // kubernetes/kubernetes#43805
      'failed to run Kubelet: failed to create kubelet: misconfiguration: kubelet cgroup driver: "systemd" is different from docker cgroup driver: "cgroupfs"',
      // google/gvisor#13258
      'cannot set up cgroup for root: invalid systemd path: "/kubepods/burstable/pod1234"',
    ]) {
      assert.deepEqual(ids(undefined, text), ['cgroup-driver-mismatch'], text);
    }
  });
  it('says nothing when all agree on systemd', () => {
    const containerdConfig = `${fixture('containerd', 'kthw-minimal-v2-systemdcgroup.toml')}\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runsc]\n  runtime_type = "io.containerd.runsc.v1"\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runsc.options]\n  ConfigPath = "/etc/containerd/runsc.toml"\n  SystemdCgroup = true\n`;
    const e = evidence({ kubeletConfig: fixture('kubelet', 'config-kthw-systemd-containerRuntimeEndpoint-failSwapOn-false.yaml'), containerdConfig, dump: true, runscToml: '[runsc_config]\n  systemd-cgroup = "true"\n', shim: { foundAt: '/usr/local/bin/containerd-shim-runsc-v1', onServicePath: true } });
    assert.deepEqual(ids(e), []);
  });
});

describe('doctor: expired join token (E3)', () => {
  const text = 'error execution phase preflight: couldn\'t validate the identity of the API Server: could not find a JWS signature in the cluster-info ConfigMap for token ID "abcdef"';
  it('tells to create a new join command, without the token id', () => {
    const d = only(undefined, text, 'join-token-expired');
    assert.match(fixText(d), /kubeadm token create --print-join-command/);
    assert.doesNotMatch(d.evidence, /abcdef/);
  });
  it('does not match a wrong CA hash', () => {
    assert.deepEqual(ids(undefined, 'error execution phase preflight: couldn\'t validate the identity of the API Server: cluster CA found in cluster-info ConfigMap is invalid: none of the public keys "sha256:aaaa" are pinned'), []);
  });
});

describe('doctor: a healthy machine', () => {
  it('a docker node with runsc configured and a clean containerd config gives no diagnosis', () => {
    const e = evidence({
      daemonJson: '{\n  "runtimes": { "runsc": { "path": "/usr/local/bin/runsc" } }\n}\n',
      unit: { source: '/lib/systemd/system/docker.service', argv: ['/usr/bin/dockerd', '-H', 'fd://', '--containerd=/run/containerd/containerd.sock'] },
      containerdConfig: fixture('containerd', 'default-1.6.20-debian.toml'),
      dump: true,
      runscVersion: 'release-20260105.0',
      logs: ['Jun 01 10:00:00 node dockerd[812]: time="..." level=info msg="API listen on /run/docker.sock"'],
    });
    assert.deepEqual(diagnose(e), []);
  });
  it('an empty evidence set (nothing installed) gives no diagnosis', () => {
    assert.deepEqual(diagnose(emptyEvidence()), []);
    assert.deepEqual(diagnose(undefined, ''), []);
  });
});
