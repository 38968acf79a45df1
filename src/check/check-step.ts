// Step: the isolation check. It always runs (a past PASS proves nothing about now).

import { Step, StepContext, StepFailure } from '../steps/step.js';
import { containerdCheckDriver } from './containerd-check.js';
import { dockerCheckDriver } from './docker-check.js';
import { CheckDriver, runIsolationCheck } from './isolation.js';

function driverFor(ctx: StepContext): CheckDriver {
  return ctx.options.engine === 'docker' ? dockerCheckDriver(ctx) : containerdCheckDriver(ctx);
}

export const isolationCheckStep: Step = {
  id: 'isolation-check',
  title: 'Prove that workloads run inside gVisor',

  async inspect(ctx) {
    const { runtimeName, image } = ctx.options;
    return {
      status: 'needed',
      summary: `start a throw-away workload under ${runtimeName} and collect evidence`,
      plan: {
        files: [],
        commands: driverFor(ctx).planCommands(runtimeName, image),
        notes: ["The marker must be visible inside the workload and absent from the host's process list.", 'The workload is always removed, also when the check fails.'],
      },
    };
  },

  async apply(ctx) {
    const check = await runIsolationCheck(ctx, driverFor(ctx));
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
