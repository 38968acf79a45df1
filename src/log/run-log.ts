import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { SecretMasker } from './mask.js';

export type LogLevel = 'info' | 'warn' | 'error' | 'cmd' | 'out' | 'err' | 'exit';

export interface LogEntry {
  time: Date;
  level: LogLevel;
  /** The step the line belongs to, so a view can filter to the current step. */
  step?: string;
  text: string;
  /** Detail for the log file; live views show it only when verbose. */
  detail?: boolean;
}

export type LogListener = (entry: LogEntry) => void;

const TAGS: Record<LogLevel, string> = { info: 'INFO ', warn: 'WARN ', error: 'ERROR', cmd: 'CMD  ', out: 'OUT  ', err: 'ERR  ', exit: 'EXIT ' };

/**
 * One run's log: every entry is masked, appended to the log file (full output, no
 * truncation) and handed to listeners (the TUI's bounded tail, the CLI's stderr).
 * File writes are batched: command output can be thousands of lines a second.
 */
export class RunLog {
  readonly masker: SecretMasker;
  readonly filePath: string | null;
  private fd: number | null = null;
  private pending: string[] = [];
  private timer: NodeJS.Timeout | null = null;
  private listeners = new Set<LogListener>();
  private stampMs = -1;
  private stamp = '';

  constructor(opts: { dir?: string | null; masker?: SecretMasker; name?: string } = {}) {
    this.masker = opts.masker ?? new SecretMasker();
    if (opts.dir) {
      mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      this.filePath = join(opts.dir, `${opts.name ?? 'run'}-${stamp}-${process.pid}.log`);
      this.fd = openSync(this.filePath, 'a', 0o600);
    } else {
      this.filePath = null;
    }
  }

  subscribe(listener: LogListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  write(level: LogLevel, text: string, step?: string, detail = false): void {
    const now = Date.now();
    const entry: LogEntry = { time: new Date(now), level, step, text: this.masker.mask(text), detail };
    for (const l of this.listeners) l(entry);
    if (this.fd === null) return;
    // Formatting a date costs more than the rest of a line: lines of the same millisecond
    // (a command printing thousands a second) share one stamp.
    if (now !== this.stampMs) { this.stampMs = now; this.stamp = entry.time.toISOString(); }
    this.pending.push(`${this.stamp} ${TAGS[level]} ${step ? `[${step}] ` : ''}${entry.text}\n`);
    if (this.pending.length > 2000) this.flush();
    else if (!this.timer) this.timer = setTimeout(() => this.flush(), 100);
  }

  info(text: string, step?: string): void { this.write('info', text, step); }
  warn(text: string, step?: string): void { this.write('warn', text, step); }
  error(text: string, step?: string): void { this.write('error', text, step); }

  flush(): void {
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    if (this.fd === null || this.pending.length === 0) return;
    writeSync(this.fd, this.pending.join(''));
    this.pending = [];
  }

  close(): void {
    this.flush();
    if (this.fd !== null) { closeSync(this.fd); this.fd = null; }
  }
}

/** Render argv for a human: quote only what needs it. Never fed to a shell. */
export function formatArgv(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}
