// `gvisor-wizard explain [TOPIC] [--json]`: why each step exists, for students. Reads no machine
// state and loads only the why-text, so it runs anywhere (no root, no daemons).

import { explainText, explainTopic, listExplainable, UnknownTopicError } from '../explain/explain.js';
import { CONCEPTS, STEP_WHY } from '../explain/why-text.js';
import { wrapText } from '../util/wrap.js';

export interface ExplainIo {
  out(text: string): void;
  err(text: string): void;
}

/** Same codes as the headless commands (EXIT in headless.ts, not imported: it loads every step). */
const OK = 0;
const USAGE = 2;

/** Terminal width when stdout is a terminal (capped for reading), else 80. */
function defaultWidth(): number {
  const cols = process.stdout.isTTY ? process.stdout.columns : undefined;
  return Math.min(100, Math.max(40, cols ?? 80));
}

function listText(width: number): string {
  const { steps, concepts } = listExplainable();
  const pad = Math.max(...[...steps, ...concepts].map((t) => t.id.length)) + 2;
  // A long title wraps under itself, not under the id.
  const row = (t: { id: string; title: string }) =>
    wrapText(t.title, width - pad - 2).map((l, i) => `  ${(i === 0 ? t.id : '').padEnd(pad)}${l}`).join('\n');
  return [
    'Usage: gvisor-wizard explain <topic> [--json]',
    '',
    'Steps (what each changes on this machine, and why):',
    ...steps.map(row),
    '',
    'Concepts:',
    ...concepts.map(row),
  ].join('\n');
}

/**
 * Without a topic: every step and concept, one line each. With one: its explanation.
 * `json` prints the objects instead (the lists: { steps, concepts }; a step: { kind, step, concepts };
 * a concept: { kind, concept, usedBy }). Exit 2 for an unknown topic, with the valid ones on stderr.
 */
export function explainCommand(topic: string | undefined, io: ExplainIo, json: boolean, width = defaultWidth()): number {
  if (topic === undefined || topic.trim() === '') {
    io.out(json ? JSON.stringify({ steps: STEP_WHY, concepts: CONCEPTS }, null, 2) : listText(width));
    return OK;
  }
  try {
    io.out(json ? JSON.stringify(explainTopic(topic), null, 2) : explainText(topic, width));
    return OK;
  } catch (e) {
    if (!(e instanceof UnknownTopicError)) throw e;
    io.err(`gvisor-wizard: ${e.message}`);
    return USAGE;
  }
}
