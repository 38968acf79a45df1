// Practice mode (--practice): every step runs for real, but against stand-ins kept below DIR
// (the --root): a docker CLI and a dockerd that only pretend to run containers, and a practice
// release whose "runsc" is a copy of /bin/true. Nothing outside DIR is written, and every
// answer that would prove isolation says it is practice.

import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { join } from 'node:path';
import type { Step, StepContext } from '../steps/step.js';
import type { CheckView, EngineName } from '../wizard/state.js';
import { stepsFor } from '../wizard/session.js';
import type { WizardOptions } from '../wizard/options.js';
import { practiceLayout, type PracticeLayout } from './paths.js';
import { dockerClientSource, dockerdSource } from './standin-sources.js';

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
const NEEDS_ENGINE = new Set(['tui', 'apply', 'plan', 'check', 'detect', 'run', 'resume', 'undo', 'doctor', 'report']);

export interface PracticeSession {
  layout: PracticeLayout;
  /** The stand-in dockerd's pid, while it runs. */
  dockerdPid?: number;
  /** Stops the stand-in daemon (always call it; safe twice). */
  stop(): Promise<void>;
}

/**
 * Prepares DIR (stand-ins, practice release), points the options and this process's PATH and
 * TMPDIR at them, and starts the stand-in dockerd when the command needs an engine.
 * `explicit` are the flags the operator gave: an explicit --from-dir or --mirror is kept.
 */
export async function startPractice(command: string, options: WizardOptions, explicit: ReadonlySet<string>): Promise<PracticeSession> {
  if (options.root === '/') throw new Error('internal: practice needs --root DIR');
  if (options.engine !== 'docker' && command !== 'report' && command !== 'undo') {
    throw new PracticeError('practice mode has stand-ins for docker only', 'the containerd path has no stand-in engine yet', 'Use --practice --runtime docker (or leave --runtime out).');
  }
  const layout = preparePracticeDir(options.root);
  options.dockerHost = layout.dockerHost;
  // No systemctl: the wizard reloads the stand-in with SIGHUP, never a real service.
  options.serviceManager = 'none';
  if (!explicit.has('from-dir') && !explicit.has('mirror')) {
    options.fromDir = layout.releaseMachinePath;
    delete options.mirror;
  }
  process.env.PATH = `${layout.bin}:${process.env.PATH ?? '/usr/bin:/bin'}`;
  process.env.TMPDIR = layout.tmp;
  process.env.DOCKER_HOST = layout.dockerHost;
  const daemon = NEEDS_ENGINE.has(command) ? await startStandinDockerd(layout) : undefined;
  return { layout, dockerdPid: daemon?.pid, stop: async () => { await daemon?.stop(); } };
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
  for (const d of [l.dir, l.bin, l.libexec, l.run, l.log, l.tmp, l.release, join(l.root, 'etc', 'docker'), join(l.root, 'usr', 'local', 'bin')]) fs.mkdirSync(d, { recursive: true, mode: 0o755 });
  writeIfChanged(join(l.dir, 'package.json'), '{ "type": "commonjs" }\n', 0o644);
  writeIfChanged(join(l.dir, 'README'), `This folder holds a gvisor-wizard PRACTICE run: stand-in engines, not real ones.\nbin/docker and libexec/dockerd only pretend to run containers; release/runsc is a copy of /bin/true.\nDelete the whole folder (${l.root}) when done.\n`, 0o644);
  writeIfChanged(join(l.bin, 'docker'), dockerClientSource(l.root), 0o755);
  writeIfChanged(join(l.libexec, 'dockerd.cjs'), dockerdSource(l.root), 0o644);
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
  writeIfChanged(l.marker, `${JSON.stringify({ practice: true, engines: ['docker'], note: 'stand-in engines; see README' }, null, 2)}\n`, 0o644);
  return l;
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
  await stopLeftoverDockerd(l);
  const child = spawn(join(l.libexec, 'dockerd'), [join(l.libexec, 'dockerd.cjs'), '-H', l.dockerHost, '--config-file', '/etc/docker/daemon.json'], {
    // Its own process group: Ctrl-C reaches the wizard, which stops it after cleaning up.
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env },
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
    throw new PracticeError('the practice docker daemon did not start', stderr.trim().split('\n').pop() || 'no answer within 10 s', `Look at ${join(l.log, 'dockerd.log')}; a broken ${l.root}/etc/docker/daemon.json stops it, as it stops the real dockerd.`);
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

/** A stand-in dockerd of this DIR still running (an earlier wizard was killed with SIGKILL): stop it. */
async function stopLeftoverDockerd(l: PracticeLayout): Promise<void> {
  let pid: number;
  try { pid = Number(fs.readFileSync(join(l.run, 'dockerd.pid'), 'utf8').trim()); } catch { return; }
  let cmdline = '';
  try { cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'); } catch { /* gone */ }
  if (pid > 0 && cmdline.includes(join(l.libexec, 'dockerd.cjs'))) {
    try { process.kill(pid, 'SIGTERM'); } catch { /* gone */ }
    for (let i = 0; i < 30 && fs.existsSync(`/proc/${pid}`); i++) await new Promise((r) => setTimeout(r, 100));
  }
  fs.rmSync(join(l.run, 'dockerd.pid'), { force: true });
}
