// The isolation check, engine-independent: start a detached workload under the runtime
// with a unique marker command and collect positive evidence that it runs inside gVisor.
// A container that "worked" proves nothing; the marker being visible inside while it is
// invisible on the host, and gVisor's kernel answering, does. Engines plug in a driver.

import { randomBytes, randomInt } from 'node:crypto';
import { release as hostKernel } from 'node:os';
import type { RunResult } from '../host/host.js';
import type { StepContext } from '../steps/step.js';
import type { CheckView, EvidenceItem, Problem } from '../wizard/state.js';
import { explainKnownStartFailure, killLeftoverSandboxes, processesWithMarker } from './evidence.js';

/** What an engine must offer the check. Every call has its own hard timeout. */
export interface CheckDriver {
  /** e.g. "docker", "containerd (namespace default)" */
  readonly engine: string;
  /** The engine's command for the plan display, e.g. ['docker', 'run', ...]. */
  planCommands(runtime: string, image: string): string[][];
  /** A problem when the image is missing and cannot be pulled. */
  ensureImage(image: string, timeoutMs: number): Promise<Problem | undefined>;
  /** Start `sleep marker` detached; returns the run result and the workload id when known. */
  start(name: string, image: string, marker: string, timeoutMs: number): Promise<{ result: RunResult; id?: string }>;
  /** The runtime the engine says the workload uses, and whether it is running. */
  describe(name: string, timeoutMs: number): Promise<{ id?: string; running: boolean; runtime?: string; expectedRuntime: string }>;
  exec(name: string, argv: string[], timeoutMs: number): Promise<RunResult>;
  /** Remove the workload; must not throw. */
  remove(name: string): Promise<void>;
}

const MUST_HOLD = ['engine reports the runtime', 'marker runs inside the workload', 'marker absent from the host process list', "guest kernel log is gVisor's"];

