// The failures people actually hit installing gVisor, each recognised from the error text the
// tools print or from the collected configs, with its cause and fix. Detectors that already exist
// elsewhere in the wizard are called here, not copied: the containerd config analysis (B1 B2 B3 B6),
// dockerd's flag conflicts (A6), the check's start-failure explanations (D4), the join failure
// explanations (E3) and the cgroup triad (F1).
//
// Where each quoted error text comes from (as the tools print it):
//  - runsc: "cannot run with network enabled in root network namespace" (google/gvisor#11543; case D4)
//  - dockerd: "unable to configure the Docker daemon with file /etc/docker/daemon.json: the following
//    directives are specified both as a flag and in the configuration file: hosts: (from flag: [fd://],
//    from file: [...])" (moby/moby#22339, #25471, docker/docs#5223)
//  - containerd: "failed to load TOML from /etc/containerd/config.toml: invalid plugin key URI "cri"
//    expect io.containerd.x.vx" (kata-containers#4124, #7311)
//  - crictl / kubeadm / kubelet against a containerd without CRI: "rpc error: code = Unimplemented desc =
//    unknown service runtime.v1.RuntimeService" (v1alpha2 before 1.26; containerd#4581, cri-tools#578)
//  - containerd: "runtime "io.containerd.runsc.v1" binary not installed "containerd-shim-runsc-v1": file
//    does not exist: unknown" (same text for every shim: flatcar#201, kata-containers#9256)
//  - containerd 1.x with a shim of protocol version 3: "failed to start shim: start failed: unsupported
//    shim version (3): not implemented" (containerd#10984)
//  - containerd CRI: "failed to get sandbox runtime: no runtime for "runsc" is configured" (minikube#5463,
//    kata-containers#10914)
//  - runc: "expected cgroupsPath to be of format "slice:prefix:name" for systemd cgroups, got "/k8s.io/..."
//    instead" (dragonflyoss/nydus#150); runsc: "cannot set up cgroup for root: invalid systemd path"
//    (google/gvisor#13258); kubelet: "misconfiguration: kubelet cgroup driver: "systemd" is different from
//    docker cgroup driver: "cgroupfs"" (kubernetes#43805, #89682)
//  - kubeadm join: "could not find a JWS signature in the cluster-info ConfigMap for token ID "abcdef""
//    (recognised by src/kube/join.ts explainJoinFailure)

import { explainKnownStartFailure, ROOT_NETNS_ERROR } from '../check/evidence.js';
import { analyseContainerdConfig, type ConfigAnalysis, type ProblemKind } from '../containerd/config-toml.js';
import { runtimeEntry } from '../containerd/ctr.js';
import { shimTooNewFor } from '../containerd/shim.js';
import { parseDaemonJson } from '../docker/daemon-json.js';
import { findFlagConflicts } from '../docker/daemon-process.js';
import { cgroupTriad } from '../kube/cgroup-triad.js';
import { explainJoinFailure } from '../kube/join.js';
import { parseEnvFile, parseKubeadmFlagsEnv, readKubeletCgroupDriver } from '../kube/kubelet-args.js';
import { readYamlDocuments, yamlGet } from '../kube/manifests.js';
import { parseTomlText } from '../containerd/toml-parse.js';
import type { Evidence } from './collect.js';

export interface Diagnosis {
  id: string;
  title: string;
  /** One line: what is wrong. */
  cause: string;
  /** Why it breaks things. */
  explanation: string;
  /** What to do, in order. */
  fix: string[];
  /** The matched log line, error text or config fact. */
  evidence: string;
}

/** What a known failure looks at: the collected evidence and every error text seen (logs, probes, a failed step). */
export interface Seen {
  evidence: Evidence;
  /** Log lines, probe errors and the failing step's text, one line each. */
  lines: string[];
}

export interface KnownFailure {
  id: string;
  title: string;
  match(seen: Seen): Diagnosis | undefined;
}

const MAX_EVIDENCE = 400;

