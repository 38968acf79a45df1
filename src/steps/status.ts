// Each step's state on this machine now (inspected read-only) next to its last recorded
// result: what the step menu (TUI) and `gvisor-wizard steps` show.

import type { StepRecord, WizardStateFile } from '../state/state-file.js';
import { problemOf } from './runner.js';
import type { Step, StepContext } from './step.js';
import type { Problem } from '../wizard/state.js';

export interface StepStatusRow {
  id: string;
  title: string;
  /** What a rerun would find now. `check` is the isolation check: it always runs. */
  now: 'done' | 'needed' | 'not-applicable' | 'blocked' | 'check';
  summary: string;
  problem?: Problem;
  /** The last recorded result on this machine, when there is one. */
  last?: StepRecord;
}

export async function stepStatuses(steps: readonly Step[], ctx: StepContext, state: WizardStateFile): Promise<StepStatusRow[]> {
  const rows: StepStatusRow[] = [];
  for (const step of steps) {
    (ctx.host as { step?: string }).step = step.id;
    const last = state.steps[step.id];
    try {
      const found = await step.inspect(ctx);
      const isCheck = step.id === 'isolation-check' || step.id === 'kube-pod-check';
      rows.push({
        id: step.id,
        title: step.title,
        now: isCheck && found.status === 'needed' ? 'check' : found.status,
        summary: found.summary,
        ...(found.status === 'blocked' ? { problem: found.problem } : {}),
        ...(last ? { last } : {}),
      });
    } catch (e) {
      const problem = problemOf(step, e);
      rows.push({ id: step.id, title: step.title, now: 'blocked', summary: problem.what, problem, ...(last ? { last } : {}) });
    }
  }
  return rows;
}

/** "failed last time, 2026-12-03 18:40" style words for a recorded result. */
export function describeLast(last: StepRecord | undefined, now = Date.now()): string {
  if (!last) return 'never run here';
  if (last.undoneAt) return `undone ${ago(Date.parse(last.undoneAt), now)}`;
  const words: Record<string, string> = { ok: 'applied', done: 'was already done', 'not-applicable': 'not applicable', failed: 'failed', skipped: 'skipped', running: 'interrupted', needed: 'not applied' };
  return `${words[last.status] ?? last.status} ${ago(Date.parse(last.at), now)}`;
}

function ago(then: number, now: number): string {
  const s = Math.max(0, Math.round((now - then) / 1000));
  const rel = s < 90 ? `${s} s ago` : s < 5400 ? `${Math.round(s / 60)} min ago` : s < 172800 ? `${Math.round(s / 3600)} h ago` : `${Math.round(s / 86400)} days ago`;
  return `${new Date(then).toISOString().slice(0, 16).replace('T', ' ')} UTC (${rel})`;
}
