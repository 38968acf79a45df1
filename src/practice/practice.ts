// Practice mode (--practice): every step runs for real, but against stand-ins kept below DIR
// (the --root): a docker CLI and a dockerd, or a containerd, ctr and systemctl, that only
// pretend to run containers, and a practice release whose "runsc" is a copy of /bin/true.
// Nothing outside DIR is written, and every answer that would prove isolation says it is practice.

import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Step, StepContext } from '../steps/step.js';
import type { CheckView, EngineName } from '../wizard/state.js';
import { stepsFor } from '../wizard/session.js';
import type { WizardOptions } from '../wizard/options.js';
import { practiceLayout, type PracticeLayout } from './paths.js';
import { dockerClientSource, dockerdSource } from './standin-sources.js';
import { containerdSource, ctrSource, journalctlSource, systemctlSource } from './containerd-sources.js';

export { defaultPracticeRoot, isPracticeRoot, practiceLayout } from './paths.js';

/** The check's verdict in practice: never a plain PASS. */
export const PRACTICE_VERDICT = 'PRACTICE: simulated evidence — this proves nothing about a real sandbox';

/** The first line of every practice screen and of headless output. */
export function practiceBanner(options: Pick<WizardOptions, 'root'>): string {
  return `PRACTICE MODE (stand-in engines under ${options.root}; this machine is not changed)`;
}

/** The headline of a check's result: PASS/FAIL, or in practice the marked verdict / FAIL (practice). */
export function checkHeadline(check: Pick<CheckView, 'passed' | 'verdict'>, practice: boolean): string {
  if (!practice) return `${check.passed ? 'PASS' : 'FAIL'}: ${check.verdict}`;
  return check.passed ? PRACTICE_VERDICT : `FAIL (practice): ${check.verdict}`;
}

/** A passed check seen through practice eyes: the verdict says the evidence is simulated. */
export function practiceCheck(check: CheckView): CheckView {
  return check.passed ? { ...check, verdict: PRACTICE_VERDICT } : check;
}

/** The steps with the isolation check's verdict (state file, report, screens) marked as practice. */
export function practiceSteps(steps: readonly Step[]): Step[] {
  return steps.map((s) => (s.id === 'isolation-check' ? markCheckStep(s) : s));
}

/** stepsFor with the practice marking: what the TUI builds its steps with in practice mode. */
export function practiceStepsOf(engine: EngineName, options?: Pick<WizardOptions, 'kubernetes'>): Step[] {
  return practiceSteps(stepsFor(engine, options));
}

function markCheckStep(step: Step): Step {
  const marked = (ctx: StepContext): StepContext => ({ ...ctx, reportCheck: (c) => ctx.reportCheck(practiceCheck(c)) });
  return {
    ...step,
    title: `${step.title} (practice: simulated)`,
    inspect: (ctx) => step.inspect(marked(ctx)),
    apply: async (ctx, plan) => {
      await step.apply(marked(ctx), plan);
      return PRACTICE_VERDICT;
    },
    verify: (ctx) => step.verify(marked(ctx)),
  };
}

/** Commands that talk to the engine: the stand-in daemon runs while they do. */
const NEEDS_ENGINE = new Set(['tui', 'apply', 'plan', 'check', 'detect', 'run', 'resume', 'undo', 'doctor', 'report', 'steps']);

export interface PracticeSession {
  layout: PracticeLayout;
  /** The stand-in dockerd's pid, while it runs. */
  dockerdPid?: number;
  /** The stand-in containerd's pid as started (a restart replaces it; see DIR/practice/run/containerd.pid). */
  containerdPid?: number;
  /** Stops the stand-in daemon (always call it; safe twice). */
  stop(): Promise<void>;
}

