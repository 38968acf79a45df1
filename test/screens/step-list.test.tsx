import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanup, render } from 'ink-testing-library';
import { App } from '../../screens/App.js';
import { StepList } from '../../screens/StepList.js';
import { FakeStore } from '../helpers/fake-store.js';
import { renderReady, waitForFrame } from '../helpers/ink.js';
import { STEPS } from './fixtures.js';

afterEach(() => cleanup());

const PROBLEM = {
  what: 'docker did not restart',
  why: 'systemctl restart docker.service exited with status 1',
  next: 'run "journalctl -u docker -n 50" and fix daemon.json, then rerun the wizard',
};

test('every step shows a status glyph and title; the current one is marked', () => {
  const r = render(<StepList steps={STEPS} currentStepId="configure" />);
  const frame = r.lastFrame() ?? '';
  assert.match(frame, /\[ok\] Check prerequisites - root, systemd, cgroup v2/);
  assert.match(frame, /\[ok\] Install runsc/);
  assert.match(frame, /> \[\.\.\] Register runsc with docker/);
  assert.match(frame, /  \[  \] Restart docker/);
});

test('a failed step shows its problem: what, why and next', async () => {
  const store = new FakeStore({ phase: 'running', steps: STEPS, currentStepId: 'restart' });
  const r = await renderReady(<App store={store} rows={24} columns={80} />);
  store.set({
    steps: STEPS.map((s) => (s.id === 'restart' ? { ...s, status: 'failed' as const, problem: PROBLEM } : s)),
  });
  const frame = await waitForFrame(r, (f) => f.includes('[!!]'));
  assert.match(frame, /\[!!\] Restart docker/);
  assert.match(frame, /\[!!\] docker did not restart/);
  assert.match(frame, /why: systemctl restart docker\.service exited with status 1/);
  assert.match(frame, /next: run "journalctl -u docker -n 50"/);
});

test('the fatal phase shows the problem the same way', async () => {
  const store = new FakeStore({ phase: 'fatal', problem: PROBLEM, logFile: '/var/log/gvisor-wizard/run.log' });
  const r = await renderReady(<App store={store} rows={24} columns={80} />);
  const frame = r.lastFrame() ?? '';
  assert.match(frame, /cannot continue/);
  assert.match(frame, /\[!!\] docker did not restart/);
  assert.match(frame, /why: /);
  assert.match(frame, /next: /);
  assert.match(frame, /\/var\/log\/gvisor-wizard\/run\.log/);
});