/** The first line matching `re`, trimmed and shortened to something printable. */
export function lineMatching(lines: readonly string[], re: RegExp): { line: string; match: RegExpExecArray } | undefined {
  for (const l of lines) {
    const m = re.exec(l);
    if (m) {
      const t = l.trim();
      return { line: t.length > MAX_EVIDENCE ? `${t.slice(0, MAX_EVIDENCE)}…` : t, match: m };
    }
  }
  return undefined;
}

/** The containerd config file as the wizard's analysis reads it (undefined when absent or not TOML). */
function analysis(e: Evidence): ConfigAnalysis | undefined {
  const f = e.containerd.configFile;
  if (f.text === null) return undefined;
  try {
    return analyseContainerdConfig(f.text, f.path);
  } catch {
    return undefined; // invalid TOML: containerd's own error (in the dump) says where
  }
}

function problemsOf(e: Evidence, kinds: ProblemKind[]): ConfigAnalysis['problems'] {
  return analysis(e)?.problems.filter((p) => kinds.includes(p.kind)) ?? [];
}

const dumpConfig = (e: Evidence): Record<string, unknown> | undefined => (e.containerd.dump?.ok ? e.containerd.dump.config : undefined);

// ---- D4: old runsc on a new kernel ---------------------------------------------------------------

const rootNetns: KnownFailure = {
  id: 'runsc-root-netns',
  title: 'old runsc on a new kernel (network namespace)',
  match({ lines, evidence }) {
    const hit = lineMatching(lines, new RegExp(ROOT_NETNS_ERROR.replace(/ /g, '\\s+')));
    if (!hit) return undefined;
    const p = explainKnownStartFailure(ROOT_NETNS_ERROR)!;
    const v = evidence.runsc.installed?.version ?? evidence.runsc.onPath?.version;
    return {
      id: this.id,
      title: this.title,
      cause: p.what,
      explanation: `${p.why}${v ? ` (runsc here: ${v}, kernel ${evidence.kernel.release ?? 'unknown'})` : ''}`,
      fix: [
        'Install a newer runsc: gvisor-wizard apply --release latest (the official bucket, or --mirror / --from-dir).',
        'Or, knowingly, pass --runtime-arg=--network=host (the sandbox shares the host network stack: syscalls stay isolated, the network does not) or --runtime-arg=--network=none (no network), then rerun configure, reload and the check.',
      ],
      evidence: hit.line,
    };
  },
};

// ---- A6: daemon.json key vs dockerd flag -------------------------------------------------------

const DOCKERD_CONFLICT = /the following directives are specified both as a flag and in the configuration file(?::\s*([\w-]+))?/;

const dockerdFlagAndFile: KnownFailure = {
  id: 'dockerd-flag-and-file',
  title: 'daemon.json key repeats a dockerd flag',
  match({ lines, evidence }) {
    const d = evidence.docker;
    let keys: string[] = [];
    try {
      if (d.daemonJson.text !== null) keys = Object.keys(parseDaemonJson(d.daemonJson.text, d.daemonJson.path).value);
    } catch {
      // Invalid JSON is another failure; the flag check needs the keys.
    }
    const sources = [...(d.daemon ? [{ source: `running dockerd (pid ${d.daemon.pid ?? '?'})`, argv: d.daemon.argv }] : []), ...(d.unit ? [d.unit] : [])];
    const conflicts = findFlagConflicts(keys, sources);
    const hit = lineMatching(lines, DOCKERD_CONFLICT);
    if (!hit && conflicts.length === 0) return undefined;
    const list = conflicts.length
      ? conflicts.map((c) => `"${c.key}" in ${d.daemonJson.path} and ${c.flag} in ${c.source}`).join('; ')
      : `"${hit!.match[1] ?? 'a setting'}" (see the log line)`;
    const fromUnit = conflicts.some((c) => /\.(service|conf)$/.test(c.source));
    return {
      id: this.id,
      title: this.title,
      cause: `a setting is given both in daemon.json and as a dockerd flag: ${list}`,
      explanation: 'dockerd refuses to start when a daemon.json key repeats a command-line flag ("the following directives are specified both as a flag and in the configuration file"); a reload or restart after editing daemon.json then leaves docker down.',
      fix: [
        `Keep each setting in one place: remove the key from ${d.daemonJson.path}${fromUnit ? ', or override ExecStart in a drop-in (systemctl edit docker) without the flag' : ', or start dockerd without that flag'}.`,
        'Then start docker again (systemctl restart docker) and rerun the wizard.',
      ],
      evidence: hit?.line ?? list,
    };
  },
};

