// The doctor's evidence: versions, effective configs, the config files as written and recent daemon
// log lines, gathered read-only through the Host. Every probe has its own timeout and never throws:
// a probe that fails is kept as evidence of its own (its exit code, stderr or spawn error).

import { configDump, runtimeEntry } from '../containerd/ctr.js';
import { SHIM_BINARY, servicePathDirs } from '../containerd/shim.js';
import { dockerUnitExecStart } from '../docker/daemon-process.js';
import type { Host } from '../host/host.js';
import { nodePath } from '../kube/steps/common.js';
import type { StepContext } from '../steps/step.js';
import { runscInstallPath } from '../wizard/options.js';

/** One command the doctor ran, whatever became of it. */
export interface Probe {
  argv: string[];
  ok: boolean;
  exitCode: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** Could not be started (ENOENT) or threw. */
  error?: string;
}

/** A file as read: text null when it does not exist (or cannot be read: then error says why). */
export interface TextFile {
  path: string;
  text: string | null;
  error?: string;
}

export interface RunscBinary {
  path: string;
  probe: Probe;
  /** e.g. "release-20260512.0" or "0.0~20221219.0" */
  version?: string;
}

export interface Evidence {
  collectedAt: string;
  /** The runtime (and RuntimeClass handler) name the wizard configures. */
  runtimeName: string;
  init: 'systemd' | 'other';
  kernel: { release?: string; probe?: Probe };
  docker: {
    cli?: string;
    /** The daemon.json dockerd reads. */
    daemonJson: TextFile;
    daemon?: { pid?: number; argv: string[] };
    /** ExecStart of docker.service (drop-ins applied); only where systemd starts dockerd. */
    unit?: { source: string; argv: string[] };
    version?: Probe;
    info?: Probe;
    serverVersion?: string;
    runtimes?: Record<string, { path: string; runtimeArgs?: string[] }>;
    cgroupDriver?: string;
  };
  containerd: {
    binary?: string;
    version?: string;
    versionProbe?: Probe;
    /** The socket the wizard (and the kubelet) should talk to. */
    socket: string;
    /** The config file containerd reads (--config of the running daemon, else the default). */
    configFile: TextFile;
    /** `containerd --config FILE config dump`: the file with its imports, as containerd reads it. */
    dump?: { ok: boolean; config?: Record<string, unknown>; error?: string };
    /** Where containerd looks for shims: the running daemon's PATH, else systemd's default. */
    servicePath: string[];
    shim: { name: string; foundAt?: string; onServicePath: boolean };
  };
  runsc: {
    /** Where the wizard installs runsc (--install-dir). */
    installed?: RunscBinary;
    /** The runsc found on PATH, when it is another file. */
    onPath?: RunscBinary;
    /** runsc.toml of the runsc shim (ConfigPath of the runtime's options), when there is one. */
    toml?: TextFile;
  };
  kubelet: { config: TextFile; flags: TextFile; defaults: TextFile };
  /** Recent daemon log lines, per source (journalctl, or a log file's tail). */
  logs: { source: string; lines: string[]; probe?: Probe }[];
}

export const LOG_LINES = 200;
const PROBE_TIMEOUT_MS = 15_000;
const LOG_FILES = ['/var/log/docker.log', '/var/log/containerd.log', '/var/log/daemon.log'];
export const KUBELET_FILES = { config: '/var/lib/kubelet/config.yaml', flags: '/var/lib/kubelet/kubeadm-flags.env', defaults: '/etc/default/kubelet' } as const;

/** A command run read-only, bounded, hidden from live views; never throws. */
export async function probe(host: Host, argv: string[], timeoutMs = PROBE_TIMEOUT_MS): Promise<Probe> {
  try {
    const r = await host.run(argv, { readOnly: true, quiet: true, timeoutMs });
    return { argv, ok: r.ok, exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, timedOut: r.timedOut, ...(r.spawnError ? { error: r.spawnError } : {}) };
  } catch (e) {
    return { argv, ok: false, exitCode: null, stdout: '', stderr: '', timedOut: false, error: (e as Error).message };
  }
}

