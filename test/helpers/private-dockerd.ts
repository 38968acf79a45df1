// A private, throw-away Docker daemon for e2e tests: its own data-root, exec-root,
// socket, daemon.json and its own containerd, all below one short temp dir. The
// machine's own docker (/var/run/docker.sock, /var/lib/docker, /etc/docker/daemon.json)
// is never used.
//
// Why the harness starts containerd itself instead of letting dockerd supervise one:
// dockerd 20.10 only starts a private containerd when /run/containerd/containerd.sock
// does NOT exist (it merely lstat()s it). On a machine where containerd runs (or a stale
// socket file is left) the "private" dockerd would silently share the machine's
// containerd. Passing --containerd with our own instance makes this deterministic.
import { cleanEnv } from './daemon-env.js';
import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CleanupRegistry, killProcessesMatching, processesMatching } from './cleanup.js';
import {
  CommandResult, firstExecutable, isAlive, PollAbort, pollUntil, runCommand, signalPid, sleep, waitForExit, which,
} from './proc.js';

export interface PrivateDockerdOptions {
  /** Initial content of DIR/daemon.json (default "{}\n"). Must not repeat a key that is also
   *  given as a flag (data-root, exec-root, hosts, pidfile, bridge, iptables, ip6tables,
   *  containerd): dockerd refuses to start then. */
  daemonJson?: string;
  /** stop() is registered here as soon as the temp dir exists. */
  cleanup?: CleanupRegistry;
  /** How long to wait for `docker info` to answer (default 30 s). */
  startTimeoutMs?: number;
  /** Extra dockerd flags. */
  extraArgs?: string[];
  /** dockerd --debug. */
  debug?: boolean;
}

export type DockerResult = CommandResult;

export interface DockerCallOptions {
  input?: string | Buffer;
  /** Default 120 s. */
  timeoutMs?: number;
}

export interface PrivateDockerd {
  /** The temp dir (e.g. /tmp/gvw-AbC123) holding everything. */
  readonly dir: string;
  /** 'unix:///tmp/gvw-…/docker.sock' */
  readonly socket: string;
  /** Same as socket (what DOCKER_HOST gets). */
  readonly host: string;
  /** Plain path of the socket file. */
  readonly socketPath: string;
  /** DIR/daemon.json (dockerd --config-file). */
  readonly configFile: string;
  /** DIR/docker.pid (dockerd --pidfile). */
  readonly pidFile: string;
  readonly pid: number;
  readonly dataRoot: string;
  readonly execRoot: string;
  readonly logFile: string;
  readonly containerdSocket: string;
  readonly containerdPid: number;
  /** The docker CLI used: /usr/bin/docker when present. */
  readonly dockerBin: string;
  /** process.env without DOCKER_*, plus DOCKER_HOST, a private DOCKER_CONFIG, and DIR/bin
   *  (holding a `docker` link to dockerBin) first on PATH. Give it to the wizard under test. */
  readonly env: Record<string, string>;
  /** Runs the docker CLI against this daemon. Never rejects. */
  docker(args: string[], opts?: DockerCallOptions): Promise<DockerResult>;
  /** dockerd's log so far (kept in memory after stop()). */
  logText(): string;
  containerdLogText(): string;
  /** Names of the runtimes `docker info` reports. */
  runtimes(): Promise<string[]>;
  /** SIGHUP dockerd and wait until it logs the reload; throws with the logged error if it failed. */
  reload(timeoutMs?: number): Promise<void>;
  /** Idempotent; safe after a failed start. Throws if something could not be cleaned up. */
  stop(): Promise<void>;
}


/** The docker CLI to use: /usr/bin/docker (Debian's 20.10, matching the daemon) when present. */
export function dockerCli(): string {
  return firstExecutable(['/usr/bin/docker'], 'docker') ?? '/usr/bin/docker';
}

function tail(text: string, n: number): string {
  const lines = text.split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines.slice(-n).join('\n');
}

