// A private, throw-away containerd for e2e tests of the wizard's containerd path: its own
// config file, root, state and socket, all below one short temp dir (/tmp/gvw-ctd-XXXXXX).
// The machine's own containerd (/run/containerd/containerd.sock, /var/lib/containerd,
// /etc/containerd/config.toml) is never used.
//
// It is started as `containerd --config DIR/config.toml` through a small start script
// (DIR/containerd.start) that writes DIR/containerd.pid and then execs containerd, so the pid
// stays the containerd pid and a `systemctl` stand-in (fake-systemctl.ts) can restart it the
// same way. The pid therefore may change behind this object's back: `pid`, restart() and
// stop() always read the pidfile.
//
// What containerd 1.6 still puts on the host, whatever root/state say (and what stop() undoes):
// - shim sockets: /run/containerd/s/<sha256(grpc address + "/" + ns + "/" + id)>
//   (runtime/v2/shim: socketRoot is the compiled-in default state dir);
// - runc/runsc state: /run/containerd/runc/<ns>/<id> (the runc shim's default --root,
//   unless the runtime options carry Root / `ctr run --runc-root`);
// - FIFOs of `ctr run`/`ctr task exec`: /run/containerd/fifo/<random>/ (unless --fifo-dir);
// - cgroups: /sys/fs/cgroup/<controller>/<ns>/<id> (ctr's default cgroupsPath "/<ns>/<id>").
import { cleanEnv, pathWithSbin } from './daemon-env.js';
import { ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { parse as parseToml } from '@iarna/toml';
import { CleanupRegistry, killProcessesMatching, processesMatching } from './cleanup.js';
import { mountsUnder, unmountUnder } from './private-dockerd.js';
import {
  CommandResult, isAlive, PollAbort, pollUntil, runCommand, signalPid, sleep, waitForExit, which,
} from './proc.js';

/** containerd 1.6's compiled-in state dir: shim sockets, runc state and ctr FIFOs land here. */
export const HOST_CONTAINERD_STATE = '/run/containerd';

export interface PrivateContainerdOptions {
  /**
   * Content of DIR/config.toml. A function gets DIR (the temp dir does not exist before the
   * call); in a string, every `{{DIR}}` is replaced by DIR. Default: baseConfig(DIR).
   * The text must keep containerd away from the machine's own daemon: `root`, `state`,
   * `[grpc] address`, and (unless the plugin is disabled) the opt plugin's `path` and the CRI
   * plugin's `cni.conf_dir` must lie inside DIR (extend baseConfig(dir) to get them). A text
   * that does not parse as TOML, or breaks that rule, is refused before anything starts.
   */
  configText?: string | ((dir: string) => string);
  /** stop() is registered here as soon as the temp dir exists. */
  cleanup?: CleanupRegistry;
  /** Added to (or overriding) containerd's environment, e.g. PATH to control shim lookup. */
  extraEnv?: Record<string, string>;
  /** How long to wait for `ctr version` to answer (default 30 s). */
  startTimeoutMs?: number;
}

export interface CtrCallOptions {
  input?: string | Buffer;
  /** Default 120 s. */
  timeoutMs?: number;
}

export interface PrivateContainerd {
  /** The temp dir (e.g. /tmp/gvw-ctd-AbC123) holding everything. */
  readonly dir: string;
  /** Plain path of the gRPC socket (DIR/containerd.sock); ttrpc serves DIR/containerd.sock.ttrpc. */
  readonly socket: string;
  /** DIR/config.toml: the file passed with --config (edit it, then restart()). */
  readonly configFile: string;
  /** DIR/root and DIR/state (containerd's root and state). */
  readonly root: string;
  readonly state: string;
  /** DIR/bin: first on PATH in `env` and in containerd's own environment (shim lookup). */
  readonly binDir: string;
  /** DIR/containerd.pid, rewritten by every (re)start. */
  readonly pidFile: string;
  /** DIR/containerd.argv: containerd's argv, one argument per line. */
  readonly argvFile: string;
  /** DIR/containerd.start: `sh DIR/containerd.start` writes the pidfile and execs containerd
   *  (environment, cwd and log redirection included). Used by restart() and fake systemctl. */
  readonly startScript: string;
  /** DIR/containerd.log (appended to across restarts). */
  readonly logFile: string;
  /** The containerd binary (/usr/bin/containerd). */
  readonly containerdBin: string;
  /** The ctr binary used by ctr(). */
  readonly ctrBin: string;
  /** The argv containerd is started with: [containerdBin, '--config', configFile]. */
  readonly argv: readonly string[];
  /** Current containerd pid (read from the pidfile; 0 when unknown). */
  readonly pid: number;
  /** For the wizard under test: process.env without CONTAINERD_*, DIR/bin first on PATH
   *  (sbin dirs added), CONTAINERD_ADDRESS=socket. CONTAINERD_NAMESPACE is not set. */
  readonly env: Record<string, string>;
  /** `ctr --address SOCKET ...args`. Never rejects. */
  ctr(args: string[], opts?: CtrCallOptions): Promise<CommandResult>;
  /** True when the pid in the pidfile is a live containerd reading this configFile. */
  isRunning(): boolean;
  /** Waits until `ctr version` answers (after a restart done elsewhere, e.g. fake systemctl). */
  waitReady(timeoutMs?: number): Promise<void>;
  /** SIGTERM, wait for the exit, start again with the same argv (so the config file is read again). */
  restart(): Promise<void>;
  /** `containerd --config FILE config dump` (FILE defaults to configFile). Never rejects. */
  configDump(file?: string): Promise<CommandResult>;
  /** Host path of the shim socket containerd 1.6 uses for a task (/run/containerd/s/<sha256>). */
  shimSocketPath(namespace: string, id: string): string;
  /** containerd's log so far (kept in memory after stop()). */
  logText(): string;
  /** Kills tasks, removes containers in every namespace, stops containerd, kills leftovers,
   *  unmounts, deletes DIR and the host leftovers listed above. Idempotent; throws if
   *  something could not be cleaned up. */
  stop(): Promise<void>;
}


/** Single-quotes a string for POSIX sh. */
export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function tail(text: string, n: number): string {
  const lines = text.split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines.slice(-n).join('\n');
}

const q = (s: string): string => JSON.stringify(s);

/**
 * The harness's default config for a private containerd in `dir` (version 2). Everything that
 * would otherwise default to the machine's paths points into `dir`: root, state, the gRPC
 * socket (ttrpc follows it as <socket>.ttrpc), the opt plugin (would create /opt/containerd),
 * the v1 runtime root, and CRI's CNI dirs (CRI creates its conf_dir when missing; the default
 * is /etc/cni/net.d). CRI stays enabled (it loads, and only logs that no CNI config exists).
 *
 * Extend it by appending tables. It defines `[plugins."io.containerd.grpc.v1.cri".cni]` but
 * not `[plugins."io.containerd.grpc.v1.cri"]` itself, so an appended
 * `[plugins."io.containerd.grpc.v1.cri"]` or `[plugins."io.containerd.grpc.v1.cri".containerd…]`
 * table is not a duplicate.
 */
export function baseConfig(dir: string): string {
  return [
    'version = 2',
    `root = ${q(join(dir, 'root'))}`,
    `state = ${q(join(dir, 'state'))}`,
    '',
    '[grpc]',
    `  address = ${q(join(dir, 'containerd.sock'))}`,
    '',
    '[plugins."io.containerd.internal.v1.opt"]',
    `  path = ${q(join(dir, 'opt'))}`,
    '',
    '[plugins."io.containerd.runtime.v1.linux"]',
    `  runtime_root = ${q(join(dir, 'v1-runc'))}`,
    '',
    '[plugins."io.containerd.grpc.v1.cri".cni]',
    `  bin_dir = ${q(join(dir, 'cni', 'bin'))}`,
    `  conf_dir = ${q(join(dir, 'cni', 'net.d'))}`,
    '',
  ].join('\n');
}

type Table = Record<string, unknown>;
const asTable = (v: unknown): Table | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? v as Table : undefined);

