// The isolation check on docker: start a detached container under the runtime with a
// unique marker command and collect positive evidence that it runs inside gVisor.
// A container that "worked" proves nothing; the marker being invisible on the host while
// it is visible inside, and gVisor's kernel answering, does.

import { randomBytes, randomInt } from 'node:crypto';
import { release as hostKernel } from 'node:os';
import { docker } from '../docker/docker-cli.js';
import type { StepContext } from '../steps/step.js';
import type { CheckView, EvidenceItem, Problem } from '../wizard/state.js';
import { explainKnownStartFailure, hostProcessesWithMarker, killLeftoverSandboxes } from './evidence.js';

interface Inspect {
  Id: string;
  State?: { Running?: boolean };
  HostConfig?: { Runtime?: string };
}

export async function dockerIsolationCheck(ctx: StepContext): Promise<CheckView> {
  const name = `gvisor-wizard-check-${randomBytes(4).toString('hex')}`;
  // `sleep <marker>`: any image has sleep, and a 9-digit number is unique on the host.
  const marker = String(randomInt(300_000_000, 999_999_999));
  const runtime = ctx.options.runtimeName;
  const image = ctx.options.image;
  const evidence: EvidenceItem[] = [];
  const deadline = Date.now() + ctx.options.checkTimeoutSeconds * 1000;
  const left = () => Math.max(1000, deadline - Date.now());
  let containerId: string | undefined;
  const fail = (problem: Problem, verdict = problem.what): CheckView => ({ passed: false, verdict, evidence, problem });

  try {
    const imageProblem = await ensureImage(ctx, image, left);
    if (imageProblem) return fail(imageProblem);
    evidence.push({ label: 'image', ok: true, detail: image });

    const run = await docker(ctx, ['run', '-d', '--name', name, '--label', 'gvisor-wizard=isolation-check', `--runtime=${runtime}`, image, 'sleep', marker], { timeoutMs: Math.min(left(), 90_000) });
    // docker prints the id even when the start then fails: keep it for cleanup.
    containerId = /^[0-9a-f]{64}$/m.exec(run.stdout)?.[0];
    if (!run.ok) {
      const known = explainKnownStartFailure(run.stderr + run.stdout);
      return fail(known ?? {
        what: `the container did not start under ${runtime}`,
        why: (run.stderr || run.spawnError || `exit ${run.exitCode}`).trim().split('\n').slice(-3).join(' / '),
        next: 'Run `gvisor-wizard doctor` or look at the log file; check that runsc runs by hand: runsc --version.',
      });
    }

    const ins = await docker(ctx, ['inspect', name], { readOnly: true, quiet: true, timeoutMs: Math.min(left(), 15_000) });
    const info = ins.ok ? (JSON.parse(ins.stdout) as Inspect[])[0] : undefined;
    containerId = info?.Id ?? containerId;
    const reported = info?.HostConfig?.Runtime;
    evidence.push({ label: 'docker reports the runtime', ok: reported === runtime, detail: `HostConfig.Runtime = ${reported ?? 'unknown'}` });
    if (!info?.State?.Running) {
      return fail({ what: 'the check container is not running', why: `docker inspect shows it stopped right after start`, next: `Look at \`docker logs ${name}\` output in the log file and rerun the check.` });
    }

    // Inside: the workload is there (so its absence on the host means something).
    const inside = await docker(ctx, ['exec', name, 'ps'], { readOnly: true, timeoutMs: Math.min(left(), 20_000) });
    const seenInside = inside.ok && inside.stdout.includes(marker);
    evidence.push({ label: 'marker runs inside the container', ok: seenInside, detail: seenInside ? `\`sleep ${marker}\` is in the container's ps` : `not seen (${inside.ok ? 'ps output lacks it' : 'ps failed in the image'})` });

    // On the host: a process running on the host kernel would show up here.
    const onHost = await hostProcessesWithMarker(ctx.host, ['sleep', marker]);
    evidence.push({
      label: 'marker absent from the host process list',
      ok: onHost.length === 0,
      detail: onHost.length === 0 ? `no host process runs \`sleep ${marker}\`` : `host pid ${onHost.map((p) => p.pid).join(', ')} runs \`sleep ${marker}\``,
    });

    const dmesg = await docker(ctx, ['exec', name, 'dmesg'], { readOnly: true, timeoutMs: Math.min(left(), 20_000) });
    const gvisorBoot = dmesg.stdout.split('\n').find((l) => /gVisor/i.test(l));
    evidence.push({ label: 'guest kernel log is gVisor\'s', ok: Boolean(gvisorBoot), detail: gvisorBoot?.trim() ?? `dmesg inside shows no gVisor boot line${dmesg.ok ? '' : ` (${firstLine(dmesg.stderr)})`}` });

    const uname = await docker(ctx, ['exec', name, 'uname', '-r'], { readOnly: true, timeoutMs: Math.min(left(), 20_000) });
    const guestKernel = uname.stdout.trim();
    const differs = uname.ok && guestKernel !== '' && guestKernel !== hostKernel();
    evidence.push({ label: 'guest kernel differs from the host', ok: differs, detail: `inside ${guestKernel || '?'}, host ${hostKernel()}` });

    const sandboxes = containerId ? (await ctx.host.listProcesses()).filter((p) => /runsc-sandbox|runsc.*\bboot\b/.test(p.argv.join(' ')) && p.argv.join(' ').includes(containerId!)) : [];
    evidence.push({ label: 'a runsc sandbox hosts the container', ok: sandboxes.length > 0, detail: sandboxes.length ? `runsc-sandbox pid ${sandboxes.map((p) => p.pid).join(', ')}` : 'no runsc-sandbox process names this container' });

    if (onHost.length > 0) {
      return fail({
        what: 'ran on the host kernel',
        why: `the container's \`sleep ${marker}\` is visible in the host's process list, so it is not sandboxed (the "${runtime}" runtime is not gVisor, or it delegates to runc)`,
        next: `Check what runtimes.${runtime}.path points at (\`docker info\`), and that it is a real runsc (\`runsc --version\`); rerun the install and configure steps.`,
      });
    }
    const mustHold = ['docker reports the runtime', 'marker runs inside the container', 'marker absent from the host process list', 'guest kernel log is gVisor\'s'];
    const missing = evidence.filter((e) => mustHold.includes(e.label) && !e.ok);
    if (missing.length) {
      return fail({
        what: 'not enough evidence of isolation',
        why: missing.map((m) => `${m.label}: ${m.detail}`).join('; '),
        next: 'The image needs ps, dmesg and uname (busybox has them): use --image with such an image, then rerun the check.',
      }, 'isolation not proven');
    }
    return { passed: true, verdict: `the workload runs inside gVisor (runtime ${runtime})`, evidence };
  } finally {
    await cleanup(ctx, name, containerId);
  }
}