/** The PATH a containerd service gets from systemd: where it looks for shims (below DIR in practice). */
const SERVICE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * Prepares DIR (stand-ins, practice release), points the options and this process's PATH and
 * TMPDIR at them, and starts the stand-in engine (dockerd, or containerd) when the command needs one.
 * `explicit` are the flags the operator gave: an explicit --from-dir or --mirror is kept.
 */
export async function startPractice(command: string, options: WizardOptions, explicit: ReadonlySet<string>): Promise<PracticeSession> {
  if (options.root === '/') throw new Error('internal: practice needs --root DIR');
  if (options.kubernetes && command !== 'report' && command !== 'undo') {
    throw new PracticeError('practice mode has no Kubernetes stand-ins', 'there is no stand-in kubelet, kubeadm or control plane', 'Leave --kubernetes out: --practice --runtime containerd walks the containerd steps.');
  }
  const containerd = options.engine === 'containerd';
  const layout = preparePracticeDir(options.root);
  options.dockerHost = layout.dockerHost;
  options.containerdSocket = layout.containerdSocket;
  // docker: no systemctl, the wizard reloads the stand-in with SIGHUP. containerd has no reload:
  // a stand-in systemctl restarts the stand-in containerd, as on a Debian worker with systemd.
  options.serviceManager = containerd ? 'systemd' : 'none';
  if (!explicit.has('from-dir') && !explicit.has('mirror')) {
    options.fromDir = layout.releaseMachinePath;
    delete options.mirror;
  }
  process.env.PATH = `${layout.bin}:${process.env.PATH ?? '/usr/bin:/bin'}`;
  process.env.TMPDIR = layout.tmp;
  process.env.DOCKER_HOST = layout.dockerHost;
  if (!NEEDS_ENGINE.has(command)) return { layout, stop: async () => {} };
  if (containerd) {
    const daemon = await startStandinContainerd(layout);
    return { layout, containerdPid: daemon.pid, stop: () => daemon.stop() };
  }
  const daemon = await startStandinDockerd(layout);
  return { layout, dockerdPid: daemon.pid, stop: () => daemon.stop() };
}

export class PracticeError extends Error {
  constructor(readonly what: string, readonly why: string, readonly next: string) {
    super(`${what}: ${why}. ${next}`);
    this.name = 'PracticeError';
  }
}

/** DIR and its practice folder: created private, refused when someone else owns it (shared /tmp). */
export function preparePracticeDir(root: string): PracticeLayout {
  const l = practiceLayout(root);
  fs.mkdirSync(l.root, { recursive: true, mode: 0o700 });
  const st = fs.lstatSync(l.root);
  const uid = process.getuid?.();
  if (!st.isDirectory() || (uid !== undefined && st.uid !== uid)) {
    throw new PracticeError(`${l.root} cannot hold a practice run`, st.isDirectory() ? `it belongs to another user (uid ${st.uid})` : 'it is not a folder', 'Pass --root DIR with a folder of your own.');
  }
  for (const d of [l.dir, l.bin, l.libexec, l.run, l.log, l.tmp, l.release, join(l.root, 'etc', 'docker'), join(l.root, 'etc', 'containerd'), join(l.root, 'usr', 'local', 'bin')]) fs.mkdirSync(d, { recursive: true, mode: 0o755 });
  writeIfChanged(join(l.dir, 'package.json'), '{ "type": "commonjs" }\n', 0o644);
  writeIfChanged(join(l.dir, 'README'), `This folder holds a gvisor-wizard PRACTICE run: stand-in engines, not real ones.\nbin/docker, libexec/dockerd, bin/containerd and bin/ctr only pretend to run containers; bin/systemctl and\nbin/journalctl manage and show only the practice containerd; release/runsc is a copy of /bin/true.\nDelete the whole folder (${l.root}) when done.\n`, 0o644);
  writeIfChanged(join(l.bin, 'docker'), dockerClientSource(l.root), 0o755);
  writeIfChanged(join(l.libexec, 'dockerd.cjs'), dockerdSource(l.root), 0o644);
  const toml = tomlModulePath();
  if (toml) {
    writeIfChanged(join(l.libexec, 'containerd.cjs'), containerdSource(l.root, toml), 0o644);
    writeIfChanged(join(l.bin, 'containerd'), `#!/usr/bin/env node\n// gvisor-wizard PRACTICE stand-in for containerd (see ../libexec/containerd.cjs).\nrequire(${JSON.stringify(join(l.libexec, 'containerd.cjs'))});\n`, 0o755);
    writeIfChanged(join(l.bin, 'ctr'), ctrSource(l.root), 0o755);
    writeIfChanged(join(l.bin, 'systemctl'), systemctlSource(l.root), 0o755);
    writeIfChanged(join(l.bin, 'journalctl'), journalctlSource(l.root), 0o755);
  }
  // The daemon's first word is a link to node, so the process list shows ".../dockerd -H ...".
  const link = join(l.libexec, 'dockerd');
  if (readLink(link) !== process.execPath) {
    fs.rmSync(link, { force: true });
    fs.symlinkSync(process.execPath, link);
  }
  prepareRelease(l);
  // Detection reads the distro below DIR: show this machine's, as a real run would.
  const osRelease = join(l.root, 'etc', 'os-release');
  if (!fs.existsSync(osRelease) && fs.existsSync('/etc/os-release')) fs.copyFileSync('/etc/os-release', osRelease);
  writeIfChanged(l.marker, `${JSON.stringify({ practice: true, engines: toml ? ['docker', 'containerd'] : ['docker'], note: 'stand-in engines; see README' }, null, 2)}\n`, 0o644);
  return l;
}

