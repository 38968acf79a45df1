import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanup, render } from 'ink-testing-library';
import { App } from '../../screens/App.js';
import { CheckResult } from '../../screens/CheckResult.js';
import { Summary } from '../../screens/Summary.js';
import type { CheckView } from '../../src/wizard/state.js';
import { FakeStore } from '../helpers/fake-store.js';
import { renderReady } from '../helpers/ink.js';
import { STEPS } from './fixtures.js';

afterEach(() => cleanup());

const PASSED: CheckView = {
  passed: true,
  verdict: 'isolated: the workload runs inside gVisor',
  evidence: [
    { label: 'runtime', ok: true, detail: 'container started with --runtime=runsc' },
    { label: 'kernel', ok: true, detail: 'dmesg shows "Starting gVisor..."' },
  ],
};

test('the summary shows success, step statuses, the check and the log file path', async () => {
  const store = new FakeStore({
    phase: 'summary',
    success: true,
    steps: STEPS.map((s) => ({ ...s, status: s.status === 'pending' || s.status === 'needed' ? ('ok' as const) : s.status })),
    check: PASSED,
    logFile: '/var/log/gvisor-wizard/run-2024-10-21.log',
  });
  const r = await renderReady(<App store={store} rows={24} columns={80} />);
  const frame = r.lastFrame() ?? '';
  assert.match(frame, /Done: the host runs containers under gVisor/);
  assert.match(frame, /\[ok\] Check prerequisites: already set/);
  assert.match(frame, /\[ok\] Restart docker: applied/);
  assert.match(frame, /Isolation check: PASS/);
  assert.match(frame, /Log file: \/var\/log\/gvisor-wizard\/run-2024-10-21\.log/);
  assert.match(frame, /press q to quit/);
});

test('a failed summary says so in words and shows the failed step\'s problem', async () => {
  const store = new FakeStore({
    phase: 'summary',
    success: false,
    steps: [
      { id: 'a', title: 'Install runsc', status: 'failed', problem: { what: 'download failed', why: 'HTTP 404', next: 'check the release name' } },
      { id: 'b', title: 'Restart docker', status: 'skipped' },
    ],
    logFile: null,
  });
  const r = await renderReady(<App store={store} rows={24} columns={80} />);
  const frame = r.lastFrame() ?? '';
  assert.match(frame, /Not finished/);
  assert.match(frame, /\[!!\] Install runsc: failed/);
  assert.match(frame, /\[--\] Restart docker: skipped/);
  assert.match(frame, /download failed/);
  assert.match(frame, /why: HTTP 404/);
  assert.match(frame, /Log file: none/);
});

test('a failed check says FAIL in words and marks failing evidence with [!!]', () => {
  const r = render(
    <CheckResult
      check={{
        passed: false,
        verdict: 'not isolated: the container ran on the host kernel',
        evidence: [
          { label: 'runtime', ok: true, detail: 'runsc registered' },
          { label: 'kernel', ok: false, detail: 'uname -r matched the host (6.8.0-45-generic)' },
        ],
        problem: { what: 'the workload is not sandboxed', why: 'docker used runc', next: 'recreate the container with --runtime=runsc' },
      }}
    />,
  );
  const frame = r.lastFrame() ?? '';
  assert.match(frame, /Isolation check: FAIL - not isolated/);
  assert.match(frame, /\[ok\] runtime: runsc registered/);
  assert.match(frame, /\[!!\] kernel: uname -r matched the host/);
  assert.match(frame, /next: recreate the container/);
});

test('a practice run never shows PASS: the summary and the check say practice', async () => {
  const r = render(<Summary success steps={[{ id: 'isolation-check', title: 'Prove it', status: 'ok' }]} practice check={{ passed: true, verdict: 'PRACTICE: simulated evidence', evidence: [] }} logFile={null} />);
  const frame = r.lastFrame() ?? '';
  assert.match(frame, /Practice finished/);
  assert.match(frame, /Isolation check: PRACTICE - PRACTICE: simulated evidence/);
  assert.doesNotMatch(frame, /PASS|Done: the host runs/);
});
