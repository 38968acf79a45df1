import { statSync } from 'node:fs';
import { arch as nodeArch, platform, release as kernelRelease } from 'node:os';
import type { Host } from '../host/host.js';
import { toReleaseArch } from '../release/arch.js';
import { findDockerd, dockerClientEnv, defaultDockerHost, dockerConfigFileOf } from '../docker/daemon-process.js';
import type { Facts, DockerFacts, ContainerdFacts } from './facts.js';
import { containerdConfigOf, defaultContainerdSocket, findContainerd } from '../containerd/daemon.js';

export interface DetectOptions {
  /** DOCKER_HOST the wizard talks to (flag or environment). */
  dockerHost?: string;
  /** Override of the daemon.json path (when dockerd is not running to tell us). */
  dockerConfig?: string;
  /** 'auto' looks for /run/systemd/system. */
  serviceManager?: 'auto' | 'systemd' | 'none';
  containerdSocket?: string;
  containerdConfig?: string;
}

/** Look at the machine without changing anything. Every probe tolerates absence. */
export async function detect(host: Host, opts: DetectOptions = {}): Promise<Facts> {
  const [distro, init, cgroup, kvm, docker, containerd, runsc] = await Promise.all([
    detectDistro(host),
    detectInit(host, opts.serviceManager ?? 'auto'),
    detectCgroup(host),
    host.stat('/dev/kvm').then((s) => s !== null),
    detectDocker(host, opts),
    detectContainerd(host, opts),
    detectRunsc(host),
  ]);
  let release: Facts['arch']['release'];
  let archProblem: string | undefined;
  try {
    release = toReleaseArch(nodeArch(), platform());
  } catch (e) {
    archProblem = (e as Error).message;
  }
  return {
    distro,
    arch: { machine: nodeArch(), release, problem: archProblem },
    kernel: kernelRelease(),
    init,
    cgroup,
    isRoot: process.getuid?.() === 0,
    kvm,
    docker,
    containerd,
    runsc,
  };
}

async function detectDistro(host: Host): Promise<Facts['distro']> {
  const text = (await host.readText('/etc/os-release')) ?? (await host.readText('/usr/lib/os-release'));
  if (!text) return { id: 'unknown', prettyName: 'unknown Linux (no /etc/os-release)' };
  const kv = parseOsRelease(text);
  return { id: kv.ID ?? 'unknown', versionId: kv.VERSION_ID, prettyName: kv.PRETTY_NAME ?? kv.NAME ?? 'unknown' };
}

export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (!m) continue;
    out[m[1]!] = m[2]!.replace(/^"(.*)"$/, '$1').replace(/^'(.*)'$/, '$1');
  }
  return out;
}

async function detectInit(host: Host, mode: 'auto' | 'systemd' | 'none'): Promise<Facts['init']> {
  if (mode === 'systemd') return 'systemd';
  if (mode === 'none') return 'other';
  // systemd's own test (sd_booted): this directory exists only when systemd is PID 1.
  return (await host.stat('/run/systemd/system'))?.isDirectory ? 'systemd' : 'other';
}

async function detectCgroup(host: Host): Promise<Facts['cgroup']> {
  const mounts = await host.readText('/proc/self/mounts');
  if (!mounts) return 'unknown';
  const fsAt = new Map<string, string>();
  for (const line of mounts.split('\n')) {
    const [, mnt, type] = line.split(' ');
    if (mnt) fsAt.set(mnt, type ?? '');
  }
  if (fsAt.get('/sys/fs/cgroup') === 'cgroup2') return 'v2';
  if (fsAt.get('/sys/fs/cgroup/unified') === 'cgroup2') return 'hybrid';
  if ([...fsAt.values()].includes('cgroup')) return 'v1';
  return 'unknown';
}

async function which(host: Host, name: string, extraDirs: string[] = []): Promise<string | undefined> {
  const onPath = (process.env.PATH ?? '').split(':').filter(Boolean);
  for (const d of [...onPath, ...extraDirs]) {
    const p = `${d.replace(/\/+$/, '')}/${name}`;
    const s = await host.stat(p).catch(() => null);
    if (s?.isFile && (s.mode & 0o111) !== 0) return p;
  }
  // Under --root nothing was found below DIR: commands are never re-rooted, so the one that
  // would really run is the one on PATH (practice mode puts its stand-ins there).
  if (host.root === '/') return undefined;
  for (const d of onPath) {
    const p = `${d.replace(/\/+$/, '')}/${name}`;
    const s = realStat(p);
    if (s?.isFile && (s.mode & 0o111) !== 0) return p;
  }
  return undefined;
}

