// The pending plan of one step: file diffs, commands, notes, cut to fit. Keys live in App.

import { Box } from 'ink';
import type { PlanView } from '../src/wizard/state.js';
import { fitLines, planLines, type PlanLineKind } from './format.js';
import { T } from './T.js';

export interface PlanConfirmProps {
  plan: PlanView;
  /** Rows the plan body may use (title and key hint not included). */
  maxLines: number;
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

export function PlanConfirm({ plan, maxLines }: PlanConfirmProps) {
  const lines = fitLines(planLines(plan), Math.max(2, maxLines));
  return (
    <Box flexDirection="column">
      <T bold wrap="truncate-end">
        Apply step "{plan.title}"?
      </T>
      {lines.map((l, i) => (
        <T key={i} wrap="truncate-end" {...STYLE[l.kind]}>
          {l.text || ' '}
        </T>
      ))}
      <T bold>y/Enter apply - n skip this step - q quit</T>
    </Box>
  );
}
