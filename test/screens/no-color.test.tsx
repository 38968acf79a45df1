// NO_COLOR: chalk (Ink's colorizer) ignores it, so the screens drop color and style themselves.
// Colors are forced on for this process before Ink (and chalk) load, so the test would see
// escapes if any got through: nothing that imports ink may be imported statically here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { WizardState } from '../../src/wizard/state.js';
import { PLAN, STEPS, logLines, sampleFacts } from './fixtures.js';

process.env['FORCE_COLOR'] = '1';
const { render, cleanup } = await import('ink-testing-library');
const { App } = await import('../../screens/App.js');
const { FakeStore } = await import('../helpers/fake-store.js');
const { ANSI_RE, renderReady } = await import('../helpers/ink.js');

const BASE: Partial<WizardState> = {
  engine: 'docker',
  facts: sampleFacts({ isRoot: false }),
  runtimeChoices: [
    { value: 'docker', label: 'Docker' },
    { value: 'containerd', label: 'containerd', disabledReason: 'not running' },
  ],
  steps: [...STEPS, { id: 'x', title: 'Extra', status: 'failed', problem: { what: 'w', why: 'y', next: 'n' } }],
  currentStepId: 'configure',
  pendingPlan: PLAN,
  logTail: [...logLines(1, 5), { id: 99, level: 'cmd', text: '\u001B[1mbold from a command\u001B[0m' }],
  progress: { label: 'runsc', bytes: 1, total: 2, bytesPerSecond: 1 },
  check: { passed: true, verdict: 'isolated', evidence: [{ label: 'a', ok: true, detail: 'b' }] },
  logFile: '/tmp/run.log',
  success: true,
};

test('with colors on, the screens do use color (the check below can see escapes)', async (t) => {
  t.after(() => cleanup());
  delete process.env['NO_COLOR'];
  const r = await renderReady(<App store={new FakeStore({ ...BASE, phase: 'running' })} rows={24} columns={80} />);
  assert.match(r.lastFrame() ?? '', ANSI_RE);
});

for (const phase of ['welcome', 'choose-runtime', 'confirm', 'running', 'summary', 'fatal'] as const) {
  test(`NO_COLOR=1: the ${phase} screen has no ANSI escapes`, async (t) => {
    process.env['NO_COLOR'] = '1';
    t.after(() => {
      delete process.env['NO_COLOR'];
      cleanup();
    });
    const r = await renderReady(<App store={new FakeStore({ ...BASE, phase })} rows={24} columns={80} />);
    const frame = r.lastFrame() ?? '';
    assert.ok(frame.trim().length > 0);
    assert.doesNotMatch(frame, ANSI_RE, JSON.stringify(frame));
    for (const f of r.frames) assert.doesNotMatch(f, ANSI_RE);
  });
}

test('NO_COLOR=1: the current step stays visible without color', async (t) => {
  process.env['NO_COLOR'] = '1';
  t.after(() => {
    delete process.env['NO_COLOR'];
    cleanup();
  });
  const r = render(<App store={new FakeStore({ ...BASE, phase: 'running' })} rows={24} columns={80} />);
  assert.match(r.lastFrame() ?? '', /> \[\.\.\] Register runsc with docker/);
  assert.match(r.lastFrame() ?? '', /\$ bold from a command/);
});