// ---- B1: version 2 table in a version 3 file -----------------------------------------------------

const v2TableInV3: KnownFailure = {
  id: 'containerd-v2-table-in-v3',
  title: 'version 2 table in a version 3 containerd config',
  match({ evidence }) {
    const a = analysis(evidence);
    if (a?.version !== 3) return undefined;
    const p = a.problems.find((x) => x.kind === 'runtime-wrong-schema' || x.kind === 'v2-cri-table-in-v3');
    if (!p) return undefined;
    return {
      id: this.id,
      title: this.title,
      cause: `${a.file}:${p.line}: a plugins."io.containerd.grpc.v1.cri" table in a "version = 3" file`,
      explanation: `${p.message}. containerd loads the file without a word, so the runtime written there does not exist for it.`,
      fix: [
        `Move the table to the version 3 layout: plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.${evidence.runtimeName} (runtime_type and options unchanged), and delete the stray one at line ${p.line}.`,
        'Or rerun the configure step: it writes the version 3 table and reports the stray one. Then restart containerd.',
      ],
      evidence: `${a.file}:${p.line}: ${a.headers.find((h) => h.line === p.line)?.text ?? p.message}`,
    };
  },
};

// ---- B2: short plugin names --------------------------------------------------------------------

const SHORT_NAME_ERROR = /invalid (?:plugin key|disabled plugin|required plugin) URI "([^"]+)" expect io\.containerd\.x\.vx/;

const shortPluginName: KnownFailure = {
  id: 'containerd-short-plugin-name',
  title: 'short plugin name (plugins.cri) in a version 2/3 file',
  match({ lines, evidence }) {
    const hit = lineMatching(lines, SHORT_NAME_ERROR);
    const p = problemsOf(evidence, ['short-plugin-name'])[0];
    if (!hit && !p) return undefined;
    const file = evidence.containerd.configFile.path;
    return {
      id: this.id,
      title: this.title,
      cause: p ? `${file}:${p.line}: ${p.message.split(':')[0]}` : `containerd refuses its config: short plugin name "${hit!.match[1]}"`,
      explanation: 'Version 1 plugin names such as plugins.cri (from old quick-starts) are not valid in a version 2 or 3 file: containerd 1.x refuses to load the whole file ("invalid plugin key URI ... expect io.containerd.x.vx"), so containerd does not start at all.',
      fix: [
        `Rename the table to its full id: plugins."io.containerd.grpc.v1.cri" in a version 2 file (plugins.'io.containerd.cri.v1.runtime' for runtimes in version 3)${p ? ` at line ${p.line} of ${file}` : ''}.`,
        'Check with `containerd --config FILE config dump`, then restart containerd and rerun the wizard.',
      ],
      evidence: hit?.line ?? `${file}:${p!.line}: ${p!.message}`,
    };
  },
};

// ---- B3: CRI plugin disabled -------------------------------------------------------------------

const NO_CRI_SERVICE = /unknown service runtime\.v1(?:alpha2)?\.(?:RuntimeService|ImageService)/;
const CRI_IDS = ['cri', 'io.containerd.grpc.v1.cri', 'io.containerd.cri.v1.runtime', 'io.containerd.cri.v1.images'];

