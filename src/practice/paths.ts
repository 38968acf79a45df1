// Where a practice run keeps everything. Small and dependency-free: args.ts imports it, and
// --help must stay fast.

import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';

/** The folder below DIR that holds the stand-ins (bin, release, daemon socket, logs). */
export const PRACTICE_SUBDIR = 'practice';
/** Written when DIR is prepared: its presence makes any later command on DIR a practice run. */
export const PRACTICE_MARKER = 'practice.json';

/** `--practice` without `--root`: one folder per user, reused so rerun, undo and report find it. */
export function defaultPracticeRoot(): string {
  let user: string;
  try {
    user = userInfo().username;
  } catch {
    user = String(process.getuid?.() ?? 'user');
  }
  return `/tmp/gvisor-wizard-practice-${user.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
}

export interface PracticeLayout {
  root: string;
  dir: string;
  bin: string;
  libexec: string;
  run: string;
  log: string;
  tmp: string;
  /** The release folder as a machine path (under --root): what --from-dir is set to. */
  releaseMachinePath: string;
  release: string;
  socket: string;
  dockerHost: string;
  /** The practice containerd's socket (a real path: sockets are not re-rooted). */
  containerdSocket: string;
  marker: string;
}

export function practiceLayout(root: string): PracticeLayout {
  const dir = join(root, PRACTICE_SUBDIR);
  const socket = join(dir, 'run', 'docker.sock');
  return {
    root,
    dir,
    bin: join(dir, 'bin'),
    libexec: join(dir, 'libexec'),
    run: join(dir, 'run'),
    log: join(dir, 'log'),
    tmp: join(dir, 'tmp'),
    releaseMachinePath: `/${PRACTICE_SUBDIR}/release`,
    release: join(dir, 'release'),
    socket,
    dockerHost: `unix://${socket}`,
    containerdSocket: join(dir, 'run', 'containerd.sock'),
    marker: join(dir, PRACTICE_MARKER),
  };
}

/** True when DIR was prepared for practice (so `undo --root DIR` stays a practice run). */
export function isPracticeRoot(root: string): boolean {
  return root !== '/' && existsSync(practiceLayout(root).marker);
}