/**
 * Throws unless `text` keeps a containerd away from the machine's paths (see
 * PrivateContainerdOptions.configText). Exported for tests of the harness.
 */
export function assertPrivateConfig(text: string, dir: string): void {
  let doc: Table;
  try {
    doc = parseToml(text) as Table;
  } catch (e) {
    throw new Error(`private containerd: refusing a config that is not valid TOML (cannot check that it stays inside ${dir}): ${(e as Error).message}`);
  }
  const inside = (v: unknown): boolean => typeof v === 'string' && isAbsolute(v) && (resolve(v) + '/').startsWith(dir.replace(/\/+$/, '') + '/');
  const problems: string[] = [];
  const need = (label: string, v: unknown): void => {
    if (!inside(v)) problems.push(`${label} = ${v === undefined ? '(not set: containerd would use its default)' : JSON.stringify(v)}`);
  };
  need('root', doc.root);
  need('state', doc.state);
  need('[grpc] address', asTable(doc.grpc)?.address);
  const ttrpc = asTable(doc.ttrpc)?.address;
  if (typeof ttrpc === 'string' && ttrpc !== '') need('[ttrpc] address', ttrpc);
  const debug = asTable(doc.debug)?.address;
  if (typeof debug === 'string' && debug !== '') need('[debug] address', debug);

  const disabled = Array.isArray(doc.disabled_plugins) ? doc.disabled_plugins.map(String) : [];
  const plugins = asTable(doc.plugins) ?? {};
  const plugin = (full: string, short: string): { table: Table | undefined; off: boolean } => ({
    table: asTable(plugins[full]) ?? asTable(plugins[short]),
    off: disabled.includes(full) || disabled.includes(short),
  });
  const opt = plugin('io.containerd.internal.v1.opt', 'opt');
  if (!opt.off) need('[plugins."io.containerd.internal.v1.opt"] path', opt.table?.path);
  const cri = plugin('io.containerd.grpc.v1.cri', 'cri');
  if (!cri.off) need('[plugins."io.containerd.grpc.v1.cri".cni] conf_dir', asTable(cri.table?.cni)?.conf_dir);
  if (problems.length > 0) {
    throw new Error(`private containerd: the config must keep everything inside ${dir} (extend baseConfig(dir)); outside or unset:\n- ${problems.join('\n- ')}`);
  }
}

