// Drives the real TUI in a real terminal: a tmux server of the test's own (80x24), keys
// sent with send-keys, the screen read with capture-pane. Nothing of the operator's tmux is touched.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runCommand, sleep } from './proc.js';
import type { CleanupRegistry } from './cleanup.js';

export interface TmuxWizard {
  screen(): Promise<string>;
  waitFor(what: RegExp, timeoutMs?: number): Promise<string>;
  keys(...keys: string[]): Promise<void>;
  /** Waits for the program to end; returns its exit status (128+N for signal N). */
  exitStatus(timeoutMs?: number): Promise<number | undefined>;
  /** Closes the terminal, as when an ssh link drops: the program gets SIGHUP. */
  hangUp(): Promise<void>;
}

export async function startTuiInTmux(argv: string[], env: Record<string, string>, cleanup: CleanupRegistry): Promise<TmuxWizard> {
  const socket = `gvw-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const tmux = (...args: string[]) => runCommand('tmux', ['-L', socket, ...args], { timeoutMs: 20_000 });
  cleanup.add('tmux server', () => tmux('kill-server'));
  // tmux gives new panes its own PATH whatever `-e` says: set the environment with env(1).
  // tmux does not always keep a dead pane's exit status: a small sh records it in a file.
  const envArgs = Object.entries({ ...env, TERM: 'xterm-256color' }).map(([k, v]) => `${k}=${v}`);
  const statusFile = join(mkdtempSync(join(tmpdir(), 'gvw-tmux-')), 'status');
  cleanup.add('tmux status file', () => rmSync(dirname(statusFile), { recursive: true, force: true }));
  const started = await tmux('new-session', '-d', '-s', 'wizard', '-x', '80', '-y', '24', '/usr/bin/env', '-i', ...envArgs,
    '/bin/sh', '-c', '"$@"; echo $? > "$0"', statusFile, ...argv);
  if (started.code !== 0) throw new Error(`tmux did not start: ${started.stderr}`);
  await tmux('set-option', '-t', 'wizard', 'remain-on-exit', 'on');
  const screen = async () => (await tmux('capture-pane', '-p', '-t', 'wizard')).stdout;
  return {
    screen,
    async waitFor(what, timeoutMs = 120_000) {
      const end = Date.now() + timeoutMs;
      let s = '';
      while (Date.now() < end) {
        s = await screen();
        if (what.test(s)) return s;
        await sleep(200);
      }
      throw new Error(`screen never showed ${what}; last screen:\n${s}`);
    },
    async keys(...keys) {
      await tmux('send-keys', '-t', 'wizard', ...keys);
    },
    async hangUp() {
      await tmux('kill-session', '-t', 'wizard');
    },
    async exitStatus(timeoutMs = 20_000) {
      const end = Date.now() + timeoutMs;
      while (Date.now() < end) {
        if (existsSync(statusFile)) {
          const text = readFileSync(statusFile, 'utf8').trim();
          if (text !== '') return Number(text);
        }
        await sleep(200);
      }
      return undefined;
    },
  };
}

/** Answers every "Apply step" confirm once (y) until the summary; returns the titles in order and every screen seen. */
export async function confirmEveryStep(t: TmuxWizard): Promise<{ titles: string[]; screens: string[] }> {
  const titles: string[] = [];
  const screens: string[] = [];
  for (;;) {
    // A long title is cut with "…" at 80 columns.
    const s = await t.waitFor(/Apply step "([^"\n]+?)(?:"\?|…)|summary/);
    screens.push(s);
    if (/summary/.test(s)) return { titles, screens };
    const title = /Apply step "([^"\n]+?)(?:"\?|…)/.exec(s)![1]!;
    if (!titles.includes(title)) {
      titles.push(title);
      await t.keys('y');
    }
    await sleep(200);
  }
}
