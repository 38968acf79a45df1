// A bounded tail of the run log plus a download progress bar. The full log is in the log file.

import { Box } from 'ink';
import type { LogLine, LogViewState, ProgressView } from '../src/wizard/state.js';
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
  /** Scroll and filter: with it the pane gets a title line saying what it shows. */
  view?: LogViewState;
}

/** "log: all steps" / "log: step install-runsc", and how far it is scrolled back. */
export function logTitle(view: LogViewState): string {
  const what = view.step === undefined ? 'all steps' : `step ${view.step}`;
  return view.scrolledUp > 0 ? `log: ${what} - scrolled: ${view.scrolledUp} lines up, End to follow` : `log: ${what}`;
}

const LEVEL_STYLE: Partial<Record<LogLine['level'], { color?: string; dimColor?: boolean }>> = {
  cmd: { color: 'cyan' },
  err: { color: 'yellow', dimColor: true },
  warn: { color: 'yellow' },
  error: { color: 'red' },
  exit: { dimColor: true },
};

export function LogPane({ lines, progress, maxLines, width, view }: LogPaneProps) {
  const room = Math.max(1, maxLines - (progress ? 2 : 0) - (view ? 1 : 0));
  const shown = tail(lines, room);
  return (
    <Box flexDirection="column">
      {view ? (
        <T wrap="truncate-end" bold color={view.scrolledUp > 0 ? 'yellow' : undefined}>
          {logTitle(view)}
        </T>
      ) : null}
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
