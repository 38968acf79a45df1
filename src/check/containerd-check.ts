// The isolation check's containerd driver. ctr does not read the CRI runtime table, so the
// driver reads the runtime entry from the effective config and starts the task with the
// same shim and binary: what Kubernetes would get through CRI.

import { configDump, ctr, runtimeEntry } from '../containerd/ctr.js';
import type { StepContext } from '../steps/step.js';
import type { Problem } from '../wizard/state.js';
import { CheckDriver, firstLine } from './isolation.js';
import { killLeftoverSandboxes } from './evidence.js';

/** ctr flags that select the runtime the entry describes. */
export function ctrRuntimeFlags(runtimeType: string, options: Record<string, unknown>): string[] {
  const flags = ['--runtime', runtimeType];
  if (typeof options.BinaryName === 'string' && options.BinaryName) flags.push('--runc-binary', options.BinaryName);
  if (typeof options.ConfigPath === 'string' && options.ConfigPath) flags.push('--runtime-config-path', options.ConfigPath);
  return flags;
}

/**
 * containerd stores images by their full name: `busybox` is docker.io/library/busybox:latest,
 * `local/busybox:test` is docker.io/local/busybox:test (docker's normalisation).
 */
export function normalizeImageRef(ref: string): string {
  let name = ref;
  const first = name.split('/')[0]!;
  const hasRegistry = name.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (!hasRegistry) name = `docker.io/${name.includes('/') ? name : `library/${name}`}`;
  const lastPart = name.slice(name.lastIndexOf('/') + 1);
  if (!lastPart.includes(':') && !name.includes('@')) name = `${name}:latest`;
  return name;
}

/** Tasks and containers a killed earlier check left behind (found by its label). */
async function sweepOldChecks(ctx: StepContext, ns: string[], remove: (name: string) => Promise<void>): Promise<void> {
  const ls = await ctr(ctx, [...ns, 'containers', 'ls', '-q', 'labels."gvisor-wizard"==isolation-check'], { readOnly: true, quiet: true, timeoutMs: 15_000 });
  for (const name of ls.stdout.split('\n').map((l) => l.trim()).filter(Boolean)) {
    ctx.log.info(`removing ${name}, left behind by an earlier check`);
    await remove(name);
  }
}