const criDisabled: KnownFailure = {
  id: 'containerd-cri-disabled',
  title: 'CRI plugin disabled in containerd',
  match({ lines, evidence }) {
    const hit = lineMatching(lines, NO_CRI_SERVICE);
    const p = problemsOf(evidence, ['cri-disabled'])[0];
    const dumped = dumpConfig(evidence)?.disabled_plugins;
    const inDump = Array.isArray(dumped) ? dumped.map(String).filter((x) => CRI_IDS.includes(x)) : [];
    if (!hit && !p && inDump.length === 0) return undefined;
    const file = evidence.containerd.configFile.path;
    return {
      id: this.id,
      title: this.title,
      cause: p ? `${file}:${p.line}: disabled_plugins turns off the CRI plugin` : inDump.length ? `containerd's effective config disables ${inDump.join(', ')}` : 'containerd answers without its CRI service',
      explanation: 'Docker\'s containerd.io package ships disabled_plugins = ["cri"]. Without the CRI plugin the kubelet, kubeadm and crictl get "unknown service runtime.v1.RuntimeService", and no CRI runtime (runsc included) takes effect.',
      fix: [
        `Remove "cri" from disabled_plugins in ${file} (keep the other entries), then restart containerd (systemctl restart containerd).`,
        'On the Kubernetes path the wizard does this itself: gvisor-wizard apply --runtime containerd --kubernetes.',
      ],
      evidence: hit?.line ?? (p ? `${file}:${p.line}: disabled_plugins = ${JSON.stringify(analysis(evidence)?.disabledPlugins?.value ?? [])}` : `config dump: disabled_plugins = ${JSON.stringify(dumped)}`),
    };
  },
};

// ---- B6: imports replacing the CRI section -----------------------------------------------------

const importsReplaceCri: KnownFailure = {
  id: 'containerd-imports-replace-cri',
  title: 'an imported drop-in replaces the CRI section',
  match({ evidence }) {
    const a = analysis(evidence);
    const dump = dumpConfig(evidence);
    const name = evidence.runtimeName;
    if (!a || a.imports.length === 0 || !dump) return undefined;
    const inFile = a.runtimes.find((r) => r.name === name);
    if (!inFile || runtimeEntry(dump, name)) return undefined;
    return {
      id: this.id,
      title: this.title,
      cause: `runtime "${name}" is in ${a.file} (line ${inFile.line}) but missing from \`containerd config dump\``,
      explanation: `The file imports ${a.imports.map((i) => JSON.stringify(i)).join(', ')}. On containerd < 2.0 an imported file that touches the CRI plugin replaces that plugin's whole section, so the runtime silently vanishes (containerd ${evidence.containerd.version ?? 'version unknown'}).`,
      fix: [
        'Move the CRI settings of the drop-in (for example its registry tables) into the main file, or put the runtime table into that drop-in, so one file holds the whole CRI section.',
        'Check that `containerd config dump` lists the runtime, then restart containerd. containerd 2.0 merges imports per key instead.',
      ],
      evidence: `${a.file}:${inFile.line}: runtimes.${name} present; config dump: no runtimes.${name}`,
    };
  },
};

// ---- C1: shim not on containerd's PATH -----------------------------------------------------------

const SHIM_MISSING = /binary not installed "containerd-shim-runsc-v1"/;

function usesRunscShim(e: Evidence): boolean {
  return runtimeEntry(dumpConfig(e), e.runtimeName)?.runtimeType === 'io.containerd.runsc.v1';
}

const shimNotOnPath: KnownFailure = {
  id: 'shim-not-on-containerd-path',
  title: "runsc shim not on containerd's PATH",
  match({ lines, evidence }) {
    const hit = lineMatching(lines, SHIM_MISSING);
    const { shim, servicePath } = evidence.containerd;
    const missing = usesRunscShim(evidence) && !shim.onServicePath;
    if (!hit && !missing) return undefined;
    return {
      id: this.id,
      title: this.title,
      cause: shim.foundAt ? `${shim.foundAt} is not in a directory on containerd's PATH` : `${shim.name} is not installed where containerd looks`,
      explanation: `runtime_type "io.containerd.runsc.v1" makes containerd start a binary named ${shim.name}, looked up on containerd's own PATH (${servicePath.join(':') || 'the service PATH'}), not the operator's shell PATH. Debian's runsc package ships no shim.`,
      fix: [
        `Install ${shim.name} into a directory on that PATH (for example /usr/local/bin): gvisor-wizard apply --runtime containerd --install-dir /usr/local/bin.`,
        "Or use containerd's runc shim with runsc: gvisor-wizard apply --runtime containerd --shim runc. Then restart containerd.",
      ],
      evidence: hit?.line ?? `config dump: runtime_type io.containerd.runsc.v1; ${shim.foundAt ? `found at ${shim.foundAt}` : 'shim not found'}; containerd PATH ${servicePath.join(':')}`,
    };
  },
};

