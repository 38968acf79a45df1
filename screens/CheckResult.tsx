// The isolation check: PASS/FAIL in words, the evidence behind it, and the problem if any.

import { Box } from 'ink';
import type { CheckView } from '../src/wizard/state.js';
import { ProblemView } from './ProblemView.js';
import { T } from './T.js';

/** A practice check (stand-in engines) is never a PASS: its evidence is simulated. */
export function CheckResult({ check, practice = false }: { check: CheckView; practice?: boolean }) {
  const word = practice ? (check.passed ? 'PRACTICE' : 'FAIL (practice)') : check.passed ? 'PASS' : 'FAIL';
  return (
    <Box flexDirection="column">
      <T wrap="truncate-end" bold color={practice ? 'yellow' : check.passed ? 'green' : 'red'}>
        Isolation check: {word} - {check.verdict}
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
