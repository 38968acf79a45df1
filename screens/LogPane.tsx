// A bounded tail of the run log plus a download progress bar. The full log is in the log file.

import { Box } from 'ink';
import type { LogLine, ProgressView } from '../src/wizard/state.js';
import { formatProgress, logPrefix, sanitizeLine, tail } from './format.js';
import { T } from './T.js';

export { formatProgress } from './format.js';

export interface LogPaneProps {
  lines: LogLine[];
  progress?: ProgressView;
  /** Rows the pane may use, progress included. */
  maxLines: number;
  /** Columns for the progress line. */
  width: number;
}

const LEVEL_STYLE: Partial<Record<LogLine['level'], { color?: string; dimColor?: boolean }>> = {
  cmd: { color: 'cyan' },
  err: { color: 'yellow', dimColor: true },
  warn: { color: 'yellow' },
  error: { color: 'red' },
  exit: { dimColor: true },
};

export function LogPane({ lines, progress, maxLines, width }: LogPaneProps) {
  const room = Math.max(1, maxLines - (progress ? 2 : 0));
  const shown = tail(lines, room);
  return (
    <Box flexDirection="column">
      {shown.length === 0 ? <T dimColor>(no output yet)</T> : null}
      {shown.map((l) => (
        <T key={l.id} wrap="truncate-end" {...LEVEL_STYLE[l.level]}>
          {logPrefix(l.level)}
          {sanitizeLine(l.text) || ' '}
        </T>
      ))}
      {progress ? (
        <>
          <T wrap="truncate-end" bold>
            {progress.label}
          </T>
          <T wrap="truncate-end" color="green">
            {formatProgress(progress, width)}
          </T>
        </>
      ) : null}
    </Box>
  );
}
