// A closed terminal (an ssh link that drops) while the isolation check runs: the TUI gets
// SIGHUP, stops like q and still removes the check's container and sandbox.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { BUSYBOX_TAG, ensureBusyboxImage } from '../helpers/busybox-image.js';
import { cleanupAfter, processesMatching } from '../helpers/cleanup.js';
import { e2eSkip } from '../helpers/prereqs.js';
import { startPrivateDockerd } from '../helpers/private-dockerd.js';
import { sleep, which } from '../helpers/proc.js';
import { startReleaseServer } from '../helpers/release-server.js';
import { startTuiInTmux } from '../helpers/tmux-wizard.js';
import { wizardEntry, workDir } from '../helpers/wizard.js';

const cleanup = cleanupAfter();
after(() => cleanup.run());
const skip = e2eSkip() || (which('tmux') ? false : 'tmux is not installed');

function logsOf(dir: string): string {
  try {
    return readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
  } catch {
    return '(no log)';
  }
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 120_000): Promise<T> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await probe();
    if (v !== undefined) return v;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

test('closing the terminal during the check leaves no container and no sandbox behind', { skip, timeout: 600_000 }, async () => {
  const d = await startPrivateDockerd({ cleanup });
  await ensureBusyboxImage(d);
  const server = await startReleaseServer({ layout: 'loose' });
  cleanup.add('release server', () => server.close());
  const w = workDir(); cleanup.add('work dir', w.remove);
  const t = await startTuiInTmux([process.execPath, wizardEntry(), '--runtime', 'docker', '--yes', '--default-runtime', '--image', BUSYBOX_TAG, '--runtime-arg=--network=host',
    '--docker-host', d.host, '--mirror', server.baseUrl, '--install-dir', join(w.dir, 'bin'), '--state-dir', join(w.dir, 'state'), '--log-dir', join(w.dir, 'log')], d.env, cleanup);
  await t.waitFor(/Enter to continue/);
  await t.keys('Enter');

  // When the check's container exists, the terminal goes away
  const id = await until('the check container', async () => (await d.docker(['ps', '-aq', '--filter', 'name=gvisor-wizard-check'])).stdout.trim() || undefined);
  await t.hangUp();

  // Then the wizard removes it and its sandbox before it ends
  await until('the check container to be removed', async () => ((await d.docker(['ps', '-aq', '--filter', 'name=gvisor-wizard-check'])).stdout.trim() === '' ? true : undefined), 60_000)
    .catch((e: Error) => { throw new Error(`${e.message}\nwizard processes: ${JSON.stringify(processesMatching(wizardEntry()))}\nthe wizard's log:\n${logsOf(join(w.dir, 'log')).slice(-1500)}`); });
  await until('no runsc process of the check', async () => (processesMatching(id.slice(0, 12)).length === 0 ? true : undefined), 30_000);
  assert.equal((await d.docker(['ps', '-aq'])).stdout.trim(), '');
});
