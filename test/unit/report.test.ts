// The node report: built from a state file and facts, rendered as Markdown and JSON; a
// practice run is marked, the verdict follows the last check, and a secret never shows.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildReport, reportMarkdown, REPORT_SCHEMA } from '../../src/report/report.js';
import { emptyState, type WizardStateFile } from '../../src/state/state-file.js';
import { SecretMasker } from '../../src/log/mask.js';
import type { Facts } from '../../src/detect/facts.js';
import { sampleFacts } from '../screens/fixtures.js';

const facts: Facts = sampleFacts({ runsc: { path: '/usr/local/bin/runsc', version: '0.0~20221219.0' } });

function stateWithCheck(passed: boolean, practice = false): WizardStateFile {
  const s = emptyState();
  s.engine = 'docker';
  s.answers = { runtime: 'docker', 'runtime-arg': ['--network=host'] };
  s.runs.push({ id: 'r1', command: 'apply', pid: 1, startedAt: '2026-12-03T18:00:00.000Z', endedAt: '2026-12-03T18:01:00.000Z', ok: passed, steps: ['install-runsc', 'configure-docker', 'isolation-check'], practice: practice || undefined });
  s.steps['install-runsc'] = { status: 'ok', summary: '1 file(s) installed', at: '2026-12-03T18:00:10.000Z', runId: 'r1' };
  s.steps['configure-docker'] = { status: 'failed', summary: 'x', at: '2026-12-03T18:00:20.000Z', runId: 'r1', problem: { what: 'daemon.json is invalid | bad', why: 'line 3: trailing comma', next: 'fix it' } };
  s.check = { passed, verdict: passed ? 'isolated: the workload runs inside gVisor' : 'ran on the host kernel', evidence: [{ label: 'marker absent from the host process list', ok: passed, detail: 'sleep 123456789' }], at: '2026-12-03T18:00:50.000Z', runId: 'r1', runtimeName: 'gvisor', engine: 'docker' };
  return s;
}

describe('node report', () => {
  it('given a passed check, when built, then the verdict is isolated and every step is listed in run order', () => {
    const r = buildReport(stateWithCheck(true), facts, (t) => t, new Date('2026-12-03T19:00:00Z'));
    assert.equal(r.schema, REPORT_SCHEMA);
    assert.equal(r.verdict, 'isolated');
    assert.deepEqual(r.steps.map((s) => s.id), ['install-runsc', 'configure-docker']);
    assert.equal(r.steps[1]!.problem?.why, 'line 3: trailing comma');
    assert.equal(r.versions.docker, '27.3.1');
    assert.equal(r.check?.evidence.length, 1);
    assert.equal(r.practice, false);
  });

  it('given a failed check, when rendered, then the Markdown says FAILED and shows the evidence unticked, with table pipes escaped', () => {
    const md = reportMarkdown(buildReport(stateWithCheck(false), facts, (t) => t));
    assert.match(md, /\*\*Verdict: FAILED/);
    assert.match(md, /runtime `gvisor` on docker/, 'the checked runtime is named');
    assert.match(md, /- \[ \] marker absent from the host process list: `sleep 123456789`/);
    assert.match(md, /daemon\.json is invalid \\\| bad/);
    assert.doesNotMatch(md, /PRACTICE/);
  });

  it('given a practice run, when rendered, then both forms say so', () => {
    const r = buildReport(stateWithCheck(true, true), facts, (t) => t);
    assert.equal(r.practice, true);
    assert.equal(r.runs[0]!.practice, true);
    assert.equal(r.verdict, 'practice');
    assert.equal(r.check?.passed, false, 'a practice check is never recorded as passed');
    assert.match(reportMarkdown(r), /PRACTICE RUN/);
    assert.doesNotMatch(reportMarkdown(r), /PASS/);
  });

  it('given no run yet, when built, then the verdict is not-checked', () => {
    const r = buildReport(emptyState(), facts, (t) => t);
    assert.equal(r.verdict, 'not-checked');
    assert.match(reportMarkdown(r), /No step has run on this node yet/);
  });

  it('given an undo after the last check, when built, then the old check no longer counts and undone steps say so', () => {
    const s = stateWithCheck(true);
    s.undoneAt = '2026-12-03T18:30:00.000Z';
    s.steps['install-runsc']!.undoneAt = s.undoneAt;
    const r = buildReport(s, facts, (t) => t);
    assert.equal(r.verdict, 'not-checked');
    assert.equal(r.check, null);
    assert.match(reportMarkdown(r), /applied, undone 2026-12-03T18:30:00.000Z/);
  });

  it('given a secret that slipped into a summary, when built with the masker, then it is masked', () => {
    const s = stateWithCheck(true);
    s.steps['install-runsc']!.summary = 'joined with abcdef.0123456789abcdef';
    const m = new SecretMasker();
    m.add('0123456789abcdef');
    const r = buildReport(s, facts, (t) => m.mask(t));
    assert.doesNotMatch(JSON.stringify(r), /0123456789abcdef/);
  });
});
