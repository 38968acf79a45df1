// `gvisor-wizard explain <topic>`: a step's what/why with its concept notes, or one concept note,
// as plain text wrapped to the terminal. Unknown topics get the valid list and a "did you mean".

import { wrapText } from '../util/wrap.js';
import { CONCEPTS, conceptNote, STEP_WHY, stepsUsing, whyTextFor, type ConceptNote, type WhyText } from './why-text.js';

export interface ExplainableList {
  steps: { id: string; title: string }[];
  concepts: { id: string; title: string }[];
}

export function listExplainable(): ExplainableList {
  return {
    steps: STEP_WHY.map(({ id, title }) => ({ id, title })),
    concepts: CONCEPTS.map(({ id, title }) => ({ id, title })),
  };
}

/** Every valid topic: step ids, then concept ids. */
export function explainTopics(): string[] {
  return [...STEP_WHY.map((w) => w.id), ...CONCEPTS.map((c) => c.id)];
}

export class UnknownTopicError extends Error {
  constructor(
    readonly topic: string,
    readonly suggestions: string[],
  ) {
    const list = listExplainable();
    const hint = suggestions.length ? `; did you mean ${suggestions.map((s) => `"${s}"`).join(' or ')}?` : '';
    super(
      [
        `nothing to explain for "${topic}"${hint}`,
        `  steps: ${list.steps.map((s) => s.id).join(', ')}`,
        `  concepts: ${list.concepts.map((c) => c.id).join(', ')}`,
        '  next: run `gvisor-wizard explain` for the list with titles, then `gvisor-wizard explain <topic>`.',
      ].join('\n'),
    );
    this.name = 'UnknownTopicError';
  }
}

/** Edit distance (insert, delete, replace), for near misses like "instal-runsc". */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}

/**
 * Topics the operator probably meant: close in spelling (a third of the length, at least 2 edits),
 * or containing / contained in what was typed ("runtimeclass" -> both "runtimeclass" entries,
 * "configure" -> both configure steps). At most 3, closest first.
 */
export function suggestTopics(input: string): string[] {
  const typed = input.trim().toLowerCase();
  if (typed.length === 0) return [];
  const scored = explainTopics()
    .map((t) => {
      const d = editDistance(typed, t);
      const near = d <= Math.max(2, Math.floor(t.length / 3));
      const part = typed.length >= 3 && (t.includes(typed) || typed.includes(t));
      return { t, d, ok: near || part };
    })
    .filter((s) => s.ok)
    .sort((a, b) => a.d - b.d);
  return scored.slice(0, 3).map((s) => s.t);
}

function resolve(topic: string): { step: WhyText } | { concept: ConceptNote } {
  const id = topic.trim().toLowerCase();
  const step = whyTextFor(id);
  if (step) return { step };
  const concept = conceptNote(id);
  if (concept) return { concept };
  throw new UnknownTopicError(topic, suggestTopics(topic));
}

/** A step's why-text with its concept notes (resolved), or a concept with the steps that use it. */
export function explainTopic(topic: string): { kind: 'step'; step: WhyText; concepts: ConceptNote[] } | { kind: 'concept'; concept: ConceptNote; usedBy: string[] } {
  const found = resolve(topic);
  if ('step' in found) {
    return { kind: 'step', step: found.step, concepts: found.step.concepts.map((c) => conceptNote(c)).filter((c): c is ConceptNote => c !== undefined) };
  }
  return { kind: 'concept', concept: found.concept, usedBy: stepsUsing(found.concept.id).map((w) => w.id) };
}

function indented(text: string, width: number, indent = '  '): string[] {
  return wrapText(text, width - indent.length).map((l) => (l === '' ? '' : indent + l));
}

function conceptLines(c: ConceptNote, width: number): string[] {
  return [...wrapText(`${c.title} [${c.id}]`, width), ...indented(c.text, width)];
}

/**
 * The explanation of a step id or concept id as text of at most `width` columns (default 80).
 * Throws UnknownTopicError (with suggestions and the valid topics) for anything else.
 */
export function explainText(stepIdOrConcept: string, width = 80): string {
  const w = Math.max(20, Math.floor(width));
  const found = explainTopic(stepIdOrConcept);
  if (found.kind === 'concept') {
    const lines = conceptLines(found.concept, w);
    if (found.usedBy.length) lines.push('', ...wrapText(`Steps where it matters: ${found.usedBy.join(', ')}`, w));
    return lines.join('\n');
  }
  const { step, concepts } = found;
  const lines = [
    ...wrapText(`${step.title} [${step.id}]`, w),
    '',
    'What it changes on this machine:',
    ...indented(step.what, w),
    '',
    'Why the sandbox needs it:',
    ...indented(step.why, w),
  ];
  for (const c of concepts) lines.push('', ...conceptLines(c, w));
  return lines.join('\n');
}
