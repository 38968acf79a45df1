// Pure helpers for the screens: glyphs, truncation, byte/time formatting, plan flattening.
// No React, no Ink: everything here is tested as plain functions.

import { wrapText } from '../src/util/wrap.js';
import type { LogLine, PlanView, ProgressView, StepStatus } from '../src/wizard/state.js';

/** ASCII status glyphs: readable without color and on any terminal font. */
export const STEP_GLYPH: Record<StepStatus, string> = {
  pending: '[  ]',
  done: '[ok]',
  needed: '[..]',
  running: '[>>]',
  ok: '[ok]',
  skipped: '[--]',
  failed: '[!!]',
  'not-applicable': '[na]',
};

/** Short words for a status, for the summary. */
export const STEP_WORD: Record<StepStatus, string> = {
  pending: 'not checked',
  done: 'already set',
  needed: 'to do',
  running: 'running',
  ok: 'applied',
  skipped: 'skipped',
  failed: 'failed',
  'not-applicable': 'not needed',
};

export const STEP_COLOR: Partial<Record<StepStatus, string>> = {
  done: 'green',
  ok: 'green',
  needed: 'yellow',
  running: 'cyan',
  failed: 'red',
};

/** NO_COLOR (https://no-color.org): set and not empty turns every color and text style off. */
export function colorEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env['NO_COLOR'];
  return v === undefined || v === '';
}

/** Cut `text` to at most `width` characters, ending with "…" when something was cut. */
export function truncate(text: string, width: number): string {
  const chars = Array.from(text);
  if (chars.length <= width) return text;
  if (width <= 0) return '';
  if (width === 1) return '…';
  return chars.slice(0, width - 1).join('') + '…';
}

/** The last `n` items (all of them when there are fewer). */
export function tail<T>(items: readonly T[], n: number): T[] {
  if (n <= 0) return [];
  return items.slice(Math.max(0, items.length - n));
}

const ANSI = /\u001B(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001B]*(?:\u0007|\u001B\\)|[@-Z\\-_])/g;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F]/g;

/**
 * One command-output line made safe to draw: no escape sequences (a command's own colors would
 * break NO_COLOR and the layout), a carriage return keeps what a terminal would show (the text
 * after the last \r), tabs become spaces, other control characters go.
 */
export function sanitizeLine(text: string): string {
  let s = text.replace(ANSI, '');
  const cr = s.replace(/\r+$/, '').lastIndexOf('\r');
  if (cr >= 0) s = s.slice(cr + 1);
  return s.replace(/\t/g, '    ').replace(CONTROL, '').replace(/\n/g, ' ');
}

/** How a log line is shown: prefix by level. */
export function logPrefix(level: LogLine['level']): string {
  switch (level) {
    case 'cmd':
      return '$ ';
    case 'error':
      return '! ';
    case 'warn':
      return '! ';
    case 'exit':
      return '= ';
    default:
      return '  ';
  }
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const;

function unitFor(n: number): number {
  let i = 0;
  let v = Math.abs(n);
  while (v >= 1024 && i < UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return i;
}

function inUnit(n: number, i: number): string {
  const v = n / 1024 ** i;
  return i === 0 ? String(Math.round(v)) : v.toFixed(1);
}

/** 1536 -> "1.5 KiB". */
export function formatBytes(n: number): string {
  const i = unitFor(n);
  return `${inUnit(n, i)} ${UNITS[i]}`;
}

/** 3 -> "3s", 65 -> "1m05s", 3720 -> "1h02m". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * One progress line that fits `width` columns, e.g.
 * `[#####.....] 12.3/40.1 MiB 8.2 MiB/s ETA 3s`. Without a known total there is no bar or ETA.
 */
export function formatProgress(p: ProgressView, width: number): string {
  const speed = `${formatBytes(p.bytesPerSecond)}/s`;
  if (p.total === undefined || p.total <= 0) {
    return truncate(`${formatBytes(p.bytes)} ${speed}`, width);
  }
  const i = unitFor(p.total);
  const amounts = `${inUnit(p.bytes, i)}/${inUnit(p.total, i)} ${UNITS[i]}`;
  const eta =
    p.etaSeconds ??
    (p.bytesPerSecond > 0 ? Math.max(0, p.total - p.bytes) / p.bytesPerSecond : undefined);
  const suffix = ` ${amounts} ${speed}${eta === undefined ? '' : ` ETA ${formatDuration(eta)}`}`;
  const barWidth = Math.max(5, Math.min(40, width - suffix.length - 2));
  const fraction = Math.min(1, Math.max(0, p.bytes / p.total));
  const filled = Math.round(fraction * barWidth);
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}]`;
  return truncate(bar + suffix, width);
}

/** An argv as one line for display only (it is never given to a shell): quote what needs it. */
export function argvForDisplay(argv: readonly string[]): string {
  return argv
    .map((a) => (a !== '' && /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`))
    .join(' ');
}

export type PlanLineKind = 'title' | 'file' | 'add' | 'del' | 'hunk' | 'meta' | 'context' | 'cmd' | 'note' | 'more';

export interface PlanLine {
  kind: PlanLineKind;
  text: string;
}

/** Classify one line of a unified diff. */
export function diffLineKind(line: string): PlanLineKind {
  if (line.startsWith('+++') || line.startsWith('---')) return 'meta';
  if (line.startsWith('@@')) return 'hunk';
  if (line.startsWith('+')) return 'add';
  if (line.startsWith('-')) return 'del';
  if (line.startsWith('\\')) return 'meta';
  return 'context';
}

/** The whole plan as display lines, before truncation. */
export function planLines(plan: PlanView): PlanLine[] {
  const out: PlanLine[] = [];
  for (const f of plan.files) {
    out.push({ kind: 'file', text: `file ${f.path}${f.created ? ' (new file)' : ''}` });
    const diff = f.diff.replace(/\n$/, '');
    if (diff === '') {
      out.push({ kind: 'note', text: f.created ? '  (created; content in the log file)' : '  (no change)' });
      continue;
    }
    for (const line of diff.split('\n')) out.push({ kind: diffLineKind(line), text: sanitizeLine(line) });
  }
  if (plan.commands.length > 0) {
    out.push({ kind: 'title', text: 'commands:' });
    for (const argv of plan.commands) out.push({ kind: 'cmd', text: `$ ${argvForDisplay(argv)}` });
  }
  for (const n of plan.notes) out.push({ kind: 'note', text: `note: ${n}` });
  if (out.length === 0) out.push({ kind: 'note', text: 'nothing to change' });
  return out;
}

/**
 * Notes and commands are sentences and shell lines a student may type: wrapped to the width
 * (continuations indented) instead of cut. Diff lines stay one line each, cut at the edge.
 */
export function wrapPlanLines(lines: PlanLine[], width: number): PlanLine[] {
  if (width < 20) return lines;
  return lines.flatMap((l) => {
    if ((l.kind !== 'note' && l.kind !== 'cmd') || l.text.length <= width) return [l];
    return wrapText(l.text, width - 4).map((text, i) => ({ kind: l.kind, text: i === 0 ? text : `    ${text}` }));
  });
}

/** At most `max` lines; when cut, the last one says how many more are in the log file. */
export function fitLines(lines: PlanLine[], max: number): PlanLine[] {
  if (lines.length <= max) return lines;
  const keep = Math.max(0, max - 1);
  return [
    ...lines.slice(0, keep),
    { kind: 'more', text: `… ${lines.length - keep} more lines (full plan in the log file)` },
  ];
}
