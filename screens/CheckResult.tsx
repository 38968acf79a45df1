// The isolation check: PASS/FAIL in words, the evidence behind it, and the problem if any.

import { Box } from 'ink';
import type { CheckView } from '../src/wizard/state.js';
import { ProblemView } from './ProblemView.js';
import { T } from './T.js';

export function CheckResult({ check }: { check: CheckView }) {
  return (
    <Box flexDirection="column">
      <T wrap="truncate-end" bold color={check.passed ? 'green' : 'red'}>
        Isolation check: {check.passed ? 'PASS' : 'FAIL'} - {check.verdict}
      </T>
      {check.evidence.map((e, i) => (
        <T key={i} wrap="truncate-end">
          {'  '}
          <T color={e.ok ? 'green' : 'red'}>{e.ok ? '[ok]' : '[!!]'}</T> {e.label}: <T dimColor>{e.detail}</T>
        </T>
      ))}
      {check.problem ? <ProblemView problem={check.problem} /> : null}
    </Box>
  );
}