/**
 * The stand-in containerd reads and prints TOML with @iarna/toml, loaded from the wizard's own
 * installation; undefined when the wizard runs as the single-file bundle without node_modules.
 */
function tomlModulePath(): string | undefined {
  try {
    return createRequire(import.meta.url).resolve('@iarna/toml');
  } catch {
    return undefined;
  }
}

/** The practice release, loose layout: runsc (a copy of /bin/true: a real ELF for this machine) and its sha512. */
function prepareRelease(l: PracticeLayout): void {
  const src = ['/bin/true', '/usr/bin/true'].find((p) => fs.existsSync(p));
  if (!src) throw new PracticeError('no practice runsc', 'neither /bin/true nor /usr/bin/true exists to stand in for runsc', 'Install coreutils, then rerun.');
  const bytes = fs.readFileSync(src);
  writeIfChanged(join(l.release, 'runsc'), bytes, 0o755);
  writeIfChanged(join(l.release, 'runsc.sha512'), `${createHash('sha512').update(bytes).digest('hex')}  runsc\n`, 0o644);
}

function writeIfChanged(path: string, data: string | Buffer, mode: number): void {
  const buf = typeof data === 'string' ? Buffer.from(data) : data;
  let old: Buffer | undefined;
  try { old = fs.readFileSync(path); } catch { /* new */ }
  if (!old?.equals(buf)) fs.writeFileSync(path, buf, { mode });
  fs.chmodSync(path, mode);
}

function readLink(p: string): string | undefined {
  try { return fs.readlinkSync(p); } catch { return undefined; }
}

/** Starts the stand-in dockerd and waits until it serves its socket; `stop` is safe to call twice. */
export async function startStandinDockerd(l: PracticeLayout): Promise<{ pid: number; stop(): Promise<void> }> {
  return startStandinDaemon(l, 'dockerd', join(l.libexec, 'dockerd'), ['-H', l.dockerHost, '--config-file', '/etc/docker/daemon.json'], { ...process.env },
    `Look at ${join(l.log, 'dockerd.log')}; a broken ${l.root}/etc/docker/daemon.json stops it, as it stops the real dockerd.`);
}

