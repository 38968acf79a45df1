// Step: the isolation check. It always runs (a past PASS proves nothing about now).

import { Step, StepFailure } from '../steps/step.js';
import { dockerIsolationCheck } from './docker-check.js';

export const isolationCheckStep: Step = {
  id: 'isolation-check',
  title: 'Prove that workloads run inside gVisor',

  async inspect(ctx) {
    const { runtimeName, image } = ctx.options;
    return {
      status: 'needed',
      summary: `start a throw-away container under ${runtimeName} and collect evidence`,
      plan: {
        files: [],
        commands: [
          ['docker', 'run', '-d', '--name', 'gvisor-wizard-check-<random>', `--runtime=${runtimeName}`, image, 'sleep', '<marker>'],
          ['docker', 'exec', 'gvisor-wizard-check-<random>', 'ps'],
          ['docker', 'exec', 'gvisor-wizard-check-<random>', 'dmesg'],
          ['docker', 'exec', 'gvisor-wizard-check-<random>', 'uname', '-r'],
          ['docker', 'rm', '-f', 'gvisor-wizard-check-<random>'],
        ],
        notes: ['The marker must be visible inside the container and absent from the host\'s process list.', 'The container is always removed, also when the check fails.'],
      },
    };
  },

  async apply(ctx) {
    const check = await dockerIsolationCheck(ctx);
    ctx.reportCheck(check);
    for (const e of check.evidence) ctx.log.info(`evidence: [${e.ok ? 'ok' : '!!'}] ${e.label}: ${e.detail}`);
    if (!check.passed) throw new StepFailure(check.problem ?? { what: check.verdict, why: 'see the evidence', next: 'Run gvisor-wizard check again after fixing the cause.' });
    ctx.results.set('check', check);
    return check.verdict;
  },

  async verify(ctx) {
    const check = ctx.results.get('check') as { evidence: unknown[] } | undefined;
    return `${check?.evidence.length ?? 0} pieces of evidence collected`;
  },
};