/** Top-level cgroup directories: one per mounted v1 hierarchy, or the v2 root. */
function cgroupRoots(): string[] {
  let info: string;
  try {
    info = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  const roots: string[] = [];
  for (const line of info.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const fstype = line.slice(sep + 3).split(' ')[0];
    if (fstype !== 'cgroup' && fstype !== 'cgroup2') continue;
    const mp = line.split(' ')[4];
    if (mp && !roots.includes(mp)) roots.push(mp);
  }
  return roots;
}

function listDir(p: string): string[] {
  try {
    return readdirSync(p);
  } catch {
    return [];
  }
}

function isDir(p: string): boolean {
  try {
    return lstatSync(p).isDirectory();
  } catch {
    return false;
  }
}

function tryRmdir(p: string): boolean {
  try {
    rmdirSync(p);
    return true;
  } catch {
    return false;
  }
}

/** What existed on the host before this instance started, so stop() only removes its own. */
interface HostBaseline {
  hostState: boolean;
  dirs: Map<string, boolean>;
  fifoEntries: Set<string>;
  runcEntries: Set<string>;
  cgroupTop: Map<string, Set<string>>;
}

const live = new Set<PrivateContainerdImpl>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const c of live) c.emergencyKill();
  });
}

class PrivateContainerdImpl implements PrivateContainerd {
  readonly socket: string;
  readonly configFile: string;
  readonly root: string;
  readonly state: string;
  readonly binDir: string;
  readonly pidFile: string;
  readonly argvFile: string;
  readonly startScript: string;
  readonly logFile: string;
  readonly containerdBin: string;
  readonly ctrBin: string;
  readonly argv: readonly string[];
  readonly env: Record<string, string>;
  private readonly daemonEnv: Record<string, string>;
  private child: ChildProcess | undefined;
  private stopping: Promise<void> | undefined;
  private finalLog: string | undefined;
  private baseline: HostBaseline | undefined;
  /** Every namespace/container id seen (for the host leftovers keyed by them). */
  private readonly seen = new Map<string, Set<string>>();

