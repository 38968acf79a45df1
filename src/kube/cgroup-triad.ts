// One cgroup driver for the whole node (case F1). Four places decide how a pod's cgroups are made:
// the kubelet (cgroupDriver), containerd's runc runtime (options.SystemdCgroup), containerd's runsc
// runtime (options.SystemdCgroup — what containerd's CRI reads for the runsc sandbox) and the runsc
// shim's own file (runsc.toml [runsc_config] systemd-cgroup — what runsc itself is started with).
// When they disagree, pods fail to start or land in cgroups the kubelet does not manage. The kubelet's
// driver wins: it is part of the cluster's configuration (kubeadm writes it at join), the other three
// are this node's and the wizard can change them. Pure: the caller reads the files.

import { readYamlDocuments, yamlGet, type YamlNode } from './manifests.js';

export type CgroupDriver = 'systemd' | 'cgroupfs';

export interface CgroupTriadInput {
  kubeletDriver: CgroupDriver;
  /** containerd …runtimes.runc.options.SystemdCgroup (undefined: not set, containerd's default false). */
  runcSystemdCgroup?: boolean;
  /** containerd …runtimes.runsc.options.SystemdCgroup (undefined: not set, false). */
  runscOptionsSystemdCgroup?: boolean;
  /**
   * runsc.toml [runsc_config] systemd-cgroup as found (undefined: not set, runsc's default false). The
   * shim reads runsc_config as strings (map[string]string), so a TOML boolean there is reported as wrong.
   */
  runscTomlSystemdCgroup?: string | boolean;
}

export type CgroupPlace = 'kubelet' | 'containerd-runc' | 'containerd-runsc' | 'runsc-toml';

export interface CgroupRow {
  id: CgroupPlace;
  /** Where the value lives, for the table shown before anything is written. */
  where: string;
  /** The value as found, in that place's own syntax ("(not set: false)" when absent). */
  current: string;
  /** The value that agrees with the kubelet, in the same syntax. */
  wanted: string;
  ok: boolean;
  /** Why it is not ok, beyond the value differing. */
  note?: string;
}

export interface CgroupTriad {
  /** true: everything should use systemd cgroups (the kubelet's driver is systemd). */
  wanted: boolean;
  rows: CgroupRow[];
  /** Every row ok. */
  ok: boolean;
}

/** runsc parses boolean flags with Go's strconv.ParseBool. */
function parseGoBool(s: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  return undefined;
}

function boolRow(id: CgroupPlace, where: string, value: boolean | undefined, wanted: boolean): CgroupRow {
  const effective = value ?? false;
  return {
    id,
    where,
    current: value === undefined ? '(not set: false)' : String(value),
    wanted: String(wanted),
    ok: effective === wanted,
  };
}

/**
 * The four cgroup settings side by side with the value each must have (the kubelet's driver wins),
 * to show before writing anything.
 */
export function cgroupTriad(input: CgroupTriadInput): CgroupTriad {
  const wanted = input.kubeletDriver === 'systemd';
  const rows: CgroupRow[] = [
    { id: 'kubelet', where: 'kubelet cgroupDriver (/var/lib/kubelet/config.yaml)', current: input.kubeletDriver, wanted: input.kubeletDriver, ok: true },
    boolRow('containerd-runc', 'containerd runtimes.runc.options SystemdCgroup', input.runcSystemdCgroup, wanted),
    boolRow('containerd-runsc', 'containerd runtimes.runsc.options SystemdCgroup', input.runscOptionsSystemdCgroup, wanted),
  ];
  const where = 'runsc.toml [runsc_config] systemd-cgroup';
  const t = input.runscTomlSystemdCgroup;
  if (t === undefined) {
    rows.push({ id: 'runsc-toml', where, current: '(not set: false)', wanted: JSON.stringify(String(wanted)), ok: !wanted });
  } else if (typeof t === 'boolean') {
    rows.push({
      id: 'runsc-toml',
      where,
      current: String(t),
      wanted: JSON.stringify(String(wanted)),
      ok: false,
      note: 'runsc_config values are flag strings (the shim decodes a map of strings): write it quoted',
    });
  } else {
    const parsed = parseGoBool(t);
    rows.push({
      id: 'runsc-toml',
      where,
      current: JSON.stringify(t),
      wanted: JSON.stringify(String(wanted)),
      ok: parsed === wanted,
      ...(parsed === undefined ? { note: `runsc does not read ${JSON.stringify(t)} as a boolean` } : {}),
    });
  }
  return { wanted, rows, ok: rows.every((r) => r.ok) };
}

export interface KubeletDriverFinding {
  driver: CgroupDriver;
  /** Where the driver came from: --cgroup-driver in kubeadm-flags.env wins over the config file. */
  source: 'flag' | 'config' | 'default';
  /** 1-based line in the file it came from (null for the default). */
  line: number | null;
}

/**
 * The kubelet's cgroup driver from its KubeletConfiguration (/var/lib/kubelet/config.yaml) and,
 * optionally, kubeadm-flags.env (a --cgroup-driver flag there overrides the file). Absent: cgroupfs,
 * the KubeletConfiguration default. Throws on a value that is neither systemd nor cgroupfs.
 */
export function kubeletCgroupDriver(configYaml: string | null, kubeadmFlagsEnv?: string | null): KubeletDriverFinding {
  const fromValue = (value: string, where: string): CgroupDriver => {
    if (value === 'systemd' || value === 'cgroupfs') return value;
    throw new Error(`${where}: cgroup driver ${JSON.stringify(value)} is neither "systemd" nor "cgroupfs"`);
  };
  if (kubeadmFlagsEnv) {
    const lines = kubeadmFlagsEnv.split(/\r?\n/);
    for (let i = lines.length - 1; i >= 0; i--) {
      const l = lines[i]!;
      if (l.trimStart().startsWith('#')) continue;
      const all = [...l.matchAll(/--cgroup-driver(?:=|\s+)["']?([A-Za-z]+)/g)];
      const last = all[all.length - 1];
      if (last) return { driver: fromValue(last[1]!, `kubeadm-flags.env line ${i + 1}`), source: 'flag', line: i + 1 };
    }
  }
  if (configYaml) {
    for (const doc of readYamlDocuments(configYaml)) {
      const kind = yamlGet(doc.root, ['kind']);
      if (!isScalar(kind) || kind.value !== 'KubeletConfiguration') continue;
      const d = yamlGet(doc.root, ['cgroupDriver']);
      if (isScalar(d)) return { driver: fromValue(d.value, `config line ${d.line}`), source: 'config', line: d.line };
    }
  }
  return { driver: 'cgroupfs', source: 'default', line: null };
}

const isScalar = (n: YamlNode | undefined): n is YamlNode & { kind: 'scalar' } => n?.kind === 'scalar';