function decodeMountPath(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Mount points at or below `dir` in this mount namespace. */
export function mountsUnder(dir: string): string[] {
  let info: string;
  try {
    info = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  const base = dir.replace(/\/+$/, '');
  const result: string[] = [];
  for (const line of info.split('\n')) {
    const fields = line.split(' ');
    const mp = fields[4];
    if (!mp) continue;
    const p = decodeMountPath(mp);
    if (p === base || p.startsWith(base + '/')) result.push(p);
  }
  return result;
}

/** `umount -l` everything at or below dir, deepest first; returns what is still mounted. */
export async function unmountUnder(dir: string): Promise<string[]> {
  const umount = which('umount') ?? '/usr/bin/umount';
  for (let round = 0; round < 5; round++) {
    const mps = mountsUnder(dir);
    if (mps.length === 0) return [];
    const ordered = [...new Set(mps)].sort((a, b) => b.split('/').length - a.split('/').length || b.length - a.length);
    for (const mp of ordered) await runCommand(umount, ['-l', mp], { timeoutMs: 15_000 });
  }
  return mountsUnder(dir);
}

/** Instances not stopped yet: on process exit they get a best-effort SIGTERM. */
const live = new Set<PrivateDockerdImpl>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const d of live) d.emergencyKill();
  });
}

function containerdConfig(dir: string): string {
  const c = join(dir, 'containerd');
  const q = (s: string): string => JSON.stringify(s);
  return [
    'version = 2',
    `root = ${q(join(c, 'root'))}`,
    `state = ${q(join(c, 'state'))}`,
    'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
    '',
    '[grpc]',
    `  address = ${q(join(c, 'containerd.sock'))}`,
    '',
    '[ttrpc]',
    '  address = ""',
    '',
    '[debug]',
    `  address = ${q(join(c, 'debug.sock'))}`,
    '  level = "info"',
    '',
    '[plugins]',
    '  [plugins."io.containerd.internal.v1.opt"]',
    `    path = ${q(join(c, 'opt'))}`,
    '  [plugins."io.containerd.runtime.v1.linux"]',
    `    runtime_root = ${q(join(c, 'v1-runc'))}`,
    '',
  ].join('\n');
}

class PrivateDockerdImpl implements PrivateDockerd {
  readonly socket: string;
  readonly host: string;
  readonly socketPath: string;
  readonly configFile: string;
  readonly pidFile: string;
  readonly dataRoot: string;
  readonly execRoot: string;
  readonly logFile: string;
  readonly containerdLogFile: string;
  readonly containerdConfigFile: string;
  readonly containerdSocket: string;
  readonly dockerBin: string;
  readonly env: Record<string, string>;
  private dockerdChild: ChildProcess | undefined;
  private containerdChild: ChildProcess | undefined;
  private stopping: Promise<void> | undefined;
  private finalLog: string | undefined;
  private finalContainerdLog: string | undefined;

  constructor(readonly dir: string, private readonly opts: PrivateDockerdOptions) {
    this.socketPath = join(dir, 'docker.sock');
    this.socket = `unix://${this.socketPath}`;
    this.host = this.socket;
    this.configFile = join(dir, 'daemon.json');
    this.pidFile = join(dir, 'docker.pid');
    this.dataRoot = join(dir, 'data');
    this.execRoot = join(dir, 'exec');
    this.logFile = join(dir, 'dockerd.log');
    this.containerdLogFile = join(dir, 'containerd.log');
    this.containerdConfigFile = join(dir, 'containerd.toml');
    this.containerdSocket = join(dir, 'containerd', 'containerd.sock');
    this.dockerBin = dockerCli();
    const env = cleanEnv('DOCKER_');
    env.DOCKER_HOST = this.host;
    env.DOCKER_CONFIG = join(dir, 'cli');
    env.PATH = `${join(dir, 'bin')}:${env.PATH}`;
    this.env = env;
  }

  get pid(): number {
    return this.dockerdChild?.pid ?? 0;
  }

  get containerdPid(): number {
    return this.containerdChild?.pid ?? 0;
  }

