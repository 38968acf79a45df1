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

for (const phase of ['welcome', 'choose-runtime', 'confirm', 'running', 'summary', 'fatal'] as Phase[]) {
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
    });
    const r = await renderReady(<App store={store} rows={24} columns={80} />);
    const rows = frameRows(r.lastFrame() ?? '');
    assert.ok(rows.length < 24, `${rows.length} rows:\n${rows.join('\n')}`);
    for (const row of rows) assert.ok(row.length <= 80, `too wide: ${row}`);
  });
}