export async function readFileEvidence(host: Host, path: string): Promise<TextFile> {
  try {
    return { path, text: await host.readText(path) };
  } catch (e) {
    return { path, text: null, error: (e as Error).message };
  }
}

async function settle<T>(p: Promise<T>, fallback: T): Promise<T> {
  try {
    return await p;
  } catch {
    return fallback;
  }
}

/** An evidence set with nothing found: the base for tests and for a machine without engines. */
export function emptyEvidence(over: Partial<Evidence> = {}): Evidence {
  return {
    collectedAt: new Date(0).toISOString(),
    runtimeName: 'runsc',
    init: 'other',
    kernel: {},
    docker: { daemonJson: { path: '/etc/docker/daemon.json', text: null } },
    containerd: {
      socket: '/run/containerd/containerd.sock',
      configFile: { path: '/etc/containerd/config.toml', text: null },
      servicePath: [],
      shim: { name: SHIM_BINARY, onServicePath: false },
    },
    runsc: {},
    kubelet: {
      config: { path: KUBELET_FILES.config, text: null },
      flags: { path: KUBELET_FILES.flags, text: null },
      defaults: { path: KUBELET_FILES.defaults, text: null },
    },
    logs: [],
    ...over,
  };
}

/** Everything the doctor looks at, collected concurrently. Needs detect() first (ctx.facts). */
export async function collectEvidence(ctx: StepContext): Promise<Evidence> {
  const { host, facts, options } = ctx;
  const [kernel, docker, containerd, runsc, kubelet, logs] = await Promise.all([
    settle(collectKernel(host), {}),
    settle(collectDocker(ctx), emptyEvidence().docker),
    settle(collectContainerd(ctx), { ...emptyEvidence().containerd, socket: facts.containerd.socket }),
    settle(collectRunsc(host, runscInstallPath(options), facts.runsc.path), {}),
    settle(collectKubelet(ctx), emptyEvidence().kubelet),
    settle(collectLogs(host, facts.init), []),
  ]);
  const toml = await settle(runscToml(host, containerd.dump?.config, options.runtimeName), undefined);
  return {
    collectedAt: new Date().toISOString(),
    runtimeName: options.runtimeName,
    init: facts.init,
    kernel,
    docker,
    containerd,
    runsc: { ...runsc, ...(toml ? { toml } : {}) },
    kubelet,
    logs,
  };
}

async function collectKernel(host: Host): Promise<Evidence['kernel']> {
  const p = await probe(host, ['uname', '-r'], 5000);
  return { release: p.ok ? p.stdout.trim() : undefined, probe: p };
}

async function collectDocker(ctx: StepContext): Promise<Evidence['docker']> {
  const { host, facts, options } = ctx;
  const d = facts.docker;
  const daemonJson = await readFileEvidence(host, d.configFile);
  const daemon = d.daemonArgv ? { pid: d.daemonPid, argv: d.daemonArgv } : undefined;
  // The unit matters only where systemd starts dockerd with it (as in the configure step).
  const unit = facts.init === 'systemd' ? await settle(dockerUnitExecStart(host), undefined) : undefined;
  const out: Evidence['docker'] = { cli: d.cli, daemonJson, ...(daemon ? { daemon } : {}), ...(unit ? { unit } : {}) };
  if (!d.cli) return out;
  const target = options.dockerHost ? ['-H', options.dockerHost] : [];
  const [version, info] = await Promise.all([
    probe(host, [d.cli, ...target, 'version', '--format', '{{json .}}']),
    probe(host, [d.cli, ...target, 'info', '--format', '{{json .}}']),
  ]);
  out.version = version;
  out.info = info;
  if (info.ok) {
    try {
      const j = JSON.parse(info.stdout) as { ServerVersion?: string; Runtimes?: Evidence['docker']['runtimes']; CgroupDriver?: string };
      out.serverVersion = j.ServerVersion;
      out.runtimes = j.Runtimes;
      out.cgroupDriver = j.CgroupDriver;
    } catch {
      // Kept as the raw probe: docker printed something that is not JSON.
    }
  }
  return out;
}

