// A Problem, always the same shape: what failed, why, and what to do next.

import { Box } from 'ink';
import type { Problem } from '../src/wizard/state.js';
import { T } from './T.js';

export function ProblemView({ problem, indent = 0 }: { problem: Problem; indent?: number }) {
  return (
    <Box flexDirection="column" marginLeft={indent}>
      <T color="red" bold>
        [!!] {problem.what}
      </T>
      <Box marginLeft={5} flexDirection="column">
        <T>
          <T dimColor>why: </T>
          {problem.why}
        </T>
        <T>
          <T dimColor>next: </T>
          {problem.next}
        </T>
      </Box>
    </Box>
  );
}