export async function runIsolationCheck(ctx: StepContext, driver: CheckDriver): Promise<CheckView> {
  const name = `gvisor-wizard-check-${randomBytes(4).toString('hex')}`;
  // `sleep <marker>`: every image has sleep, and a 9-digit number is unique on the host.
  const marker = String(randomInt(300_000_000, 999_999_999));
  const { image, runtimeName } = ctx.options;
  const evidence: EvidenceItem[] = [];
  const deadline = Date.now() + ctx.options.checkTimeoutSeconds * 1000;
  const left = (cap: number) => Math.max(1000, Math.min(cap, deadline - Date.now()));
  let id: string | undefined;
  const fail = (problem: Problem): CheckView => (ctx.signal.aborted ? interrupted() : { passed: false, verdict: problem.what, evidence, problem });
  // A quit in the middle cancels the commands: their empty output is not evidence of anything.
  const interrupted = (): CheckView => ({ passed: false, verdict: 'interrupted', evidence, problem: { what: 'interrupted', why: 'the operator quit while the check was running; the workload was removed', next: `Run the check again: gvisor-wizard check --runtime ${ctx.options.engine}.` } });

  try {
    const imageProblem = await driver.ensureImage(image, left(180_000));
    if (imageProblem) return fail(imageProblem);
    evidence.push({ label: 'image', ok: true, detail: `${image} (${driver.engine})` });

    const started = await driver.start(name, image, marker, left(90_000));
    id = started.id;
    if (!started.result.ok) {
      const r = started.result;
      return fail(explainKnownStartFailure(r.stderr + r.stdout) ?? {
        what: `the workload did not start under ${runtimeName}`,
        why: (r.stderr || r.spawnError || (r.timedOut ? 'timed out' : `exit ${r.exitCode}`)).trim().split('\n').slice(-3).join(' / '),
        next: 'Look at the log file for the engine\'s full message; check that runsc runs by hand (runsc --version), then rerun the check.',
      });
    }

    // Everything below only looks at the running workload, so it is asked at once: the
    // engine's view, three commands inside, and the host's process list (taken while the
    // workload runs, so the marker's absence there means something). Sequentially these
    // were a third of the check's time.
    const [info, inside, dmesg, uname, hostProcesses] = await Promise.all([
      driver.describe(name, left(15_000)),
      driver.exec(name, ['ps'], left(20_000)),
      driver.exec(name, ['dmesg'], left(20_000)),
      driver.exec(name, ['uname', '-r'], left(20_000)),
      ctx.host.listProcesses(),
    ]);
    id = info.id ?? id;
    evidence.push({ label: 'engine reports the runtime', ok: info.runtime === info.expectedRuntime, detail: `${driver.engine}: ${info.runtime ?? 'unknown'}` });
    if (!info.running) {
      return fail({ what: 'the check workload is not running', why: 'the engine shows it stopped right after its start', next: 'Look at the log file for its output, then rerun the check.' });
    }

    // Inside: the workload is there (so its absence on the host means something).
    const seenInside = inside.ok && inside.stdout.includes(marker);
    evidence.push({ label: 'marker runs inside the workload', ok: seenInside, detail: seenInside ? `\`sleep ${marker}\` is in the workload's ps` : `not seen (${inside.ok ? 'ps output lacks it' : 'ps failed in the image'})` });

    // On the host: a process running on the host kernel shows up here.
    const onHost = processesWithMarker(hostProcesses, ['sleep', marker]);
    evidence.push({
      label: 'marker absent from the host process list',
      ok: onHost.length === 0,
      detail: onHost.length === 0 ? `no host process runs \`sleep ${marker}\`` : `host pid ${onHost.map((p) => p.pid).join(', ')} runs \`sleep ${marker}\``,
    });

    const boot = dmesg.stdout.split('\n').find((l) => /gVisor/i.test(l));
    evidence.push({ label: "guest kernel log is gVisor's", ok: Boolean(boot), detail: boot?.trim() ?? `dmesg inside shows no gVisor boot line${dmesg.ok ? '' : ` (${firstLine(dmesg.stderr)})`}` });

    const guest = uname.stdout.trim();
    evidence.push({ label: 'guest kernel differs from the host', ok: uname.ok && guest !== '' && guest !== hostKernel(), detail: `inside ${guest || '?'}, host ${hostKernel()}` });

    const sandboxes = id ? hostProcesses.filter((p) => /runsc/.test(p.argv[0] ?? '') && p.argv.join(' ').includes(id!)) : [];
    evidence.push({ label: 'a runsc sandbox hosts the workload', ok: sandboxes.length > 0, detail: sandboxes.length ? `runsc pid ${sandboxes.map((p) => p.pid).join(', ')}` : 'no runsc process names this workload' });

    if (ctx.signal.aborted) return interrupted();
    if (onHost.length > 0) {
      return fail({
        what: 'ran on the host kernel',
        why: `the workload's \`sleep ${marker}\` is visible in the host's process list, so it is not sandboxed (the "${runtimeName}" runtime is not gVisor, or it delegates to runc)`,
        next: 'Check what the runtime entry points at (docker info / containerd config dump) and that it is a real runsc (runsc --version); rerun the install and configure steps.',
      });
    }
    const missing = evidence.filter((e) => MUST_HOLD.includes(e.label) && !e.ok);
    if (missing.length) {
      return fail({
        what: 'isolation not proven',
        why: missing.map((m) => `${m.label}: ${m.detail}`).join('; '),
        next: 'The image needs ps, dmesg and uname (busybox has them): use --image with such an image, then rerun the check.',
      });
    }
    return { passed: true, verdict: `the workload runs inside gVisor (runtime ${runtimeName}, ${driver.engine})`, evidence };
  } finally {
    // Always: remove the workload, and any sandbox a failed start left behind.
    try {
      await driver.remove(name);
      if (id) await killLeftoverSandboxes(ctx.host, ctx.log, id);
    } catch (e) {
      ctx.log.warn(`cleanup after the check: ${(e as Error).message}`);
    }
  }
}

export function firstLine(s: string): string {
  return s.trim().split('\n')[0] ?? '';
}
