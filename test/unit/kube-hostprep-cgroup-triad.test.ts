import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import TOML from '@iarna/toml';

import { cgroupTriad, kubeletCgroupDriver } from '../../src/kube/cgroup-triad.js';
import { sharedDir } from '../helpers/paths.js';

const caseFile = (name: string): string => readFileSync(join(sharedDir(), 'cases', name), 'utf8');
const kubeletDir = join(sharedDir(), 'fixtures', 'kubelet');
const kubeletFixture = (name: string): string => readFileSync(join(kubeletDir, name), 'utf8');

type Table = Record<string, unknown>;
const at = (v: unknown, path: string[]): unknown => path.reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Table)[k] : undefined), v);
const CRI_RUNTIMES = ['plugins', 'io.containerd.grpc.v1.cri', 'containerd', 'runtimes'];

describe('cgroupTriad (case F1)', () => {
  it('given the mismatch case (kubelet cgroupfs, runc false, runsc options true, runsc.toml "true"), when compared, then the kubelet wins and the two runsc values are wrong', () => {
    const kubelet = kubeletCgroupDriver(caseFile('runsc-cgroup-mismatch.kubelet-config.yaml'));
    assert.deepEqual(kubelet, { driver: 'cgroupfs', source: 'config', line: 4 });

    const containerd = TOML.parse(caseFile('runsc-cgroup-mismatch.containerd-excerpt.toml'));
    const runsc = TOML.parse(caseFile('runsc-cgroup-mismatch.runsc.toml'));
    const triad = cgroupTriad({
      kubeletDriver: kubelet.driver,
      runcSystemdCgroup: at(containerd, [...CRI_RUNTIMES, 'runc', 'options', 'SystemdCgroup']) as boolean,
      runscOptionsSystemdCgroup: at(containerd, [...CRI_RUNTIMES, 'runsc', 'options', 'SystemdCgroup']) as boolean,
      runscTomlSystemdCgroup: at(runsc, ['runsc_config', 'systemd-cgroup']) as string,
    });

    assert.equal(triad.wanted, false);
    assert.equal(triad.ok, false);
    assert.deepEqual(
      triad.rows.map((r) => [r.id, r.current, r.wanted, r.ok]),
      [
        ['kubelet', 'cgroupfs', 'cgroupfs', true],
        ['containerd-runc', 'false', 'false', true],
        ['containerd-runsc', 'true', 'false', false],
        ['runsc-toml', '"true"', '"false"', false],
      ],
    );
    for (const r of triad.rows) assert.ok(r.where.length > 0);
  });

  it('given a systemd kubelet with nothing set elsewhere, when compared, then the three unset values (false by default) are all wrong', () => {
    const triad = cgroupTriad({ kubeletDriver: 'systemd' });
    assert.equal(triad.wanted, true);
    assert.deepEqual(triad.rows.map((r) => [r.current, r.ok]), [['systemd', true], ['(not set: false)', false], ['(not set: false)', false], ['(not set: false)', false]]);
  });

  it('given a cgroupfs kubelet with nothing set elsewhere, when compared, then everything agrees', () => {
    assert.equal(cgroupTriad({ kubeletDriver: 'cgroupfs' }).ok, true);
  });

  it('given everything on systemd, with runsc.toml spelling true as "True", when compared, then all rows are ok', () => {
    const triad = cgroupTriad({ kubeletDriver: 'systemd', runcSystemdCgroup: true, runscOptionsSystemdCgroup: true, runscTomlSystemdCgroup: 'True' });
    assert.equal(triad.ok, true);
  });

  it('given runsc.toml with a TOML boolean or a word runsc cannot read, when compared, then the row is wrong and says why', () => {
    const bool = cgroupTriad({ kubeletDriver: 'systemd', runcSystemdCgroup: true, runscOptionsSystemdCgroup: true, runscTomlSystemdCgroup: true }).rows[3]!;
    assert.equal(bool.ok, false);
    assert.match(bool.note!, /flag strings/);
    const word = cgroupTriad({ kubeletDriver: 'systemd', runscTomlSystemdCgroup: 'yes' }).rows[3]!;
    assert.equal(word.ok, false);
    assert.match(word.note!, /does not read "yes" as a boolean/);
  });
});

describe('kubeletCgroupDriver', () => {
  it('given kubelet config fixtures, when read, then the driver (or the cgroupfs default) comes out', () => {
    assert.equal(kubeletCgroupDriver(kubeletFixture('config-kthw-systemd-containerRuntimeEndpoint-failSwapOn-false.yaml')).driver, 'systemd');
    assert.equal(kubeletCgroupDriver(kubeletFixture('config-kubeadm-generated-cgroupfs-no-runtime-endpoint.yaml')).driver, 'cgroupfs');
    assert.deepEqual(kubeletCgroupDriver('apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n'), { driver: 'cgroupfs', source: 'default', line: null });
    assert.deepEqual(kubeletCgroupDriver(null), { driver: 'cgroupfs', source: 'default', line: null });
  });

  it('given a --cgroup-driver flag in kubeadm-flags.env, when read with a config file that disagrees, then the flag wins', () => {
    const flags = kubeletFixture('kubeadm-flags-cgroupfs-resolv-conf-trailing-spaces.env');
    const r = kubeletCgroupDriver(kubeletFixture('config-kthw-systemd-containerRuntimeEndpoint-failSwapOn-false.yaml'), flags);
    assert.equal(r.driver, 'cgroupfs');
    assert.equal(r.source, 'flag');
  });

  it('given a driver that is neither systemd nor cgroupfs, when read, then it is refused', () => {
    assert.throws(() => kubeletCgroupDriver('kind: KubeletConfiguration\ncgroupDriver: systemD\n'), /neither "systemd" nor "cgroupfs"/);
  });
});