  constructor(readonly dir: string, private readonly opts: PrivateContainerdOptions) {
    this.socket = join(dir, 'containerd.sock');
    this.configFile = join(dir, 'config.toml');
    this.root = join(dir, 'root');
    this.state = join(dir, 'state');
    this.binDir = join(dir, 'bin');
    this.pidFile = join(dir, 'containerd.pid');
    this.argvFile = join(dir, 'containerd.argv');
    this.startScript = join(dir, 'containerd.start');
    this.logFile = join(dir, 'containerd.log');
    this.containerdBin = which('containerd') ?? '/usr/bin/containerd';
    this.ctrBin = which('ctr') ?? '/usr/bin/ctr';
    this.argv = [this.containerdBin, '--config', this.configFile];
    const env = cleanEnv('CONTAINERD_');
    env.PATH = `${this.binDir}:${env.PATH}`;
    env.CONTAINERD_ADDRESS = this.socket;
    this.env = env;
    this.daemonEnv = { ...cleanEnv('CONTAINERD_'), PATH: `${this.binDir}:${pathWithSbin(process.env.PATH)}`, ...(opts.extraEnv ?? {}) };
  }

  get pid(): number {
    try {
      const n = Number(readFileSync(this.pidFile, 'utf8').trim());
      return Number.isInteger(n) && n > 0 ? n : 0;
    } catch {
      return 0;
    }
  }

