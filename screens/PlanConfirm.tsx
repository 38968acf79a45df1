// The pending plan of one step: file diffs, commands, notes, cut to fit. Keys live in App.

import { Box } from 'ink';
import type { PlanView } from '../src/wizard/state.js';
import { fitLines, planLines, wrapPlanLines, type PlanLineKind } from './format.js';
import { wrapText } from '../src/util/wrap.js';
import { T } from './T.js';

export interface PlanConfirmProps {
  plan: PlanView;
  /** Rows the plan body may use (title and key hint not included). */
  maxLines: number;
  /** Dry run: the plan is shown, never applied. */
  dryRun?: boolean;
  /** Lab mode: the operator may do it by hand and have it checked. */
  byHand?: boolean;
  /** Above the plan when it is offered again ("not done yet: ..."). */
  note?: string;
  /** Columns available: notes and commands are wrapped to it. */
  width?: number;
}

/** The keys of the confirm screen, by mode. */
export function confirmKeys(p: { dryRun?: boolean; byHand?: boolean }): string {
  if (p.dryRun) return 'Enter/y next step (dry run: nothing is applied) - q quit';
  if (p.byHand) return 'w let the wizard do it - c I did it by hand, check - s skip - q quit';
  return 'y/Enter apply - n skip this step - q quit';
}

const STYLE: Partial<Record<PlanLineKind, { color?: string; dimColor?: boolean; bold?: boolean }>> = {
  add: { color: 'green' },
  del: { color: 'red' },
  hunk: { color: 'cyan' },
  meta: { dimColor: true },
  file: { bold: true },
  title: { bold: true },
  cmd: { color: 'cyan' },
  more: { dimColor: true },
};

export function PlanConfirm({ plan, maxLines, dryRun, byHand, note, width = 80 }: PlanConfirmProps) {
  const noteLines = note ? wrapText(note, width - 1).slice(0, 3) : [];
  const lines = fitLines(wrapPlanLines(planLines(plan), width), Math.max(2, maxLines - noteLines.length - (byHand ? 1 : 0)));
  return (
    <Box flexDirection="column">
      <T bold wrap="truncate-end">
        {dryRun ? `Plan of step "${plan.title}" (not applied)` : `Apply step "${plan.title}"?`}
      </T>
      {byHand ? (
        <T wrap="truncate-end" dimColor>
          Do this yourself in another terminal, then press c: the wizard checks it.
        </T>
      ) : null}
      {noteLines.map((l, i) => (
        <T key={`note-${i}`} wrap="truncate-end" color="yellow">
          {l}
        </T>
      ))}
      {lines.map((l, i) => (
        <T key={i} wrap="truncate-end" {...STYLE[l.kind]}>
          {l.text || ' '}
        </T>
      ))}
      <T bold wrap="truncate-end">{confirmKeys({ dryRun, byHand })}</T>
    </Box>
  );
}
