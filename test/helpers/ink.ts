// Helpers for ink-testing-library that hold under CI=true and without it.
// ink-testing-library renders in Ink's debug mode, so every render is written to `frames`
// even under CI; but after unmount() lastFrame() is "\n" (CI) or stale: read frames first.

import { render } from 'ink-testing-library';
import type { ReactElement } from 'react';

export const KEY = {
  up: '\u001B[A',
  down: '\u001B[B',
  enter: '\r',
  ctrlC: '\u0003',
} as const;

export type Rendered = ReturnType<typeof render>;

/** One turn of the event loop (timers, then immediates), so effects and input listeners settle. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(() => setImmediate(resolve), 0));
}

/** Poll until `cond()` holds, then settle once more; fail with `describe()` on timeout. */
export async function waitFor(cond: () => boolean, describe: () => string = () => '', timeoutMs = 2000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting. ${describe()}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  await settle();
}

/** Wait until the last frame satisfies `predicate`; returns that frame. */
export async function waitForFrame(r: Rendered, predicate: (frame: string) => boolean, timeoutMs = 2000): Promise<string> {
  await waitFor(
    () => predicate(r.lastFrame() ?? ''),
    () => `last frame:\n${r.lastFrame() ?? '(none)'}`,
    timeoutMs,
  );
  return r.lastFrame() ?? '';
}

/** Render and wait for the first frame plus one settle, so useInput listeners are attached. */
export async function renderReady(tree: ReactElement): Promise<Rendered> {
  const r = render(tree);
  await waitForFrame(r, (f) => f.trim() !== '');
  return r;
}

/** Press a key and wait until the frame changes (for keys that redraw). */
export async function pressAndWaitForChange(r: Rendered, key: string): Promise<string> {
  const before = r.lastFrame() ?? '';
  r.stdin.write(key);
  return waitForFrame(r, (f) => f !== before);
}

/** Rows of a frame (a frame ends without a trailing newline in debug mode). */
export function frameRows(frame: string): string[] {
  return frame.replace(/\n$/, '').split('\n');
}

// eslint-disable-next-line no-control-regex
export const ANSI_RE = /\u001B\[[0-9;?]*[A-Za-z]/;
