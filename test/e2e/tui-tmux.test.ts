// One smoke test drives the real TUI in a real terminal (tmux, 80x24): welcome, engine
// choice, a confirm per step, live logs, and the isolation check's PASS on the summary.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { BUSYBOX_TAG, ensureBusyboxImage } from '../helpers/busybox-image.js';
import { cleanupAfter } from '../helpers/cleanup.js';
import { e2eSkip } from '../helpers/prereqs.js';
import { startPrivateDockerd } from '../helpers/private-dockerd.js';
import { runCommand, sleep, which } from '../helpers/proc.js';
import { startReleaseServer } from '../helpers/release-server.js';
import { wizardEntry, workDir } from '../helpers/wizard.js';

const cleanup = cleanupAfter();
after(() => cleanup.run());
const skip = e2eSkip() || (which('tmux') ? false : 'tmux is not installed');

test('the TUI walks from welcome to a passing isolation check in an 80x24 terminal', { skip, timeout: 600_000 }, async () => {
  const d = await startPrivateDockerd({ cleanup });
  await ensureBusyboxImage(d);
  const server = await startReleaseServer({ layout: 'loose' });
  cleanup.add('release server', () => server.close());
  const w = workDir(); cleanup.add('work dir', w.remove);

  // A tmux server of the test's own, so nothing of the operator's sessions is touched.
  const socket = `gvw-test-${process.pid}`;
  const tmux = (...args: string[]) => runCommand('tmux', ['-L', socket, ...args], { timeoutMs: 20_000 });
  cleanup.add('tmux server', () => tmux('kill-server'));
  const env = Object.entries({ ...d.env, TERM: 'xterm-256color' }).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  const wizard = [process.execPath, wizardEntry(), '--image', BUSYBOX_TAG, '--runtime-arg=--network=host', '--docker-host', d.host,
    '--mirror', server.baseUrl, '--install-dir', join(w.dir, 'bin'), '--state-dir', join(w.dir, 'state'), '--log-dir', join(w.dir, 'log')];
  const started = await tmux('new-session', '-d', '-s', 'wizard', '-x', '80', '-y', '24', ...env, ...wizard);
  assert.equal(started.code, 0, started.stderr);
  await tmux('set-option', '-t', 'wizard', 'remain-on-exit', 'on');

  const screen = async () => (await tmux('capture-pane', '-p', '-t', 'wizard')).stdout;
  const waitFor = async (what: RegExp, timeoutMs = 120_000): Promise<string> => {
    const end = Date.now() + timeoutMs;
    let s = '';
    while (Date.now() < end) {
      s = await screen();
      if (what.test(s)) return s;
      await sleep(200);
    }
    throw new Error(`screen never showed ${what}; last screen:\n${s}`);
  };

  // Welcome shows the detected facts
  const welcome = await waitFor(/Enter to continue/);
  assert.match(welcome, /docker\s+running 20\./);
  assert.match(welcome, /arch\s+x64 -> runsc release x86_64/);
  await tmux('send-keys', '-t', 'wizard', 'Enter');
  // Engine choice: containerd is listed but disabled with its reason
  const choice = await waitFor(/choose the engine/);
  assert.match(choice, /containerd.*not available/);
  await tmux('send-keys', '-t', 'wizard', 'Enter');
  // --runtime-arg answered the network and platform questions; the default-runtime one is asked
  const question = await waitFor(/Make runsc docker's default runtime\?/);
  assert.doesNotMatch(question, /Network for sandboxed containers/);
  await tmux('send-keys', '-t', 'wizard', 'Enter');

  // Each step shows its plan; answer y once per distinct step
  const answered = new Set<string>();
  const seen: string[] = [];
  for (;;) {
    const s = await waitFor(/Apply step "([^"]+)"\?|summary/);
    seen.push(s);
    if (/summary/.test(s)) break;
    const title = /Apply step "([^"]+)"\?/.exec(s)![1]!;
    if (!answered.has(title)) {
      answered.add(title);
      await tmux('send-keys', '-t', 'wizard', 'y');
    }
    await sleep(200);
  }
  assert.deepEqual([...answered], ['Download, verify and install runsc', 'Add the runsc runtime to docker', 'Reload docker and confirm it lists the runtime', 'Prove that workloads run inside gVisor']);
  assert.ok(seen.some((s) => /\+\s+"runsc": \{/.test(s)), 'the daemon.json diff was shown before writing');

  const summary = await waitFor(/press q to quit/);
  assert.match(summary, /Isolation check: PASS/);
  assert.match(summary, /\[ok\] marker absent from the host process list/);
  for (const line of summary.split('\n')) assert.ok(line.length <= 80, `fits 80 columns: ${line}`);
  const logPath = /Log file: (\S+)/.exec(summary)?.[1];
  assert.ok(logPath && readFileSync(logPath, 'utf8').includes('Starting gVisor'), 'the log file holds the full output');

  await tmux('send-keys', '-t', 'wizard', 'q');
  const end = Date.now() + 20_000;
  let status = '';
  while (Date.now() < end) {
    status = (await tmux('display-message', '-p', '-t', 'wizard', '#{pane_dead} #{pane_dead_status}')).stdout.trim();
    if (status.startsWith('1 ')) break;
    await sleep(200);
  }
  assert.equal(status, '1 0', 'the wizard exited with status 0');
  assert.equal((await d.docker(['ps', '-aq'])).stdout.trim(), '', 'no check container left');
});