// ---- shim too new for containerd 1.6 ---------------------------------------------------------

const SHIM_PROTOCOL_TOO_NEW = /unsupported shim version \((\d+)\)/;

/** "release-20260512.0" → "20260512.0" (what parseRelease takes); Debian's "0.0~20221219.0" too. */
function releaseOf(version: string | undefined): string | undefined {
  return /(\d{8}(?:\.\d+)?)/.exec(version ?? '')?.[1];
}

const shimTooNew: KnownFailure = {
  id: 'shim-too-new-for-containerd',
  title: 'runsc shim too new for containerd 1.6',
  match({ lines, evidence }) {
    const c = evidence.containerd;
    const hit = /^1\./.test(c.version ?? '1.') ? lineMatching(lines, SHIM_PROTOCOL_TOO_NEW) : undefined;
    const runscVersion = evidence.runsc.installed?.version ?? evidence.runsc.onPath?.version;
    const release = releaseOf(runscVersion);
    const byVersion = usesRunscShim(evidence) && c.shim.onServicePath && release !== undefined && shimTooNewFor(c.version, release);
    if (!hit && !byVersion) return undefined;
    return {
      id: this.id,
      title: this.title,
      cause: `containerd ${c.version ?? '1.x'} cannot run ${c.shim.name} ${runscVersion ?? '(a 2026-05 or later release)'}`,
      explanation: `${c.shim.name} releases from 2026-05 on speak a newer shim protocol than containerd 1.6 understands ("unsupported shim version"): every runsc container fails to start.`,
      fix: [
        'Use containerd\'s runc shim with runsc: gvisor-wizard apply --runtime containerd --shim runc.',
        'Or pin an older release: gvisor-wizard apply --runtime containerd --release 20260430; or upgrade containerd to 1.7 or later.',
      ],
      evidence: hit?.line ?? `containerd ${c.version}, runsc ${runscVersion}, runtime_type io.containerd.runsc.v1`,
    };
  },
};

// ---- E6: RuntimeClass handler missing on the node ---------------------------------------------

const NO_RUNTIME = /no runtime for \\?"([^"\\]+)\\?" is configured/;