function realStat(p: string): { isFile: boolean; mode: number } | null {
  try {
    const s = statSync(p);
    return { isFile: s.isFile(), mode: s.mode };
  } catch {
    return null;
  }
}

export async function detectDocker(host: Host, opts: DetectOptions): Promise<DockerFacts> {
  const target = opts.dockerHost ?? process.env.DOCKER_HOST ?? defaultDockerHost;
  const cli = await which(host, 'docker');
  const dockerd = await which(host, 'dockerd', ['/usr/sbin', '/usr/bin']);
  const daemon = await findDockerd(host, target);
  const configFile = opts.dockerConfig ?? dockerConfigFileOf(daemon?.argv);
  const facts: DockerFacts = {
    installed: Boolean(cli || dockerd),
    cli,
    running: false,
    runtimes: {},
    configFile,
    host: target,
    daemonPid: daemon?.pid,
    daemonArgv: daemon?.argv,
  };
  if (!cli) {
    facts.problem = dockerd ? 'dockerd is installed but the docker CLI is not on PATH' : 'docker is not installed (Debian/Ubuntu: apt-get install docker.io)';
    return facts;
  }
  const r = await host.run([cli, 'info', '--format', '{{json .}}'], { readOnly: true, quiet: true, timeoutMs: 15000, env: dockerClientEnv(target) });
  if (!r.ok) {
    facts.problem = `the docker daemon at ${target} does not answer (${firstLine(r.stderr || r.spawnError || 'no output')})`;
    return facts;
  }
  try {
    const info = JSON.parse(r.stdout) as { ServerVersion?: string; Runtimes?: Record<string, { path: string; runtimeArgs?: string[] }>; DefaultRuntime?: string };
    facts.running = true;
    facts.serverVersion = info.ServerVersion;
    facts.runtimes = info.Runtimes ?? {};
    facts.defaultRuntime = info.DefaultRuntime;
  } catch {
    facts.problem = 'docker info printed something that is not JSON';
  }
  return facts;
}

async function detectContainerd(host: Host, opts: DetectOptions): Promise<ContainerdFacts> {
  const socket = opts.containerdSocket ?? defaultContainerdSocket;
  const daemon = await findContainerd(host, socket);
  const exe = daemon?.argv[0]?.startsWith('/') ? daemon.argv[0] : undefined;
  const bin = exe ?? (await which(host, 'containerd', ['/usr/bin', '/usr/local/bin']));
  const facts: ContainerdFacts = {
    installed: Boolean(bin),
    binary: bin,
    running: Boolean(daemon),
    socket,
    pid: daemon?.pid,
    argv: daemon?.argv,
    configFile: opts.containerdConfig ?? containerdConfigOf(daemon?.argv),
  };
  if (!bin) {
    facts.problem = 'containerd is not installed (Debian/Ubuntu: apt-get install containerd)';
    return facts;
  }
  const v = await host.run([bin, '--version'], { readOnly: true, quiet: true, timeoutMs: 10000 });
  if (v.ok) facts.version = /\bv?(\d+\.\d+\.\d+[^\s]*)/.exec(v.stdout)?.[1];
  if (daemon) facts.servicePath = (await host.processEnv(daemon.pid))?.PATH;
  else facts.problem = `no containerd serves ${socket}`;
  return facts;
}

async function detectRunsc(host: Host): Promise<Facts['runsc']> {
  const path = await which(host, 'runsc', ['/usr/local/bin', '/usr/bin']);
  if (!path) return {};
  // Under --root the runsc below DIR is the one the wizard installed and reports on (as the doctor does).
  const r = await host.run([host.resolve(path), '--version'], { readOnly: true, quiet: true, timeoutMs: 10000 });
  return { path, version: r.ok ? /runsc version (\S+)/.exec(r.stdout)?.[1] : undefined };
}

function firstLine(s: string): string {
  return s.trim().split('\n')[0] ?? '';
}
