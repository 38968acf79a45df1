// The step menu: every step of the path with what a rerun would find now and its last
// recorded result. Up/Down choose, Enter reruns the chosen step alone, u undoes it.

import { useEffect, useRef, useState } from 'react';
import { Box, useInput } from 'ink';
import type { StepMenuRow, StepMenuView } from '../src/wizard/state.js';
import { T } from './T.js';

export interface StepMenuProps {
  menu: StepMenuView;
  /** Rows the menu may use. */
  maxLines: number;
  onRerun(stepId: string): void;
  onUndo(stepId: string): void;
  onBack(): void;
}

export const NOW_WORD: Record<StepMenuRow['now'], string> = {
  done: 'done',
  needed: 'needed',
  'not-applicable': 'not applicable',
  blocked: 'blocked',
  check: 'runs each time',
};

const NOW_COLOR: Partial<Record<StepMenuRow['now'], string>> = { done: 'green', needed: 'yellow', blocked: 'red', check: 'cyan' };

export const MENU_KEYS = 'Up/Down choose - Enter rerun this step - u undo it - Esc/b back - q quit';

export function StepMenu({ menu, maxLines, onRerun, onUndo, onBack }: StepMenuProps) {
  const rows = menu.rows ?? [];
  const [index, setIndex] = useState(0);
  // Back from a rerun or an undo, the step acted on stays chosen (the next key acts on it).
  const [focused, setFocused] = useState(false);
  useEffect(() => {
    if (!focused && rows.length && menu.focus) {
      setFocused(true);
      const at = rows.findIndex((r) => r.id === menu.focus);
      if (at >= 0) setIndex(at);
    }
    if (index >= rows.length && rows.length) setIndex(rows.length - 1);
  }, [rows, index, focused, menu.focus]);
  // Keys that arrive together (Down then Enter in one read) must act on the row moved to:
  // the handler reads the row from this ref, not from the last render.
  const current = useRef(index);
  current.current = Math.min(index, Math.max(0, rows.length - 1));
  const move = (to: number) => { current.current = to; setIndex(to); };
  useInput((input, key) => {
    if (key.escape || input === 'b') { onBack(); return; }
    if (!rows.length) return;
    if (key.upArrow || input === 'k') move(Math.max(0, current.current - 1));
    else if (key.downArrow || input === 'j') move(Math.min(rows.length - 1, current.current + 1));
    else if (key.return) onRerun(rows[current.current]!.id);
    else if (input === 'u') onUndo(rows[current.current]!.id);
  });
  const idWidth = Math.max(4, ...rows.map((r) => r.id.length));
  const chosen = rows[Math.min(index, rows.length - 1)];
  return (
    <Box flexDirection="column">
      <T bold wrap="truncate-end">
        Steps of the {menu.engine} path on this machine
      </T>
      {menu.rows === undefined ? (
        <T>Reading each step's state on this machine...</T>
      ) : (
        <>
          <T dimColor wrap="truncate-end">
            {'  '}
            {'STEP'.padEnd(idWidth)} {'NOW'.padEnd(14)} LAST RESULT
          </T>
          {rows.map((r, i) => (
            <T key={r.id} wrap="truncate-end" bold={i === index}>
              {i === index ? '> ' : '  '}
              {r.id.padEnd(idWidth)} <T color={NOW_COLOR[r.now]}>{NOW_WORD[r.now].padEnd(14)}</T> {r.last}
            </T>
          ))}
          {chosen ? <Details row={chosen} maxLines={Math.max(2, maxLines - rows.length - 6 - (menu.message ? 1 : 0))} /> : null}
        </>
      )}
      {menu.message ? (
        <T wrap="truncate-end" color={menu.message.ok ? 'green' : 'red'}>
          {menu.message.text}
        </T>
      ) : null}
      <T bold wrap="truncate-end">
        {MENU_KEYS}
      </T>
    </Box>
  );
}

/** The chosen step in full: what it is, what it would do now, its last result and problem. */
function Details({ row, maxLines }: { row: StepMenuRow; maxLines: number }) {
  const lines: { text: string; color?: string }[] = [
    { text: `${row.id}: ${row.title}` },
    { text: `  now: ${row.summary}` },
    { text: `  last: ${row.last}` },
  ];
  if (row.problem) {
    lines.push({ text: `  [!!] ${row.problem.what}: ${row.problem.why}`, color: 'red' });
    lines.push({ text: `  next: ${row.problem.next}` });
  }
  return (
    <Box flexDirection="column" marginTop={1}>
      {lines.slice(0, maxLines).map((l, i) => (
        <T key={i} wrap="truncate-end" color={l.color} dimColor={i > 0 && !l.color}>
          {l.text}
        </T>
      ))}
    </Box>
  );
}
