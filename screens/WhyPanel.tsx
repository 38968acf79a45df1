// Side panel: why the current step exists (what it changes, why the sandbox needs it), for students.
// The text is wrapped here, not by Ink, so the panel's height is known and can be capped.

import { Box, Text, type TextProps } from 'ink';
import { whyTextFor } from '../src/explain/why-text.js';
import { wrapText } from '../src/util/wrap.js';
import { colorEnabled } from './format.js';
import { T } from './T.js';

export type WhyLineKind = 'title' | 'label' | 'text' | 'hint' | 'blank';

export interface WhyLine {
  kind: WhyLineKind;
  text: string;
}

/** Border and one column of padding on each side. */
export const WHY_PANEL_FRAME = 4;

const blank: WhyLine = { kind: 'blank', text: '' };
const as = (kind: WhyLineKind, rows: string[]): WhyLine[] => rows.map((text) => ({ kind, text }));

/**
 * The panel's rows for a step, wrapped to `inner` columns. With `maxRows` (rows for the text,
 * border excluded) it drops what matters least first: the hint, then "what it changes", then
 * cuts "why" with a last row that says where the rest is.
 */
export function whyPanelLines(stepId: string, inner: number, maxRows?: number): WhyLine[] {
  const w = whyTextFor(stepId);
  const more = `gvisor-wizard explain ${stepId}`;
  if (!w) return [...as('text', wrapText(`No explanation for "${stepId}".`, inner)), ...as('hint', wrapText(`List: gvisor-wizard explain`, inner))];
  const head = as('title', wrapText(w.title, inner));
  const what = [...as('label', ['What it changes']), ...as('text', wrapText(w.what, inner))];
  const why = [...as('label', ['Why']), ...as('text', wrapText(w.why, inner))];
  const hint = as('hint', wrapText(`Concepts: ${w.concepts.join(', ')}. More: ${more}`, inner));
  const candidates = [
    [...head, blank, ...what, blank, ...why, blank, ...hint],
    [...head, blank, ...what, blank, ...why],
    [...head, blank, ...why],
  ];
  if (maxRows === undefined) return candidates[0]!;
  const fits = candidates.find((c) => c.length <= maxRows);
  if (fits) return fits;
  const cut = candidates[2]!.slice(0, Math.max(1, maxRows - 1));
  // The short form of the command, so the pointer fits one row even for the longest step id.
  return [...cut, ...as('hint', [`... explain ${stepId}`.slice(0, inner)])];
}

const STYLE: Record<WhyLineKind, TextProps> = {
  title: { bold: true, color: 'cyan' },
  label: { bold: true },
  text: {},
  hint: { dimColor: true },
  blank: {},
};

export interface WhyPanelProps {
  stepId: string;
  /** Columns of the whole panel, border included (38 fits beside an 80-column step list). */
  width: number;
  noColor?: boolean;
  /** Rows of the whole panel, border included; without it the panel is as tall as its text. */
  maxRows?: number;
}

export function WhyPanel({ stepId, width, noColor = false, maxRows }: WhyPanelProps) {
  // T honours NO_COLOR; noColor (the --no-color flag) must drop styles even when NO_COLOR is unset.
  const color = !noColor && colorEnabled();
  const inner = Math.max(10, width - WHY_PANEL_FRAME);
  const lines = whyPanelLines(stepId, inner, maxRows === undefined ? undefined : Math.max(1, maxRows - 2));
  return (
    <Box flexDirection="column" width={width} borderStyle="single" paddingX={1} {...(color ? { borderColor: 'gray' } : {})}>
      {lines.map((l, i) =>
        color ? (
          <T key={i} wrap="truncate-end" {...STYLE[l.kind]}>
            {l.text || ' '}
          </T>
        ) : (
          <Text key={i} wrap="truncate-end">
            {l.text || ' '}
          </Text>
        ),
      )}
    </Box>
  );
}
