// Step: `kubeadm join`, from the pasted line parsed into argv (never a shell), always with the CRI
// socket of the containerd the wizard configured (case E2). The token and CA hash are registered with
// the log's masker before anything is logged; the plan shows them masked; kubeadm's output streams
// live through the (masking) run log. Known failures are explained (case E3: expired token).

import { commandFailed, type Inspection, type Step } from '../../steps/step.js';
import { explainJoinFailure, joinArgv } from '../join.js';
import { alreadyJoined, blocked, criSocket, JOINED_MARKER, maskedFailure, nodePath, parsedJoin } from './common.js';

export const joinStep: Step = {
  id: 'kube-join',
  title: 'Join the cluster (kubeadm join)',

  async inspect(ctx): Promise<Inspection> {
    const parsed = parsedJoin(ctx);
    if (await alreadyJoined(ctx)) {
      return { status: 'done', summary: `${JOINED_MARKER} exists: this node has joined a cluster already` };
    }
    if (!parsed.ok) return blocked(ctx, parsed.problem.what, parsed.problem);
    const argv = joinArgv(parsed.join, { criSocket: criSocket(ctx) });
    const notes = [
      `--cri-socket ${criSocket(ctx)}: the containerd the wizard configured (kubeadm would otherwise refuse when it finds several CRI sockets)`,
      'the token and CA hash are shown masked here and in the log; they are not stored anywhere',
      ...(parsed.join.notes ?? []),
    ];
    return {
      status: 'needed',
      summary: ctx.log.masker.mask(`join ${parsed.join.endpoint} as a worker`),
      // Masked: the plan is printed (and --json'ed) without going through the log.
      plan: { files: [], commands: [ctx.log.masker.maskArgv(argv)], notes: notes.map((n) => ctx.log.masker.mask(n)) },
    };
  },

  async apply(ctx) {
    const parsed = parsedJoin(ctx);
    if (!parsed.ok) throw maskedFailure(ctx, parsed.problem);
    const argv = joinArgv(parsed.join, { criSocket: criSocket(ctx) });
    // Every output line reaches the log (masked) and the live view as it comes.
    const r = await ctx.host.run(argv, { timeoutMs: 10 * 60_000, signal: ctx.signal });
    if (!r.ok) {
      const known = explainJoinFailure(`${r.stdout}\n${r.stderr}`);
      if (known) throw maskedFailure(ctx, { what: `kubeadm join failed: ${known.what}`, why: known.why, next: known.next.join(' ') });
      const f = commandFailed({ ...r, argv: ctx.log.masker.maskArgv(r.argv) }, 'Read kubeadm\'s output above (also in the log file); after fixing the cause run `kubeadm reset -f` on this node and rerun the wizard.');
      throw maskedFailure(ctx, f.problem);
    }
    return 'kubeadm join finished';
  },

  async verify(ctx) {
    if (!(await ctx.host.stat(nodePath(ctx, JOINED_MARKER)))) {
      throw maskedFailure(ctx, { what: 'kubeadm join reported success but the node has no kubelet.conf', why: `${JOINED_MARKER} does not exist`, next: 'Look at `journalctl -u kubelet` and the log file; run `kubeadm reset -f` and join again.' });
    }
    return `this node has joined (${JOINED_MARKER} written); its kubelet registers it with label ${ctx.options.nodeLabel}`;
  },
};