  async start(): Promise<void> {
    live.add(this);
    installExitHook();
    for (const d of ['cli', 'bin', 'containerd']) mkdirSync(join(this.dir, d), { recursive: true });
    symlinkSync(this.dockerBin, join(this.dir, 'bin', 'docker'));
    writeFileSync(this.configFile, this.opts.daemonJson ?? '{}\n');
    writeFileSync(this.containerdConfigFile, containerdConfig(this.dir));

    const containerdBin = which('containerd');
    const dockerdBin = which('dockerd');
    if (!containerdBin) throw new Error('containerd not found (run .ci/setup-host.sh)');
    if (!dockerdBin) throw new Error('dockerd not found (run .ci/setup-host.sh)');
    const daemonEnv = cleanEnv('DOCKER_');

    this.containerdChild = this.spawnLogged(containerdBin, ['--config', this.containerdConfigFile], this.containerdLogFile, daemonEnv);
    await pollUntil(() => {
      if (!this.containerdChild?.pid || this.containerdChild.exitCode !== null || this.containerdChild.signalCode) {
        throw new PollAbort(`containerd exited (${this.containerdChild?.exitCode ?? this.containerdChild?.signalCode})`);
      }
      return existsSync(this.containerdSocket);
    }, { timeoutMs: 15_000, intervalMs: 100, label: 'private containerd socket' }).catch((e: Error) => {
      throw new Error(`${e.message}\n--- last lines of ${this.containerdLogFile}:\n${tail(this.containerdLogText(), 30)}`);
    });

    const args = [
      '--data-root', this.dataRoot,
      '--exec-root', this.execRoot,
      '--pidfile', this.pidFile,
      '-H', this.socket,
      '--config-file', this.configFile,
      '--containerd', this.containerdSocket,
      '--bridge=none', '--iptables=false', '--ip6tables=false',
      ...(this.opts.debug ? ['--debug'] : []),
      ...(this.opts.extraArgs ?? []),
    ];
    this.dockerdChild = this.spawnLogged(dockerdBin, args, this.logFile, daemonEnv);

    const timeoutMs = this.opts.startTimeoutMs ?? 30_000;
    try {
      await pollUntil(async () => {
        const c = this.dockerdChild;
        if (!c?.pid || c.exitCode !== null || c.signalCode) {
          throw new PollAbort(`dockerd exited (${c?.exitCode ?? c?.signalCode})`);
        }
        if (!existsSync(this.socketPath)) return false;
        const r = await this.docker(['info', '--format', '{{.ID}}'], { timeoutMs: 5_000 });
        return r.code === 0;
      }, { timeoutMs, intervalMs: 250, label: `private dockerd at ${this.socket} answering docker info` });
    } catch (e) {
      throw new Error(`${(e as Error).message}\n--- last 30 lines of ${this.logFile}:\n${tail(this.logText(), 30)}`);
    }
  }

  private spawnLogged(file: string, args: string[], logFile: string, env: Record<string, string>): ChildProcess {
    const fd = openSync(logFile, 'a');
    try {
      // Output goes to a file, not a pipe: the daemon neither blocks on a full pipe nor
      // dies of SIGPIPE if this process goes away first.
      const child = spawn(file, args, { stdio: ['ignore', fd, fd], env, cwd: this.dir });
      child.on('error', () => { /* reported through exitCode / the start timeout */ });
      // Do not keep the test process alive for a daemon a test forgot to stop;
      // the exit hook sends it SIGTERM instead.
      child.unref();
      return child;
    } finally {
      closeSync(fd);
    }
  }

  docker(args: string[], opts: DockerCallOptions = {}): Promise<DockerResult> {
    const o: { env: Record<string, string>; timeoutMs: number; input?: string | Buffer } = {
      env: this.env, timeoutMs: opts.timeoutMs ?? 120_000,
    };
    if (opts.input !== undefined) o.input = opts.input;
    return runCommand(this.dockerBin, args, o);
  }

  logText(): string {
    if (this.finalLog !== undefined) return this.finalLog;
    try {
      return readFileSync(this.logFile, 'utf8');
    } catch {
      return '';
    }
  }

  containerdLogText(): string {
    if (this.finalContainerdLog !== undefined) return this.finalContainerdLog;
    try {
      return readFileSync(this.containerdLogFile, 'utf8');
    } catch {
      return '';
    }
  }

  async runtimes(): Promise<string[]> {
    const r = await this.docker(['info', '--format', '{{json .Runtimes}}'], { timeoutMs: 15_000 });
    if (r.code !== 0) throw new Error(`docker info failed: ${r.stderr.trim()}`);
    return Object.keys(JSON.parse(r.stdout) as Record<string, unknown>).sort();
  }

  async reload(timeoutMs = 15_000): Promise<void> {
    const before = this.logText().length;
    if (!this.pid || !signalPid(this.pid, 'SIGHUP')) throw new Error('dockerd is not running');
    await pollUntil(() => {
      const fresh = this.logText().slice(before);
      const at = fresh.indexOf('Got signal to reload configuration');
      if (at < 0) return false;
      const lines = fresh.slice(at).split('\n');
      if (lines.some((l) => l.includes('Reloaded configuration'))) return true;
      const err = lines.find((l) => /level=(error|fatal)/.test(l));
      if (err) throw new PollAbort(`failed: ${err}`);
      return false;
    }, { timeoutMs, intervalMs: 100, label: 'dockerd reload after SIGHUP' }).catch((e: Error) => {
      throw new Error(`${e.message}\n--- last lines of ${this.logFile}:\n${tail(this.logText().slice(before), 10)}`);
    });
  }

