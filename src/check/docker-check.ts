// The isolation check's docker driver: `docker run -d --runtime=NAME`, exec, inspect, rm -f.

import { docker } from '../docker/docker-cli.js';
import type { StepContext } from '../steps/step.js';
import type { Problem } from '../wizard/state.js';
import { CheckDriver, firstLine } from './isolation.js';

interface Inspect {
  Id: string;
  State?: { Running?: boolean };
  HostConfig?: { Runtime?: string };
}

export function dockerCheckDriver(ctx: StepContext): CheckDriver {
  const runtime = ctx.options.runtimeName;
  return {
    engine: 'docker',

    planCommands: (rt, image) => [
      ['docker', 'run', '-d', '--name', 'gvisor-wizard-check-<random>', `--runtime=${rt}`, image, 'sleep', '<marker>'],
      ['docker', 'exec', 'gvisor-wizard-check-<random>', 'ps'],
      ['docker', 'exec', 'gvisor-wizard-check-<random>', 'dmesg'],
      ['docker', 'exec', 'gvisor-wizard-check-<random>', 'uname', '-r'],
      ['docker', 'rm', '-f', 'gvisor-wizard-check-<random>'],
    ],

    async ensureImage(image, timeoutMs): Promise<Problem | undefined> {
      // Containers a killed earlier check left behind (found by their label) go first; the
      // image is looked up meanwhile (two independent questions, asked at once).
      const [old, present] = await Promise.all([
        docker(ctx, ['ps', '-aq', '--filter', 'label=gvisor-wizard=isolation-check'], { readOnly: true, quiet: true, timeoutMs: 15_000 }),
        docker(ctx, ['image', 'inspect', '--format', '{{.Id}}', image], { readOnly: true, quiet: true, timeoutMs: Math.min(timeoutMs, 15_000) }),
      ]);
      for (const id of old.stdout.split('\n').map((l) => l.trim()).filter(Boolean)) {
        ctx.log.info(`removing container ${id}, left behind by an earlier check`);
        await this.remove(id);
      }
      if (present.ok) return undefined;
      const pull = await docker(ctx, ['pull', image], { timeoutMs });
      if (pull.ok) return undefined;
      return {
        what: `image ${image} is not on this machine and could not be pulled`,
        why: firstLine(pull.stderr) || 'docker pull failed',
        next: `Load an image offline and pass it with --image: on a machine with access run \`docker save busybox -o busybox.tar\`, copy it, then \`docker load -i busybox.tar\`; or build one from busybox-static: \`mkdir -p r/bin && cp /bin/busybox r/bin/ && for a in sh sleep ps dmesg uname; do ln -s busybox r/bin/$a; done && tar -C r -c . | docker import -c 'ENV PATH=/bin' - local/busybox\`.`,
      };
    },

    async start(name, image, marker, timeoutMs) {
      const result = await docker(ctx, ['run', '-d', '--name', name, '--label', 'gvisor-wizard=isolation-check', `--runtime=${runtime}`, image, 'sleep', marker], { timeoutMs });
      // docker prints the id even when the start then fails: keep it for cleanup.
      return { result, id: /^[0-9a-f]{64}$/m.exec(result.stdout)?.[0] };
    },

    async describe(name, timeoutMs) {
      const r = await docker(ctx, ['inspect', name], { readOnly: true, quiet: true, timeoutMs });
      const info = r.ok ? (JSON.parse(r.stdout) as Inspect[])[0] : undefined;
      return { id: info?.Id, running: Boolean(info?.State?.Running), runtime: info?.HostConfig?.Runtime, expectedRuntime: runtime };
    },

    exec: (name, argv, timeoutMs) => docker(ctx, ['exec', name, ...argv], { readOnly: true, timeoutMs }),

    async remove(name) {
      // Not tied to the run's abort signal: cleanup must happen even after Ctrl-C.
      const rm = await docker(ctx, ['rm', '-f', name], { timeoutMs: 30_000, signal: undefined });
      if (!rm.ok && !/No such container/i.test(rm.stderr)) ctx.log.warn(`could not remove check container ${name}: ${firstLine(rm.stderr)}`);
    },
  };
}