async function collectContainerd(ctx: StepContext): Promise<Evidence['containerd']> {
  const { host, facts, options } = ctx;
  const c = facts.containerd;
  const configFile = await readFileEvidence(host, c.configFile);
  const dirs = servicePathDirs(ctx);
  const versionProbe = c.binary ? await probe(host, [c.binary, '--version']) : undefined;
  // config dump needs only the binary and the file, not a running daemon.
  const dump = c.binary && configFile.text !== null ? await settle(configDump(ctx), { ok: false, error: 'config dump could not run' }) : undefined;
  const installDir = options.installDir.replace(/\/+$/, '');
  let foundAt: string | undefined;
  for (const d of [...dirs, installDir]) {
    const s = await settle(host.stat(`${d}/${SHIM_BINARY}`), null);
    if (s?.isFile) { foundAt = `${d}/${SHIM_BINARY}`; break; }
  }
  const onServicePath = foundAt !== undefined && dirs.includes(foundAt.slice(0, foundAt.lastIndexOf('/')));
  return {
    binary: c.binary,
    version: c.version,
    ...(versionProbe ? { versionProbe } : {}),
    socket: c.socket,
    configFile,
    ...(dump ? { dump } : {}),
    servicePath: dirs,
    shim: { name: SHIM_BINARY, ...(foundAt ? { foundAt } : {}), onServicePath },
  };
}

async function runscBinary(host: Host, path: string): Promise<RunscBinary | undefined> {
  const s = await settle(host.stat(path), null);
  if (!s?.isFile) return undefined;
  const p = await probe(host, [host.resolve(path), '--version'], 10_000);
  return { path, probe: p, version: /runsc version (\S+)/.exec(p.stdout)?.[1] };
}

async function collectRunsc(host: Host, installed: string, onPath: string | undefined): Promise<Pick<Evidence['runsc'], 'installed' | 'onPath'>> {
  const [a, b] = await Promise.all([runscBinary(host, installed), onPath && onPath !== installed ? runscBinary(host, onPath) : undefined]);
  return { ...(a ? { installed: a } : {}), ...(b ? { onPath: b } : {}) };
}

async function runscToml(host: Host, dump: Record<string, unknown> | undefined, name: string): Promise<TextFile | undefined> {
  const path = runtimeEntry(dump, name)?.options.ConfigPath;
  return typeof path === 'string' && path ? readFileEvidence(host, path) : undefined;
}

async function collectKubelet(ctx: StepContext): Promise<Evidence['kubelet']> {
  const read = (p: string) => readFileEvidence(ctx.host, nodePath(ctx, p));
  const [config, flags, defaults] = await Promise.all([read(KUBELET_FILES.config), read(KUBELET_FILES.flags), read(KUBELET_FILES.defaults)]);
  // Named by their machine paths, whatever --kube-root they were read under.
  return { config: { ...config, path: KUBELET_FILES.config }, flags: { ...flags, path: KUBELET_FILES.flags }, defaults: { ...defaults, path: KUBELET_FILES.defaults } };
}

async function collectLogs(host: Host, init: Evidence['init']): Promise<Evidence['logs']> {
  if (init === 'systemd') {
    const p = await probe(host, ['journalctl', '-u', 'docker', '-u', 'containerd', '-u', 'kubelet', '-n', String(LOG_LINES), '--no-pager'], 20_000);
    return [{ source: 'journalctl -u docker -u containerd -u kubelet', lines: p.ok ? lines(p.stdout) : [], probe: p }];
  }
  const out: Evidence['logs'] = [];
  for (const file of LOG_FILES) {
    const s = await settle(host.stat(file), null);
    if (!s?.isFile) continue; // missing is fine: not every machine logs there
    // tail, not readText: /var/log/daemon.log can be gigabytes.
    const p = await probe(host, ['tail', '-n', String(LOG_LINES), '--', host.resolve(file)], 10_000);
    out.push({ source: file, lines: p.ok ? lines(p.stdout) : [], probe: p });
  }
  return out;
}

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l.trim() !== '');
}