const handlerMissing: KnownFailure = {
  id: 'runtimeclass-handler-missing',
  title: 'RuntimeClass handler missing on the node',
  match({ lines, evidence }) {
    const hit = lineMatching(lines, NO_RUNTIME);
    if (!hit) return undefined;
    const handler = hit.match[1]!;
    const dump = dumpConfig(evidence);
    const present = runtimeEntry(dump, handler);
    return {
      id: this.id,
      title: this.title,
      cause: `containerd on this node has no runtime named "${handler}" (the RuntimeClass handler)`,
      explanation: `A pod's RuntimeClass names a handler; containerd's CRI plugin looks it up among its runtimes. ${dump ? (present ? `The config dump now lists ${present.table}: containerd was not restarted since it was added.` : `\`containerd config dump\` has no runtimes.${handler}.`) : ''}`.trim(),
      fix: present
        ? ['Restart containerd (systemctl restart containerd) so it reads the runtime, then recreate the pod.']
        : [
            `Add the runtime "${handler}" to containerd on this node: gvisor-wizard apply --runtime containerd --runtime-name ${handler}, then restart containerd.`,
            'Or fix the RuntimeClass handler to the runtime name containerd has, and make sure the pod only lands on nodes that have it (scheduling.nodeSelector).',
          ],
      evidence: hit.line,
    };
  },
};

// ---- E2: kubelet talking to another runtime -------------------------------------------------------

/** The kubelet's --container-runtime-endpoint (flags beat the config file), with where it was found. */
export function kubeletEndpoint(e: Evidence): { endpoint: string; where: string } | undefined {
  const { flags, defaults, config } = e.kubelet;
  if (flags.text !== null) {
    try {
      const f = parseKubeadmFlagsEnv(flags.text, flags.path).flags.filter((x) => x.name === 'container-runtime-endpoint' && x.value).at(-1);
      if (f) return { endpoint: f.value!, where: `${flags.path}:${f.line}` };
    } catch {
      // An unreadable file: the config file may still say.
    }
  }
  if (defaults.text !== null) {
    try {
      for (const a of parseEnvFile(defaults.text, defaults.path).assignments.filter((x) => x.name === 'KUBELET_EXTRA_ARGS').reverse()) {
        const m = [...a.value.matchAll(/--container-runtime-endpoint(?:=|\s+)["']?([^\s"']+)/g)].at(-1);
        if (m) return { endpoint: m[1]!, where: `${defaults.path}:${a.line}` };
      }
    } catch {
      // As above.
    }
  }
  if (config.text !== null) {
    try {
      for (const doc of readYamlDocuments(config.text)) {
        const n = yamlGet(doc.root, ['containerRuntimeEndpoint']);
        if (n?.kind === 'scalar' && n.value) return { endpoint: n.value, where: `${config.path}:${n.line}` };
      }
    } catch {
      // Not YAML the reader knows: say nothing rather than guess.
    }
  }
  return undefined;
}

const socketPath = (s: string) => s.replace(/^unix:\/\//, '').replace(/^\/var\/run\//, '/run/');

const kubeletOtherRuntime: KnownFailure = {
  id: 'kubelet-other-runtime',
  title: 'kubelet talks to another container runtime',
  match({ evidence }) {
    const found = kubeletEndpoint(evidence);
    if (!found) return undefined;
    const want = evidence.containerd.socket;
    if (socketPath(found.endpoint) === socketPath(want)) return undefined;
    const which = /cri-dockerd/.test(found.endpoint) ? 'cri-dockerd (docker)' : /crio/.test(found.endpoint) ? 'CRI-O' : 'another runtime';
    return {
      id: this.id,
      title: this.title,
      cause: `the kubelet uses ${found.endpoint} (${which}), not containerd's ${want}`,
      explanation: 'The RuntimeClass handler and the runsc runtime live in containerd; a kubelet connected to another CRI socket never asks containerd, so gVisor pods fail ("no runtime ... is configured" or handler not supported) or run elsewhere.',
      fix: [
        `Point the kubelet at containerd: --container-runtime-endpoint=unix://${socketPath(want)} (at ${found.where}), then systemctl restart kubelet.`,
        'On a node that joins now, the wizard passes --cri-socket with containerd\'s socket to kubeadm join.',
      ],
      evidence: `${found.where}: ${found.endpoint}`,
    };
  },
};

// ---- F1: cgroup driver mismatch ---------------------------------------------------------------

const CGROUP_TEXTS = [
  /expected cgroupsPath to be of format "slice:prefix:name" for systemd cgroups/,
  /kubelet cgroup driver: "\w+" is different from \w+ cgroup driver: "\w+"/,
  /cannot set up cgroup for root: invalid systemd path/,
];

function runscTomlValue(e: Evidence): string | boolean | undefined {
  const t = e.runsc.toml?.text;
  if (!t) return undefined;
  try {
    const v = (parseTomlText(t).runsc_config as Record<string, unknown> | undefined)?.['systemd-cgroup'];
    return typeof v === 'string' || typeof v === 'boolean' ? v : undefined;
  } catch {
    return undefined;
  }
}

const asBool = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : undefined);