async function ensureImage(ctx: StepContext, image: string, left: () => number): Promise<Problem | undefined> {
  const present = await docker(ctx, ['image', 'inspect', '--format', '{{.Id}}', image], { readOnly: true, quiet: true, timeoutMs: Math.min(left(), 15_000) });
  if (present.ok) return undefined;
  const pull = await docker(ctx, ['pull', image], { timeoutMs: Math.min(left(), 180_000) });
  if (pull.ok) return undefined;
  return {
    what: `image ${image} is not on this machine and could not be pulled`,
    why: firstLine(pull.stderr) || 'docker pull failed',
    next: `Load an image offline and pass it with --image: on a machine with access run \`docker save busybox -o busybox.tar\`, copy it, then \`docker load -i busybox.tar\`; or build one from busybox-static: \`mkdir -p r/bin && cp /bin/busybox r/bin/ && for a in sh sleep ps dmesg uname; do ln -s busybox r/bin/$a; done && tar -C r -c . | docker import -c 'ENV PATH=/bin' - local/busybox\`.`,
  };
}

/** Always runs: remove the container and any sandbox a failed start left behind. */
async function cleanup(ctx: StepContext, name: string, containerId: string | undefined): Promise<void> {
  try {
    const rm = await docker(ctx, ['rm', '-f', name], { timeoutMs: 30_000, signal: undefined });
    if (!rm.ok && !/No such container/i.test(rm.stderr)) ctx.log.warn(`could not remove check container ${name}: ${firstLine(rm.stderr)}`);
    let id = containerId;
    if (!id) {
      const ps = await docker(ctx, ['ps', '-aq', '--no-trunc', '--filter', `name=${name}`], { readOnly: true, timeoutMs: 15_000, signal: undefined });
      id = ps.stdout.trim() || undefined;
    }
    if (id) await killLeftoverSandboxes(ctx.host, ctx.log, id);
  } catch (e) {
    ctx.log.warn(`cleanup after the check: ${(e as Error).message}`);
  }
}

function firstLine(s: string): string {
  return s.trim().split('\n')[0] ?? '';
}