/**
 * Starts the stand-in containerd (as `DIR/practice/bin/containerd ... --config /etc/containerd/config.toml
 * --address SOCK`, with a service's PATH) and waits until it serves. `stop` also stops the
 * successor a `systemctl restart containerd` started, found by its pid file.
 */
export async function startStandinContainerd(l: PracticeLayout): Promise<{ pid: number; stop(): Promise<void> }> {
  if (!fs.existsSync(join(l.libexec, 'containerd.cjs'))) {
    throw new PracticeError('practice mode has no stand-in containerd here', 'the stand-in needs the @iarna/toml package, and this wizard runs without its node_modules (the single-file bundle)', 'Run the wizard from its npm installation (bin/gvisor-wizard.js) for --runtime containerd, or practise the docker path.');
  }
  const daemon = await startStandinDaemon(l, 'containerd', process.execPath, ['--config', '/etc/containerd/config.toml', '--address', l.containerdSocket], { ...process.env, PATH: SERVICE_PATH, GVW_PRACTICE_OWNER: String(process.pid) },
    `Look at ${join(l.log, 'containerd.log')}; a broken ${l.root}/etc/containerd/config.toml stops it, as it stops the real containerd.`, join(l.bin, 'containerd'));
  return { pid: daemon.pid, stop: async () => { await daemon.stop(); await stopLeftoverDaemon(l, 'containerd'); } };
}

/** Starts a stand-in daemon (`name`.cjs below libexec) and waits for its "ready"; `stop` is safe to call twice. */
async function startStandinDaemon(l: PracticeLayout, name: string, exe: string, args: string[], env: NodeJS.ProcessEnv, hint: string, argv0?: string): Promise<{ pid: number; stop(): Promise<void> }> {
  await stopLeftoverDaemon(l, name);
  const child = spawn(exe, [join(l.libexec, `${name}.cjs`), ...args], {
    argv0,
    // Its own process group: Ctrl-C reaches the wizard, which stops it after cleaning up.
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
    env,
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  const ready = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 10_000);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => { if (d.includes('ready')) { clearTimeout(timer); resolve(true); } });
    child.on('exit', () => { clearTimeout(timer); resolve(false); });
    child.on('error', (e) => { stderr += e.message; clearTimeout(timer); resolve(false); });
  });
  if (!ready) {
    await stopProcess(child);
    throw new PracticeError(`the practice ${name === 'dockerd' ? 'docker' : name} daemon did not start`, stderr.trim().split('\n').pop() || 'no answer within 10 s', hint);
  }
  // Nothing more is read from it; its stdin stays open (its end tells it the wizard is gone).
  child.stdout!.destroy();
  child.stderr!.destroy();
  child.unref();
  (child.stdin as unknown as { unref?: () => void }).unref?.();
  return { pid: child.pid!, stop: () => stopProcess(child) };
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  // The child is unref'd: these timers keep the event loop alive until it has exited.
  const exited = (ms: number) => new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => { clearTimeout(timer); resolve(true); });
  });
  child.kill('SIGTERM');
  if (!(await exited(3000))) {
    child.kill('SIGKILL');
    await exited(3000);
  }
}

/** A stand-in daemon of this DIR still running (an earlier wizard was killed with SIGKILL, or a restart's successor): stop it. */
async function stopLeftoverDaemon(l: PracticeLayout, name: string): Promise<void> {
  let pid: number;
  try { pid = Number(fs.readFileSync(join(l.run, `${name}.pid`), 'utf8').trim()); } catch { return; }
  let cmdline = '';
  try { cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'); } catch { /* gone */ }
  if (pid > 0 && cmdline.includes(join(l.libexec, `${name}.cjs`))) {
    try { process.kill(pid, 'SIGTERM'); } catch { /* gone */ }
    for (let i = 0; i < 30 && fs.existsSync(`/proc/${pid}`); i++) await new Promise((r) => setTimeout(r, 100));
  }
  fs.rmSync(join(l.run, `${name}.pid`), { force: true });
}