  /** The pidfile's pid, when it is alive and really our containerd (not a recycled pid). */
  private livePid(): number {
    const pid = this.pid;
    if (!pid || !isAlive(pid)) return 0;
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      return argv.includes(this.configFile) ? pid : 0;
    } catch {
      return 0;
    }
  }

  isRunning(): boolean {
    return this.livePid() !== 0;
  }

  private recordBaseline(): void {
    const dirs = new Map<string, boolean>();
    for (const d of ['s', 'runc', 'fifo']) dirs.set(join(HOST_CONTAINERD_STATE, d), isDir(join(HOST_CONTAINERD_STATE, d)));
    const cgroupTop = new Map<string, Set<string>>();
    for (const r of cgroupRoots()) cgroupTop.set(r, new Set(listDir(r)));
    this.baseline = {
      hostState: isDir(HOST_CONTAINERD_STATE),
      dirs,
      fifoEntries: new Set(listDir(join(HOST_CONTAINERD_STATE, 'fifo'))),
      runcEntries: new Set(listDir(join(HOST_CONTAINERD_STATE, 'runc'))),
      cgroupTop,
    };
  }

  async start(): Promise<void> {
    live.add(this);
    installExitHook();
    this.recordBaseline();
    for (const d of [this.binDir, this.root, this.state]) mkdirSync(d, { recursive: true });
    const c = this.opts.configText;
    const text = c === undefined ? baseConfig(this.dir) : typeof c === 'function' ? c(this.dir) : c.split('{{DIR}}').join(this.dir);
    assertPrivateConfig(text, this.dir);
    writeFileSync(this.configFile, text);
    writeFileSync(this.argvFile, `${this.argv.join('\n')}\n`);
    const envArgs = Object.entries(this.daemonEnv)
      .filter(([k]) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(k))
      .map(([k, v]) => shQuote(`${k}=${v}`));
    writeFileSync(this.startScript, [
      '#!/bin/sh',
      '# Starts the private containerd of a gvisor-wizard test (written by test/helpers/private-containerd.ts).',
      '# The pid written below stays containerd\'s pid: everything after it is exec.',
      `cd ${shQuote(this.dir)} || exit 1`,
      `echo $$ > ${shQuote(this.pidFile)}`,
      `exec </dev/null >>${shQuote(this.logFile)} 2>&1`,
      `exec env -i ${envArgs.join(' ')} ${this.argv.map(shQuote).join(' ')}`,
      '',
    ].join('\n'), { mode: 0o755 });
    await this.launch();
  }

  /** Runs the start script as a child and waits until ctr answers. */
  private async launch(): Promise<void> {
    rmSync(this.pidFile, { force: true });
    const child = spawn('/bin/sh', [this.startScript], { stdio: 'ignore', cwd: this.dir });
    child.on('error', () => { /* reported through the start timeout */ });
    // Do not keep the test process alive for a daemon a test forgot to stop; the exit hook
    // sends it SIGTERM instead.
    child.unref();
    this.child = child;
    await this.waitReady(this.opts.startTimeoutMs ?? 30_000, child);
  }

  async waitReady(timeoutMs = 30_000, child?: ChildProcess): Promise<void> {
    try {
      await pollUntil(async () => {
        if (child && (child.exitCode !== null || child.signalCode)) {
          throw new PollAbort(`containerd exited (${child.exitCode ?? child.signalCode})`);
        }
        if (!child && !this.pid) return false;
        if (!existsSync(this.socket)) return false;
        const r = await this.ctr(['version'], { timeoutMs: 5_000 });
        return r.code === 0;
      }, { timeoutMs, intervalMs: 150, label: `private containerd at ${this.socket} answering ctr version` });
    } catch (e) {
      throw new Error(`${(e as Error).message}\n--- last 30 lines of ${this.logFile}:\n${tail(this.logText(), 30)}`);
    }
  }

  ctr(args: string[], opts: CtrCallOptions = {}): Promise<CommandResult> {
    const o: { env: Record<string, string>; timeoutMs: number; input?: string | Buffer } = {
      env: this.env, timeoutMs: opts.timeoutMs ?? 120_000,
    };
    if (opts.input !== undefined) o.input = opts.input;
    return runCommand(this.ctrBin, ['--address', this.socket, ...args], o);
  }

  configDump(file = this.configFile): Promise<CommandResult> {
    return runCommand(this.containerdBin, ['--config', file, 'config', 'dump'], { env: this.daemonEnv, timeoutMs: 30_000 });
  }

  shimSocketPath(namespace: string, id: string): string {
    const h = createHash('sha256').update(join(this.socket, namespace, id)).digest('hex');
    return join(HOST_CONTAINERD_STATE, 's', h);
  }

  logText(): string {
    if (this.finalLog !== undefined) return this.finalLog;
    try {
      return readFileSync(this.logFile, 'utf8');
    } catch {
      return '';
    }
  }

  private async terminate(pid: number, graceMs: number): Promise<boolean> {
    if (!pid || !isAlive(pid)) return true;
    signalPid(pid, 'SIGTERM');
    if (await waitForExit(pid, graceMs)) return true;
    signalPid(pid, 'SIGKILL');
    return waitForExit(pid, 5_000);
  }

  async restart(): Promise<void> {
    if (this.stopping) throw new Error('private containerd: restart() after stop()');
    await this.noteContainers();
    const pid = this.livePid();
    if (pid && !(await this.terminate(pid, 15_000))) throw new Error(`private containerd: pid ${pid} did not exit`);
    await this.launch();
  }

  /** Remembers every namespace/container the daemon knows (for host leftovers after a crash). */
  private async noteContainers(): Promise<Array<[string, string]>> {
    const pairs: Array<[string, string]> = [];
    const add = (ns: string, id: string): void => {
      if (!this.seen.has(ns)) this.seen.set(ns, new Set());
      this.seen.get(ns)!.add(id);
    };
    // From the bundles on disk (works even when containerd is gone).
    const v2 = join(this.state, 'io.containerd.runtime.v2.task');
    for (const ns of listDir(v2)) {
      if (!this.seen.has(ns)) this.seen.set(ns, new Set());
      for (const id of listDir(join(v2, ns))) add(ns, id);
    }
    if (this.livePid() && existsSync(this.socket)) {
      const nss = await this.ctr(['namespaces', 'ls', '-q'], { timeoutMs: 20_000 });
      for (const ns of nss.code === 0 ? nss.stdout.split('\n').map((s) => s.trim()).filter(Boolean) : []) {
        if (!this.seen.has(ns)) this.seen.set(ns, new Set());
        const cs = await this.ctr(['-n', ns, 'containers', 'ls', '-q'], { timeoutMs: 20_000 });
        for (const id of cs.code === 0 ? cs.stdout.split('\n').map((s) => s.trim()).filter(Boolean) : []) {
          add(ns, id);
          pairs.push([ns, id]);
        }
      }
    }
    return pairs;
  }

  stop(): Promise<void> {
    if (!this.stopping) this.stopping = this.doStop();
    return this.stopping;
  }

  /** Synchronous last resort from process.on('exit'). */
  emergencyKill(): void {
    const pid = this.livePid();
    if (pid) signalPid(pid, 'SIGTERM');
    const first = this.unreapedChildPid();
    if (first && first !== pid) signalPid(first, 'SIGTERM');
  }

  /** The pid of the child node started, while node has not reaped it (so it cannot be a recycled pid). */
  private unreapedChildPid(): number {
    const c = this.child;
    return c?.pid && c.exitCode === null && c.signalCode === null ? c.pid : 0;
  }

  private async doStop(): Promise<void> {
    const problems: string[] = [];

    // 1. Tasks and containers, while containerd can still tear them down through the shims
    //    (which then remove their sockets, runc state, FIFOs and cgroups themselves).
    const pairs = await this.noteContainers().catch(() => [] as Array<[string, string]>);
    for (const [ns, id] of pairs) {
      const t = await this.ctr(['-n', ns, 'tasks', 'ls', '-q'], { timeoutMs: 20_000 });
      if (t.code === 0 && t.stdout.split('\n').map((s) => s.trim()).includes(id)) {
        // --force kills the task (SIGKILL) and waits for it before deleting.
        const del = await this.ctr(['-n', ns, 'tasks', 'delete', '--force', id], { timeoutMs: 60_000 });
        if (del.code !== 0) {
          await this.ctr(['-n', ns, 'tasks', 'kill', '--all', '--signal', 'SIGKILL', id], { timeoutMs: 20_000 });
          await sleep(500);
          const again = await this.ctr(['-n', ns, 'tasks', 'delete', '--force', id], { timeoutMs: 60_000 });
          if (again.code !== 0) problems.push(`ctr -n ${ns} tasks delete --force ${id}: ${again.stderr.trim() || again.code}`);
        }
      }
      const rmc = await this.ctr(['-n', ns, 'containers', 'rm', id], { timeoutMs: 30_000 });
      if (rmc.code !== 0 && !/not found/.test(rmc.stderr)) problems.push(`ctr -n ${ns} containers rm ${id}: ${rmc.stderr.trim() || rmc.code}`);
    }

    // 2. containerd itself (its current pid, and the first child if that is still around).
    const pid = this.livePid();
    if (!(await this.terminate(pid, 15_000))) problems.push(`containerd ${pid} did not exit`);
    const first = this.unreapedChildPid();
    if (first && first !== pid && !(await this.terminate(first, 5_000))) problems.push(`containerd ${first} did not exit`);

    // 3. Leftovers: container init processes whose shim is gone (their cmdline does not mention
    //    DIR), then shims, runsc-sandbox / runsc-gofer and anything else started below DIR.
    this.killOrphanInits();
    await killProcessesMatching(this.dir, { signal: 'SIGKILL' });
    const left = processesMatching(this.dir);
    if (left.length > 0) problems.push(`processes still running: ${left.map((p) => `${p.pid} ${p.argv.join(' ')}`).join('; ')}`);

    // 4. Keep the log for post-mortem assertions, then unmount and delete.
    this.finalLog = this.logText();
    const stillMounted = await unmountUnder(this.dir);
    if (stillMounted.length > 0) problems.push(`still mounted: ${stillMounted.join(', ')}`);

    // 5. What containerd 1.6 left on the host for our tasks.
    problems.push(...this.cleanHost());

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
    if (mountsUnder(this.dir).length > 0) problems.push(`still mounted: ${mountsUnder(this.dir).join(', ')}`);
    live.delete(this);
    if (problems.length > 0) throw new Error(`private containerd cleanup of ${this.dir} incomplete:\n- ${problems.join('\n- ')}`);
  }

  /** SIGKILLs container init processes (init.pid in our bundles) that are still alive. */
  private killOrphanInits(): void {
    const v2 = join(this.state, 'io.containerd.runtime.v2.task');
    const selfPidNs = readlinkSafe('/proc/self/ns/pid');
    for (const ns of listDir(v2)) {
      for (const id of listDir(join(v2, ns))) {
        let pid = 0;
        try {
          pid = Number(readFileSync(join(v2, ns, id, 'init.pid'), 'utf8').trim());
        } catch {
          continue;
        }
        if (!pid || !isAlive(pid)) continue;
        // Only a process in its own pid namespace (a container init, or a runsc sandbox) -
        // never something that merely got the recycled pid on the host.
        const pidNs = readlinkSafe(`/proc/${pid}/ns/pid`);
        if (pidNs && selfPidNs && pidNs !== selfPidNs) signalPid(pid, 'SIGKILL');
      }
    }
  }

  /** Removes the host leftovers of our tasks; returns problems for what is provably ours and stayed. */
  private cleanHost(): string[] {
    const problems: string[] = [];
    const base = this.baseline;
    const s = join(HOST_CONTAINERD_STATE, 's');
    const runc = join(HOST_CONTAINERD_STATE, 'runc');
    const fifo = join(HOST_CONTAINERD_STATE, 'fifo');
    const ids = new Set<string>();
    for (const [ns, set] of this.seen) {
      for (const id of set) {
        ids.add(id);
        // Shim socket: only a shim killed with SIGKILL leaves it behind.
        const sock = this.shimSocketPath(ns, id);
        if (existsSync(sock)) {
          try {
            rmSync(sock, { force: true });
          } catch (e) {
            problems.push(`rm ${sock}: ${(e as Error).message}`);
          }
        }
        // runc/runsc state of a task whose delete never ran: only files naming our DIR.
        const st = join(runc, ns, id);
        if (isDir(st) && dirMentions(st, this.dir)) rmSync(st, { recursive: true, force: true });
        for (const f of listDir(join(runc, ns))) {
          const p = join(runc, ns, f);
          // runsc keeps <sandbox>_sandbox:<id>.state / .lock next to the per-container dirs.
          if (f.endsWith(`:${id}.state`) && fileMentions(p, this.dir)) {
            rmSync(p, { force: true });
            rmSync(p.replace(/\.state$/, '.lock'), { force: true });
          }
        }
      }
      // Empty per-namespace dirs that were not there before we started.
      if (base && !base.runcEntries.has(ns)) tryRmdir(join(runc, ns));
    }
    // FIFO dirs of detached `ctr run`s whose task was never deleted: new since our start, and
    // holding only <our id>-stdin/-stdout/-stderr.
    for (const e of listDir(fifo)) {
      if (base?.fifoEntries.has(e)) continue;
      const p = join(fifo, e);
      const names = listDir(p);
      if (names.length > 0 && names.every((n) => {
        const m = /^(.*)-(stdin|stdout|stderr)$/.exec(n);
        return m !== null && ids.has(m[1]!);
      })) rmSync(p, { recursive: true, force: true });
    }
    // cgroups of our containers (ctr's default "/<ns>/<id>"): rmdir only succeeds when empty.
    for (const [root, before] of base?.cgroupTop ?? new Map<string, Set<string>>()) {
      for (const [ns, set] of this.seen) {
        for (const id of set) tryRmdir(join(root, ns, id));
        if (!before.has(ns)) tryRmdir(join(root, ns));
      }
    }
    // Directories the shims/runc/ctr created on the host because of us (only when empty).
    if (base) {
      for (const [d, existed] of base.dirs) if (!existed) tryRmdir(d);
      if (!base.hostState) tryRmdir(HOST_CONTAINERD_STATE);
    }
    for (const [ns, set] of this.seen) {
      for (const id of set) {
        if (existsSync(this.shimSocketPath(ns, id))) problems.push(`shim socket ${this.shimSocketPath(ns, id)} (${ns}/${id}) still exists`);
        if (isDir(join(runc, ns, id))) problems.push(`runtime state ${join(runc, ns, id)} still exists`);
      }
    }
    return problems;
  }
}