/** The cgroup triad from the evidence (the kubelet's driver wins), or undefined on a node without kubelet config. */
function triadOf(e: Evidence): { rows: ReturnType<typeof cgroupTriad>['rows']; driver: string } | undefined {
  const { config, flags } = e.kubelet;
  if (config.text === null && flags.text === null) return undefined;
  let driver;
  try {
    const args = flags.text === null ? [] : parseKubeadmFlagsEnv(flags.text, flags.path).args;
    driver = readKubeletCgroupDriver(config.text, { file: config.path, kubeletArgs: args, argsFile: flags.path });
  } catch {
    return undefined;
  }
  if (driver.source === 'kubeadm-default') return undefined; // not joined yet: nothing to disagree with
  const cfg = dumpConfig(e) ?? (e.containerd.configFile.text ? tryToml(e.containerd.configFile.text) : undefined);
  const runc = runtimeEntry(cfg, 'runc');
  const runsc = runtimeEntry(cfg, e.runtimeName);
  const configPath = runsc?.options.ConfigPath;
  const triad = cgroupTriad({
    kubeletDriver: driver.driver,
    runcSystemdCgroup: asBool(runc?.options.SystemdCgroup),
    runscOptionsSystemdCgroup: asBool(runsc?.options.SystemdCgroup),
    runscTomlSystemdCgroup: configPath ? runscTomlValue(e) : String(driver.driver === 'systemd'),
  });
  const rows = triad.rows.filter((r) => (r.id === 'containerd-runsc' || r.id === 'runsc-toml' ? Boolean(runsc) : true) && !(r.id === 'runsc-toml' && !configPath));
  return { rows, driver: driver.driver };
}

function tryToml(text: string): Record<string, unknown> | undefined {
  try {
    return parseTomlText(text);
  } catch {
    return undefined;
  }
}

const cgroupMismatch: KnownFailure = {
  id: 'cgroup-driver-mismatch',
  title: 'cgroup driver mismatch',
  match({ lines, evidence }) {
    const hit = CGROUP_TEXTS.map((re) => lineMatching(lines, re)).find(Boolean);
    const t = triadOf(evidence);
    const bad = t?.rows.filter((r) => !r.ok) ?? [];
    if (!hit && bad.length === 0) return undefined;
    return {
      id: this.id,
      title: this.title,
      cause: bad.length
        ? `the kubelet uses ${t!.driver} cgroups, but ${bad.map((r) => `${r.where} is ${r.current}`).join('; ')}`
        : 'the kubelet and the container runtime use different cgroup drivers',
      explanation: 'The kubelet, runc (SystemdCgroup), the runsc runtime options and runsc.toml (systemd-cgroup) must agree on one cgroup driver. When they do not, pods fail to start ("expected cgroupsPath to be of format \\"slice:prefix:name\\"", "invalid systemd path") or land in cgroups the kubelet does not manage.',
      fix: [
        bad.length
          ? `Make them follow the kubelet (${t!.driver}): ${bad.map((r) => `${r.where} → ${r.wanted}`).join('; ')}.`
          : 'Use the kubelet\'s cgroupDriver (systemd on systemd hosts) for runc SystemdCgroup, the runsc options and runsc.toml systemd-cgroup.',
        'The wizard\'s Kubernetes path sets all of them from the kubelet: gvisor-wizard apply --runtime containerd --kubernetes; then restart containerd and the kubelet.',
      ],
      evidence: hit?.line ?? bad.map((r) => `${r.where}: ${r.current} (kubelet: ${t!.driver})`).join('; '),
    };
  },
};

// ---- E3: expired join token ----------------------------------------------------------------

const joinTokenExpired: KnownFailure = {
  id: 'join-token-expired',
  title: 'expired or unknown join token',
  match({ lines }) {
    // explainJoinFailure never echoes the token; the evidence line is masked by the caller's log masker.
    for (const l of lines) {
      const x = explainJoinFailure(l);
      if (x?.kind !== 'token-expired-or-unknown') continue;
      return {
        id: this.id,
        title: this.title,
        cause: x.what,
        explanation: x.why,
        fix: x.next,
        evidence: l.trim().replace(/token ID "[^"]*"/, 'token ID "******"'),
      };
    }
    return undefined;
  },
};

/** Every known failure, in the order the doctor reports them (what breaks first, first). */
export const KNOWN_FAILURES: readonly KnownFailure[] = [
  shortPluginName,
  v2TableInV3,
  criDisabled,
  importsReplaceCri,
  shimNotOnPath,
  shimTooNew,
  dockerdFlagAndFile,
  rootNetns,
  handlerMissing,
  kubeletOtherRuntime,
  cgroupMismatch,
  joinTokenExpired,
];
