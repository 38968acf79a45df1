// The end: did it work, what each step did, the check, and where the full log is.

import { Box } from 'ink';
import type { CheckView, Problem, StepView } from '../src/wizard/state.js';
import { CheckResult } from './CheckResult.js';
import { STEP_COLOR, STEP_GLYPH, STEP_WORD } from './format.js';
import { ProblemView } from './ProblemView.js';
import { T } from './T.js';

export interface SummaryProps {
  success?: boolean;
  steps: StepView[];
  check?: CheckView;
  logFile?: string | null;
  problem?: Problem;
  /** Dry run: nothing was changed; steps that need work "would change". */
  dryRun?: boolean;
  /** Where --save-answers wrote the answers. */
  savedAnswers?: string;
  /** Known failures the doctor matched after the failure. */
  diagnoses?: { title: string; fix: string }[];
  diagnosing?: boolean;
  /** Practice run: stand-in engines, so success proves nothing about a real sandbox. */
  practice?: boolean;
}

/** At most this many known causes fit under the rest; `gvisor-wizard doctor` lists them all. */
const SHOWN_DIAGNOSES = 2;

function headline(success: boolean | undefined, dryRun: boolean | undefined, steps: StepView[], practice?: boolean): string {
  if (practice && success) return 'Practice finished: every step ran against stand-in engines (nothing real was proven).';
  if (dryRun) {
    const would = steps.filter((s) => s.status === 'needed').length;
    return `Dry run finished: nothing was changed (${would} step${would === 1 ? '' : 's'} would change).`;
  }
  return success ? 'Done: the host runs containers under gVisor.' : 'Not finished: see below.';
}

export function Summary({ success, steps, check, logFile, problem, dryRun, savedAnswers, diagnoses, diagnosing, practice }: SummaryProps) {
  const found = problem ?? steps.find((s) => s.status === 'failed' && s.problem)?.problem;
  // The check shows its own problem: do not print the same one twice.
  const shownProblem = found && check?.problem && found.what === check.problem.what ? undefined : found;
  return (
    <Box flexDirection="column">
      <T bold color={success ? 'green' : dryRun ? 'yellow' : 'red'}>
        {headline(success, dryRun, steps, practice)}
      </T>
      {steps.map((s) => (
        <T key={s.id} wrap="truncate-end">
          {'  '}
          <T color={STEP_COLOR[s.status]}>{STEP_GLYPH[s.status]}</T> {s.title}: {dryRun && s.status === 'needed' ? 'would change' : STEP_WORD[s.status]}
        </T>
      ))}
      {check ? <CheckResult check={check} practice={practice} /> : null}
      {shownProblem ? <ProblemView problem={shownProblem} /> : null}
      {diagnosing ? <T dimColor wrap="truncate-end">Looking for a known cause (doctor)...</T> : null}
      {(diagnoses ?? []).slice(0, SHOWN_DIAGNOSES).map((d) => (
        <T key={d.title} wrap="truncate-end">
          <T color="yellow">Known cause: {d.title}.</T> {d.fix}
        </T>
      ))}
      {diagnoses && diagnoses.length > 0 ? <T dimColor wrap="truncate-end">gvisor-wizard doctor explains {diagnoses.length === 1 ? 'it' : 'them'} in full</T> : null}
      {savedAnswers ? <T wrap="truncate-end">Answers saved to {savedAnswers}</T> : null}
      <T wrap="truncate-end">Log file: {logFile ?? 'none (not written)'}</T>
      <T dimColor wrap="truncate-end">m step menu - u undo - press q to quit</T>
    </Box>
  );
}
