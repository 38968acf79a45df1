// The log pane's memory: the last SCROLLBACK_LINES lines (the full output is in the log file),
// where the operator scrolled to, and whether only the current step's lines are shown. The
// state snapshot gets a window of at most LOG_TAIL_LINES lines: renders stay cheap however
// much is kept.

import type { LogLine, LogViewState } from '../wizard/state.js';

export const SCROLLBACK_LINES = 2000;
/** Lines handed to the screen at once: the pane shows a dozen of them, ending where it is scrolled to. */
export const LOG_TAIL_LINES = 200;

export class LogScrollback {
  private lines: LogLine[] = [];
  private onlyCurrent = false;
  private scrolledUp = 0;

  constructor(private readonly limit = SCROLLBACK_LINES) {}

  /** New lines; a view scrolled back stays on the lines it shows. */
  append(batch: readonly LogLine[], currentStep?: string): void {
    if (batch.length === 0) return;
    if (this.scrolledUp > 0) this.scrolledUp += this.onlyCurrent ? batch.filter((l) => l.step === currentStep).length : batch.length;
    // A line's text is a slice of the chunk it was read in, and keeps that whole chunk alive:
    // the lines kept get a copy of their own (2,000 kept lines held 15 MiB of chunks).
    for (let i = Math.max(0, batch.length - this.limit); i < batch.length; i++) {
      const l = batch[i]!;
      this.lines.push({ ...l, text: Buffer.from(l.text).toString() });
    }
    // Trimmed once per batch (about every 80 ms), not per line.
    if (this.lines.length > this.limit) this.lines = this.lines.slice(-this.limit);
    this.clamp(currentStep);
  }

  /** Positive: older lines; 'end': follow the output again. */
  scroll(by: number | 'end', currentStep?: string): void {
    this.scrolledUp = by === 'end' ? 0 : this.scrolledUp + by;
    this.clamp(currentStep);
  }

  toggleFilter(): void {
    this.onlyCurrent = !this.onlyCurrent;
    this.scrolledUp = 0;
  }

  view(currentStep?: string): { logTail: LogLine[]; logView: LogViewState } {
    const shown = this.shown(currentStep);
    const end = shown.length - this.scrolledUp;
    return {
      logTail: shown.slice(Math.max(0, end - LOG_TAIL_LINES), end),
      logView: { ...(this.onlyCurrent ? { step: currentStep ?? '(none yet)' } : {}), scrolledUp: this.scrolledUp },
    };
  }

  private shown(currentStep?: string): LogLine[] {
    return this.onlyCurrent ? this.lines.filter((l) => l.step === currentStep) : this.lines;
  }

  /** Never past the oldest line kept (one line stays in view). */
  private clamp(currentStep?: string): void {
    const count = this.onlyCurrent ? this.shown(currentStep).length : this.lines.length;
    this.scrolledUp = Math.max(0, Math.min(this.scrolledUp, count - 1));
  }
}
