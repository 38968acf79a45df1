// Operator control in the real TUI (tmux, 80x24) on a private dockerd: a run that saves its
// answers (--save-answers), the step menu rerunning one step ("already done, nothing
// changed"), and the saved answers replayed headless on a second private dockerd giving the
// same daemon.json bytes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { BUSYBOX_TAG, ensureBusyboxImage } from '../helpers/busybox-image.js';
import { cleanupAfter } from '../helpers/cleanup.js';
import { e2eSkip } from '../helpers/prereqs.js';
import { startPrivateDockerd } from '../helpers/private-dockerd.js';
import { which } from '../helpers/proc.js';
import { startReleaseServer } from '../helpers/release-server.js';
import { confirmEveryStep, startTuiInTmux } from '../helpers/tmux-wizard.js';
import { runWizard, wizardEntry, workDir } from '../helpers/wizard.js';
import { readState } from '../../src/state/state-file.js';

const cleanup = cleanupAfter();
after(() => cleanup.run());
const skip = e2eSkip() || (which('tmux') ? false : 'tmux is not installed');

test('docker in the TUI with --save-answers, a step rerun from the step menu, and the answers replayed headless on a second dockerd', { skip, timeout: 900_000 }, async () => {
  const d1 = await startPrivateDockerd({ cleanup });
  await ensureBusyboxImage(d1);
  const server = await startReleaseServer({ layout: 'loose' });
  cleanup.add('release server', () => server.close());
  const w = workDir(); cleanup.add('work dir', w.remove);
  const answers = join(w.dir, 'answers.toml');
  const stateDir = join(w.dir, 'state');

  // Given a TUI run on the first dockerd that saves its answers
  const t = await startTuiInTmux([process.execPath, wizardEntry(), '--image', BUSYBOX_TAG, '--runtime-arg=--network=host', '--docker-host', d1.host,
    '--mirror', server.baseUrl, '--install-dir', join(w.dir, 'bin'), '--state-dir', stateDir, '--log-dir', join(w.dir, 'log'), '--save-answers', answers], d1.env, cleanup);
  const welcome = await t.waitFor(/Enter to continue/);
  assert.match(welcome, /m step menu - d dry run: off/);
  assert.doesNotMatch(welcome, /unfinished run/);
  await t.keys('Enter');
  await t.waitFor(/choose the engine/);
  await t.keys('Enter'); // docker
  await t.waitFor(/Make runsc docker's default runtime\?/);
  await t.keys('Enter'); // no
  const { titles } = await confirmEveryStep(t);
  assert.equal(titles.length, 4);
  const summary = await t.waitFor(/press q to quit/);
  assert.match(summary, /Isolation check: PASS/);
  assert.match(summary, new RegExp(`Answers saved to ${answers.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
  assert.match(summary, /m step menu - u undo/);
  const saved = readFileSync(answers, 'utf8');
  assert.match(saved, /^runtime = "docker"$/m);
  assert.match(saved, /^default-runtime = false$/m, 'the answered default is saved, so a replay does not ask');
  assert.match(saved, /^"?runtime-arg"? = \[ "--network=host" \]$/m);

  // When the step menu reruns configure-docker
  await t.keys('m');
  const menu = await t.waitFor(/install-runsc\s+done/);
  assert.match(menu, /Steps of the docker path on this machine/);
  assert.match(menu, /configure-docker\s+done\s+applied \d{4}-\d\d-\d\d \d\d:\d\d UTC \(\d+ s ago\)/);
  assert.match(menu, /isolation-check\s+runs each time/);
  for (const line of menu.split('\n')) assert.ok(line.length <= 80, `fits 80 columns: ${line}`);
  const before = readFileSync(d1.configFile);
  await t.keys('Down');
  await t.waitFor(/> configure-docker/);
  await t.keys('Enter');
  // Then it says so and changes nothing
  const rerun = await t.waitFor(/configure-docker: already done, nothing changed/);
  assert.match(rerun, /Steps of the docker path/);
  assert.deepEqual(readFileSync(d1.configFile), before);
  await t.keys('q');
  assert.equal(await t.exitStatus(), 0);
  const state = readState(stateDir);
  assert.deepEqual(state.runs.map((r) => [r.command, r.ok]), [['tui', true], ['run configure-docker', true]]);
  assert.equal(state.steps['configure-docker']?.status, 'done');

  // And the saved answers replayed headless on a second dockerd give the same daemon.json bytes
  const d2 = await startPrivateDockerd({ cleanup });
  await ensureBusyboxImage(d2);
  const w2 = workDir(); cleanup.add('work dir 2', w2.remove);
  const replay = await runWizard(['apply', '--answers', answers, '--yes', '--docker-host', d2.host, '--state-dir', join(w2.dir, 'state'), '--log-dir', join(w2.dir, 'log')], d2.env);
  assert.equal(replay.code, 0, `${replay.stdout}\n${replay.stderr}`);
  assert.match(replay.stdout, /Isolation check: PASS/);
  assert.equal(readFileSync(d2.configFile, 'utf8'), readFileSync(d1.configFile, 'utf8'));
  assert.deepEqual(readFileSync(d2.configFile), readFileSync(d1.configFile));
});
