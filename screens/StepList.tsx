// Every step: status glyph, title, one-line summary; the current step is marked with ">".

import { Box } from 'ink';
import type { StepView } from '../src/wizard/state.js';
import { STEP_COLOR, STEP_GLYPH } from './format.js';
import { ProblemView } from './ProblemView.js';
import { T } from './T.js';

export interface StepListProps {
  steps: StepView[];
  currentStepId?: string;
  /** Show the problem of failed steps under them (default true). */
  showProblems?: boolean;
  /** Hide summaries (one short line per step). */
  compact?: boolean;
}

export function StepList({ steps, currentStepId, showProblems = true, compact = false }: StepListProps) {
  return (
    <Box flexDirection="column">
      {steps.map((s) => {
        const current = s.id === currentStepId;
        return (
          <Box key={s.id} flexDirection="column">
            <T wrap="truncate-end" bold={current}>
              {current ? '> ' : '  '}
              <T color={STEP_COLOR[s.status]}>{STEP_GLYPH[s.status]}</T> {s.title}
              {!compact && s.summary ? <T dimColor> - {s.summary}</T> : null}
            </T>
            {showProblems && s.status === 'failed' && s.problem ? (
              <ProblemView problem={s.problem} indent={2} />
            ) : null}
          </Box>
        );
      })}
    </Box>
  );
}