function readlinkSafe(p: string): string | undefined {
  try {
    return readlinkSync(p);
  } catch {
    return undefined;
  }
}

function fileMentions(p: string, needle: string): boolean {
  try {
    return readFileSync(p, 'utf8').includes(needle);
  } catch {
    return false;
  }
}

function dirMentions(dir: string, needle: string): boolean {
  for (const n of listDir(dir)) {
    const p = join(dir, n);
    if (isDir(p) ? dirMentions(p, needle) : fileMentions(p, needle)) return true;
  }
  return false;
}

/**
 * Starts containerd below a fresh /tmp/gvw-ctd-XXXXXX and waits until `ctr version` answers.
 * On failure everything already started is cleaned up and the error carries the last 30 log
 * lines.
 */
export async function startPrivateContainerd(opts: PrivateContainerdOptions = {}): Promise<PrivateContainerd> {
  // Short on purpose: unix socket paths are limited to 107 bytes.
  const dir = await mkdtemp('/tmp/gvw-ctd-');
  const c = new PrivateContainerdImpl(dir, opts);
  opts.cleanup?.add(`private containerd ${dir}`, () => c.stop());
  try {
    await c.start();
  } catch (e) {
    const err = e as Error;
    await c.stop().catch((se: Error) => {
      err.message += `\n(cleanup after the failed start also failed: ${se.message})`;
    });
    throw err;
  }
  return c;
}
