import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanup } from 'ink-testing-library';
import { App } from '../../screens/App.js';
import type { Phase } from '../../src/wizard/state.js';
import { FakeStore } from '../helpers/fake-store.js';
import { frameRows, renderReady } from '../helpers/ink.js';
import { PLAN, STEPS, logLines, sampleFacts } from './fixtures.js';

afterEach(() => cleanup());

const PROBLEM = { what: 'something failed', why: 'because of a reason', next: 'do the next thing' };

for (const phase of ['welcome', 'choose-runtime', 'confirm', 'running', 'summary', 'step-menu', 'undo', 'fatal'] as Phase[]) {
  test(`the ${phase} screen fits 80x24 with a busy state`, async () => {
    const store = new FakeStore({
      phase,
      engine: 'docker',
      facts: sampleFacts({ isRoot: false, init: 'other', cgroup: 'unknown' }),
      runtimeChoices: [
        { value: 'docker', label: 'Docker' },
        { value: 'containerd', label: 'containerd', disabledReason: 'not running' },
      ],
      steps: [...STEPS, { id: 'x', title: 'Extra', status: 'failed', problem: PROBLEM }],
      currentStepId: 'configure',
      pendingPlan: PLAN,
      logTail: logLines(1, 500),
      progress: { label: 'runsc', bytes: 1, total: 2, bytesPerSecond: 1 },
      check: { passed: false, verdict: 'not isolated', evidence: [{ label: 'a', ok: false, detail: 'b' }], problem: PROBLEM },
      problem: PROBLEM,
      logFile: '/var/log/gvisor-wizard/run.log',
      // Every mode and offer at once.
      dryRun: true,
      lab: true,
      practice: true,
      diagnoses: [
        { title: 'old runsc on a new kernel (network namespace)', fix: 'Install a newer runsc (--release latest), or knowingly add --runtime-arg=--network=host.' },
        { title: 'daemon.json key vs dockerd flag', fix: 'Keep each setting in one place.' },
      ],
      planByHand: true,
      planNote: 'not done yet: daemon.json has no runsc runtime',
      resumeOffer: { startedAt: '2026-12-03 18:40 UTC (5 min ago)', engine: 'containerd', stepId: 'kube-containerd-cri', stepTitle: 'x' },
      savedAnswers: '/root/answers-for-the-next-worker-of-this-class.toml',
      logView: { step: 'configure', scrolledUp: 1234 },
      menu: { engine: 'docker', message: { text: 'configure-docker: already done, nothing changed', ok: true }, rows: STEPS.map((s) => ({ id: s.id, title: s.title, now: 'needed' as const, summary: s.summary ?? '', last: 'failed 2026-12-03 18:40 UTC (5 min ago)', problem: PROBLEM })) },
      undo: { stage: 'done', ok: false, damaged: 2, changes: [{ verb: 'restore', path: '/etc/x', at: 'now' }], actions: Array.from({ length: 30 }, (_, i) => ({ path: `/etc/file-${i}`, result: 'kept' as const, detail: 'left as it is' })), engines: [{ engine: 'docker' as const, ok: false, detail: 'docker does not answer' }] },
    });
    const r = await renderReady(<App store={store} rows={24} columns={80} />);
    const rows = frameRows(r.lastFrame() ?? '');
    assert.ok(rows.length < 24, `${rows.length} rows:\n${rows.join('\n')}`);
    for (const row of rows) assert.ok(row.length <= 80, `too wide: ${row}`);
  });
}