  stop(): Promise<void> {
    if (!this.stopping) this.stopping = this.doStop();
    return this.stopping;
  }

  /** Synchronous last resort from process.on('exit'). */
  emergencyKill(): void {
    if (this.pid && isAlive(this.pid)) signalPid(this.pid, 'SIGTERM');
    if (this.containerdPid && isAlive(this.containerdPid)) signalPid(this.containerdPid, 'SIGTERM');
  }

  private async terminate(pid: number, graceMs: number): Promise<boolean> {
    if (!pid || !isAlive(pid)) return true;
    signalPid(pid, 'SIGTERM');
    if (await waitForExit(pid, graceMs)) return true;
    signalPid(pid, 'SIGKILL');
    return waitForExit(pid, 5_000);
  }

  private async doStop(): Promise<void> {
    const problems: string[] = [];
    let containerIds: string[] = [];

    // 1. Containers, while dockerd can still tear them down properly.
    if (this.pid && isAlive(this.pid) && existsSync(this.socketPath)) {
      const ps = await this.docker(['ps', '-aq', '--no-trunc'], { timeoutMs: 20_000 });
      containerIds = ps.code === 0 ? ps.stdout.split(/\s+/).filter(Boolean) : [];
      if (containerIds.length > 0) {
        const rmr = await this.docker(['rm', '-f', ...containerIds], { timeoutMs: 60_000 });
        if (rmr.code !== 0) problems.push(`docker rm -f: ${rmr.stderr.trim() || rmr.code}`);
      }
    }

    // 2. dockerd, then its containerd.
    if (!(await this.terminate(this.pid, 15_000))) problems.push(`dockerd ${this.pid} did not exit`);
    if (!(await this.terminate(this.containerdPid, 10_000))) problems.push(`containerd ${this.containerdPid} did not exit`);

    // 3. Leftovers: shims, runsc-sandbox / runsc-gofer, anything else started below DIR.
    await killProcessesMatching(this.dir, { signal: 'SIGKILL' });
    const left = processesMatching(this.dir);
    if (left.length > 0) problems.push(`processes still running: ${left.map((p) => `${p.pid} ${p.argv.join(' ')}`).join('; ')}`);

    // 4. Keep the logs for post-mortem assertions, then unmount and delete.
    this.finalLog = this.logText();
    this.finalContainerdLog = this.containerdLogText();
    const stillMounted = await unmountUnder(this.dir);
    if (stillMounted.length > 0) problems.push(`still mounted: ${stillMounted.join(', ')}`);

    // 5. Empty cgroups of our containers (cgroupfs driver) - best effort, never touches non-empty ones.
    for (const id of containerIds) {
      for (const base of ['/sys/fs/cgroup', ...['cpu', 'cpuacct', 'cpuset', 'memory', 'pids', 'blkio', 'devices', 'freezer', 'net_cls', 'perf_event', 'hugetlb', 'systemd', 'unified'].map((c) => `/sys/fs/cgroup/${c}`)]) {
        try {
          rmdirSync(join(base, 'docker', id));
        } catch { /* absent or busy */ }
      }
    }

    try {
      await rm(this.dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    } catch (e) {
      problems.push(`rm -rf ${this.dir}: ${(e as Error).message}`);
    }
    if (existsSync(this.dir)) {
      await sleep(500);
      await unmountUnder(this.dir);
      await rm(this.dir, { recursive: true, force: true }).catch(() => undefined);
      if (existsSync(this.dir)) problems.push(`${this.dir} still exists`);
    }
    live.delete(this);
    if (problems.length > 0) throw new Error(`private dockerd cleanup of ${this.dir} incomplete:\n- ${problems.join('\n- ')}`);
  }
}

/**
 * Starts dockerd + containerd below a fresh /tmp/gvw-XXXXXX and waits until `docker info`
 * answers. On failure everything already started is cleaned up and the error carries the
 * last 30 log lines.
 */
export async function startPrivateDockerd(opts: PrivateDockerdOptions = {}): Promise<PrivateDockerd> {
  // Short on purpose: unix socket paths are limited to 107 bytes.
  const dir = await mkdtemp('/tmp/gvw-');
  const d = new PrivateDockerdImpl(dir, opts);
  opts.cleanup?.add(`private dockerd ${dir}`, () => d.stop());
  try {
    await d.start();
  } catch (e) {
    const err = e as Error;
    await d.stop().catch((se: Error) => {
      err.message += `\n(cleanup after the failed start also failed: ${se.message})`;
    });
    throw err;
  }
  return d;
}