export function containerdCheckDriver(ctx: StepContext): CheckDriver {
  const ns = ctx.options.namespace;
  const n = ['--namespace', ns];
  let runtimeType = 'io.containerd.runsc.v1';
  return {
    engine: `containerd (namespace ${ns})`,

    planCommands: (rt, image) => [
      ['containerd', '--config', ctx.facts.containerd.configFile, 'config', 'dump'],
      ['ctr', ...n, 'run', '-d', '--runtime', `<runtime_type of ${rt}>`, image, 'gvisor-wizard-check-<random>', 'sleep', '<marker>'],
      ['ctr', ...n, 'task', 'exec', '--exec-id', '<id>', 'gvisor-wizard-check-<random>', 'ps'],
      ['ctr', ...n, 'task', 'kill', '-s', 'SIGKILL', 'gvisor-wizard-check-<random>'],
      ['ctr', ...n, 'containers', 'rm', 'gvisor-wizard-check-<random>'],
    ],

    async ensureImage(image, timeoutMs): Promise<Problem | undefined> {
      await sweepOldChecks(ctx, n, (name) => this.remove(name));
      const ref = normalizeImageRef(image);
      const ls = await ctr(ctx, [...n, 'images', 'ls', '-q'], { readOnly: true, quiet: true, timeoutMs: Math.min(timeoutMs, 15_000) });
      if (ls.ok && ls.stdout.split('\n').includes(ref)) return undefined;
      // Where else the image is: the usual mistake is the namespace (ctr's "default" vs k8s.io).
      const elsewhere: string[] = [];
      const nss = await ctr(ctx, ['namespaces', 'ls', '-q'], { readOnly: true, quiet: true, timeoutMs: 15_000 });
      for (const other of nss.stdout.split('\n').map((l) => l.trim()).filter((l) => l && l !== ns)) {
        const imgs = await ctr(ctx, ['--namespace', other, 'images', 'ls', '-q'], { readOnly: true, quiet: true, timeoutMs: 15_000 });
        if (imgs.stdout.split('\n').includes(ref)) elsewhere.push(other);
      }
      if (elsewhere.length) {
        return { what: `image ${ref} is not in containerd namespace ${ns}`, why: `it is in namespace ${elsewhere.join(', ')}`, next: `Pass --namespace ${elsewhere[0]}, or import the image into ${ns} (ctr -n ${ns} images import FILE); then rerun the check.` };
      }
      const pull = await ctr(ctx, [...n, 'images', 'pull', ref], { timeoutMs });
      if (pull.ok) return undefined;
      return {
        what: `image ${ref} is not in containerd namespace ${ns} and could not be pulled`,
        why: firstLine(pull.stderr) || 'ctr images pull failed',
        next: `Import an image offline and pass its name with --image: on a machine with access \`docker save busybox -o busybox.tar\` (or \`ctr images export\`), copy it, then \`ctr -n ${ns} images import busybox.tar\` and use the name \`ctr -n ${ns} images ls\` shows.`,
      };
    },

    async start(name, image, marker, timeoutMs) {
      const dump = await configDump(ctx);
      const entry = runtimeEntry(dump.config, ctx.options.runtimeName);
      if (!entry?.runtimeType) {
        return {
          result: { argv: [], exitCode: 1, stdout: '', stderr: `runtime ${ctx.options.runtimeName} is not in containerd's effective config (${dump.error ?? 'config dump has no such runtime entry'})`, timedOut: false, ok: false },
        };
      }
      runtimeType = entry.runtimeType;
      const result = await ctr(ctx, [...n, 'run', '-d', '--label', 'gvisor-wizard=isolation-check', ...ctrRuntimeFlags(entry.runtimeType, entry.options), normalizeImageRef(image), name, 'sleep', marker], { timeoutMs });
      return { result, id: name };
    },

    async describe(name, timeoutMs) {
      const info = await ctr(ctx, [...n, 'containers', 'info', name], { readOnly: true, quiet: true, timeoutMs });
      const task = await ctr(ctx, [...n, 'task', 'ls'], { readOnly: true, quiet: true, timeoutMs });
      let runtime: string | undefined;
      try {
        runtime = (JSON.parse(info.stdout) as { Runtime?: { Name?: string } }).Runtime?.Name;
      } catch {
        runtime = undefined;
      }
      const running = task.stdout.split('\n').some((l) => l.startsWith(`${name} `) && /RUNNING/.test(l));
      return { id: name, running, runtime, expectedRuntime: runtimeType };
    },

    async exec(name, argv, timeoutMs) {
      // ctr 1.6 under runsc now and then returns an exec's exit 0 with no output: ask twice.
      let r = await ctr(ctx, [...n, 'task', 'exec', '--exec-id', `gvw-${argv[0]}-${Date.now()}`, name, ...argv], { readOnly: true, timeoutMs });
      if (r.ok && r.stdout.trim() === '') r = await ctr(ctx, [...n, 'task', 'exec', '--exec-id', `gvw-${argv[0]}-${Date.now()}-2`, name, ...argv], { readOnly: true, timeoutMs });
      return r;
    },

    async remove(name) {
      // Not tied to the run's abort signal: cleanup must happen even after Ctrl-C. A task that
      // never started ("created") or whose sandbox already died refuses a plain delete: kill
      // its leftover runsc/shim processes, then delete again, a bounded number of times.
      const opts = { timeoutMs: 30_000, signal: undefined, quiet: true };
      await ctr(ctx, [...n, 'task', 'kill', '-s', 'SIGKILL', name], opts);
      for (let attempt = 0; attempt < 6; attempt++) {
        const rm = await ctr(ctx, [...n, 'task', 'rm', '-f', name], opts);
        const gone = rm.ok || /not found/i.test(rm.stderr);
        if (!gone) await killLeftoverSandboxes(ctx.host, ctx.log, name);
        const c = await ctr(ctx, [...n, 'containers', 'rm', name], opts);
        if (c.ok || /not found/i.test(c.stderr)) return;
        await new Promise((r) => setTimeout(r, 300 * (attempt + 1)));
      }
      ctx.log.warn(`could not remove check container ${name} in namespace ${ns}: remove it with \`ctr -n ${ns} task rm -f ${name}; ctr -n ${ns} containers rm ${name}\``);
    },
  };
}
