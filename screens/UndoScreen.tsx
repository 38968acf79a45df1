// Undo: what would be put back (newest first), a yes/no per file someone else changed since
// the wizard wrote it, then each action and how the engines took the restored config.

import { Box } from 'ink';
import type { LogLine, UndoView } from '../src/wizard/state.js';
import { LogPane } from './LogPane.js';
import { T } from './T.js';

export interface UndoScreenProps {
  undo: UndoView;
  /** Rows the screen may use. */
  maxLines: number;
  width: number;
  dryRun?: boolean;
  logTail: LogLine[];
}

/** At most `max` items; the last row then says how many are left out. */
function cut<T>(items: T[], max: number): { shown: T[]; more: number } {
  if (items.length <= max) return { shown: items, more: 0 };
  const keep = Math.max(1, max - 1);
  return { shown: items.slice(0, keep), more: items.length - keep };
}

export function undoKeys(undo: UndoView, dryRun?: boolean): string {
  switch (undo.stage) {
    case 'review': return dryRun ? 'dry run: nothing is put back - Esc/b back - q quit' : 'y put them back - n/Esc back - q quit';
    case 'ask': return 'y overwrite it - n keep it as it is - q quit';
    case 'working': return 'q quit (after the file being put back)';
    case 'done': return 'Esc/b back - q quit';
  }
}

export function UndoScreen({ undo, maxLines, width, dryRun, logTail }: UndoScreenProps) {
  const what = undo.step ? `step ${undo.step}` : 'every step';
  const room = Math.max(2, maxLines - 4 - (undo.damaged ? 1 : 0));
  return (
    <Box flexDirection="column">
      {undo.stage === 'review' ? <Review undo={undo} what={what} room={room} /> : null}
      {undo.stage === 'ask' && undo.question ? (
        <Box flexDirection="column">
          <T bold wrap="truncate-end">{undo.question.path}</T>
          <T color="yellow" wrap="wrap">
            {undo.question.why} (by someone else, not by the wizard).
          </T>
          <T bold>Overwrite it with the content from before the wizard?</T>
        </Box>
      ) : null}
      {undo.stage === 'working' ? (
        <Box flexDirection="column">
          <T bold>Putting back the changes of {what}...</T>
          <LogPane lines={logTail} maxLines={Math.min(10, room)} width={width} />
        </Box>
      ) : null}
      {undo.stage === 'done' ? <Done undo={undo} what={what} room={room} /> : null}
      {undo.damaged ? <T color="yellow" wrap="truncate-end">{undo.damaged} damaged journal line(s) skipped</T> : null}
      <T bold wrap="truncate-end">{undoKeys(undo, dryRun)}</T>
    </Box>
  );
}

function Review({ undo, what, room }: { undo: UndoView; what: string; room: number }) {
  const { shown, more } = cut(undo.changes, room);
  return (
    <Box flexDirection="column">
      <T bold wrap="truncate-end">
        Undo will put back {undo.changes.length} change(s) of {what}, newest first:
      </T>
      {shown.map((c, i) => (
        <T key={i} wrap="truncate-end">
          {'  '}
          {c.verb} {c.path} <T dimColor>({c.step ?? 'unknown step'}, {c.at})</T>
        </T>
      ))}
      {more ? <T dimColor>  … {more} more</T> : null}
    </Box>
  );
}

function Done({ undo, what, room }: { undo: UndoView; what: string; room: number }) {
  if (undo.changes.length === 0) {
    return <T wrap="wrap">Nothing to undo for {what}: the wizard has no change recorded that is not undone yet.</T>;
  }
  const rows = [
    ...undo.actions.map((a) => ({ ok: a.result === 'restored' || a.result === 'removed', text: `[${a.result}] ${a.path}: ${a.detail}` })),
    ...undo.engines.map((e) => ({ ok: e.ok, text: `[${e.ok ? 'ok' : '!!'}] ${e.engine}: ${e.detail}` })),
  ];
  const { shown, more } = cut(rows, room - (undo.ok ? 0 : 1));
  return (
    <Box flexDirection="column">
      <T bold color={undo.ok ? 'green' : 'red'}>
        Undo of {what}: {undo.ok ? 'done' : 'not complete'}
      </T>
      {shown.map((r, i) => (
        <T key={i} wrap="truncate-end" color={r.ok ? undefined : 'red'}>
          {'  '}
          {r.text}
        </T>
      ))}
      {more ? <T dimColor>  … {more} more (every action is in the log file)</T> : null}
      {undo.ok ? null : <T wrap="truncate-end">Files left as they are are listed with why; undo again when ready.</T>}
    </Box>
  );
}
