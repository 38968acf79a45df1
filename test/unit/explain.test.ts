import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { explainCommand } from '../../src/cli/explain-command.js';
import { explainText, explainTopics, listExplainable, suggestTopics, UnknownTopicError } from '../../src/explain/explain.js';
import { CONCEPTS, conceptNote, STEP_WHY, whyTextFor } from '../../src/explain/why-text.js';
import { wrapText } from '../../src/util/wrap.js';
import { stepsFor } from '../../src/wizard/session.js';

/** Every step the wizard can run, on every path. */
const ALL_STEPS = [...new Map([...stepsFor('docker'), ...stepsFor('containerd', { kubernetes: true })].map((s) => [s.id, s])).values()];
/** Not a Step object, but a phase the operator sees and may ask about. */
const PHASES = ['detect'];
/** The side panel's text width: 38 columns minus border and padding. */
const PANEL_INNER = 34;

function captureIo() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) }, out, err };
}

function unknownTopic(topic: string): UnknownTopicError {
  try {
    explainText(topic);
  } catch (e) {
    assert.ok(e instanceof UnknownTopicError, `expected UnknownTopicError, got ${String(e)}`);
    return e;
  }
  assert.fail(`expected "${topic}" to be refused`);
}

describe('why-text covers every step', () => {
  for (const step of ALL_STEPS) {
    it(`given step ${step.id}, when its why-text is looked up, then it exists with the step's own title`, () => {
      const w = whyTextFor(step.id);
      assert.ok(w, `step ${step.id} has no why-text: add one to src/explain/why-text.ts`);
      assert.equal(w.title, step.title, `why-text title of ${step.id} drifted from the step's title`);
      assert.ok(w.what.trim().length > 0 && w.why.trim().length > 0);
    });
  }

  it('given the detect phase and the isolation checks, when looked up, then each has a why-text', () => {
    for (const id of ['detect', 'isolation-check', 'kube-pod-check']) assert.ok(whyTextFor(id), id);
  });

  it('given the why-text list, when compared with the wizard, then it names no step that does not exist', () => {
    const known = new Set([...ALL_STEPS.map((s) => s.id), ...PHASES]);
    for (const w of STEP_WHY) assert.ok(known.has(w.id), `why-text for unknown step ${w.id}`);
    assert.equal(new Set(STEP_WHY.map((w) => w.id)).size, STEP_WHY.length, 'duplicate step ids');
  });

  it('given every step, when its concept references are resolved, then each names a concept note', () => {
    for (const w of STEP_WHY) {
      assert.ok(w.concepts.length > 0, `${w.id} points to no concept`);
      for (const c of w.concepts) assert.ok(conceptNote(c), `${w.id} points to unknown concept ${c}`);
    }
  });

  it('given every concept note, when the steps are searched, then at least one step points to it', () => {
    const used = new Set(STEP_WHY.flatMap((w) => w.concepts));
    for (const c of CONCEPTS) assert.ok(used.has(c.id), `concept ${c.id} is not used by any step`);
  });

  it('given the concepts the course needs, when looked up, then each exists', () => {
    for (const id of ['runc-vs-runsc', 'containerd-vs-docker', 'shims', 'runtimeclass', 'cgroup-drivers', 'cri-plugin', 'platforms', 'network-modes']) {
      assert.ok(conceptNote(id), id);
    }
  });

  it('given every step, when its why is wrapped for the 38-column side panel, then it takes at most 10 rows', () => {
    for (const w of STEP_WHY) {
      const rows = wrapText(w.why, PANEL_INNER);
      assert.ok(rows.length <= 10, `${w.id}: why takes ${rows.length} rows at ${PANEL_INNER} columns:\n${rows.join('\n')}`);
    }
  });

  it('given every step, when its what is wrapped for the side panel, then it takes at most 8 rows', () => {
    for (const w of STEP_WHY) {
      const rows = wrapText(w.what, PANEL_INNER);
      assert.ok(rows.length <= 8, `${w.id}: what takes ${rows.length} rows:\n${rows.join('\n')}`);
    }
  });

  it('given every text, when checked, then it is plain ASCII (any terminal, any font)', () => {
    const texts = [...STEP_WHY.flatMap((w) => [w.title, w.what, w.why]), ...CONCEPTS.flatMap((c) => [c.title, c.text])];
    for (const t of texts) assert.match(t, /^[\x20-\x7e\n]*$/, t);
  });
});

describe('explainText', () => {
  it('given a step id, when explained, then the text has its title, what, why and the titles of its concepts', () => {
    const text = explainText('configure-docker');
    const w = whyTextFor('configure-docker')!;
    assert.match(text, /^Add the runsc runtime to docker \[configure-docker\]/);
    assert.match(text, /What it changes on this machine:/);
    assert.match(text, /Why the sandbox needs it:/);
    assert.ok(text.replace(/\s+/g, ' ').includes(w.why), 'the why is there, only wrapped');
    for (const c of w.concepts) assert.ok(text.includes(`[${c}]`), `concept ${c} missing`);
  });

  it('given a concept id, when explained, then the text has the note and the steps where it matters', () => {
    const text = explainText('runtimeclass');
    assert.match(text, /^Kubernetes RuntimeClass \[runtimeclass\]/);
    assert.match(text, /Steps where it matters: .*kube-runtimeclass/s);
  });

  it('given a topic in other case or with spaces, when explained, then it is found', () => {
    assert.equal(explainText(' Install-Runsc '), explainText('install-runsc'));
  });

  for (const width of [40, 60, 80, 120]) {
    it(`given width ${width}, when every topic is explained, then no line is wider`, () => {
      for (const topic of explainTopics()) {
        for (const line of explainText(topic, width).split('\n')) {
          assert.ok(line.length <= width, `${topic} at ${width}: ${line.length} columns: "${line}"`);
        }
      }
    });
  }

  it('given a narrower width, when explained, then the same words take more rows', () => {
    const narrow = explainText('isolation-check', 40);
    const wide = explainText('isolation-check', 100);
    assert.ok(narrow.split('\n').length > wide.split('\n').length);
    assert.equal(narrow.replace(/\s+/g, ' '), wide.replace(/\s+/g, ' '));
  });
});

describe('unknown topics', () => {
  it('given a misspelled step, when explained, then the error suggests the step and lists every valid topic', () => {
    const e = unknownTopic('instal-runsc');
    assert.deepEqual(e.suggestions, ['install-runsc']);
    assert.match(e.message, /did you mean "install-runsc"\?/);
    for (const t of explainTopics()) assert.ok(e.message.includes(t), `valid topic ${t} not listed`);
    assert.match(e.message, /next: run `gvisor-wizard explain`/);
  });

  it('given a part of two step ids, when explained, then both are suggested', () => {
    assert.deepEqual(suggestTopics('configure').sort(), ['configure-containerd', 'configure-docker']);
  });

  it('given a word close to nothing, when explained, then there is no "did you mean"', () => {
    const e = unknownTopic('zzzzzzzz');
    assert.deepEqual(e.suggestions, []);
    assert.doesNotMatch(e.message, /did you mean/);
  });
});

describe('wrapText', () => {
  it('given words, when wrapped, then lines break between words and never exceed the width', () => {
    assert.deepEqual(wrapText('the quick brown fox jumps over the lazy dog', 15), ['the quick brown', 'fox jumps over', 'the lazy dog']);
  });

  it('given a word longer than the width, when wrapped, then it is cut into pieces', () => {
    assert.deepEqual(wrapText('/usr/local/bin/containerd-shim-runsc-v1', 16), ['/usr/local/bin/c', 'ontainerd-shim-r', 'unsc-v1']);
  });

  it('given a bullet, when wrapped, then its continuation lines are indented under the text', () => {
    assert.deepEqual(wrapText('- one two three four five', 14), ['- one two', '  three four', '  five']);
  });

  it('given several lines, when wrapped, then each stays its own paragraph', () => {
    assert.deepEqual(wrapText('a b\nc d', 80), ['a b', 'c d']);
  });
});

describe('explainCommand', () => {
  it('given no topic, when run, then it lists every step and concept with its title and exits 0', () => {
    const { io, out, err } = captureIo();
    assert.equal(explainCommand(undefined, io, false, 80), 0);
    const text = out.join('\n');
    const { steps, concepts } = listExplainable();
    for (const t of [...steps, ...concepts]) assert.match(text, new RegExp(`^  ${t.id} +${t.title.slice(0, 20).replace(/[()]/g, '.')}`, 'm'));
    for (const line of text.split('\n')) assert.ok(line.length <= 80, line);
    assert.deepEqual(err, []);
  });

  it('given no topic and --json, when run, then it prints every why-text and concept note', () => {
    const { io, out } = captureIo();
    assert.equal(explainCommand(undefined, io, true), 0);
    const parsed = JSON.parse(out.join('\n'));
    assert.deepEqual(parsed.steps, JSON.parse(JSON.stringify(STEP_WHY)));
    assert.deepEqual(parsed.concepts.map((c: { id: string }) => c.id), CONCEPTS.map((c) => c.id));
  });

  it('given a step and --json, when run, then it prints the step with its concept notes', () => {
    const { io, out } = captureIo();
    assert.equal(explainCommand('kube-runtimeclass', io, true), 0);
    const parsed = JSON.parse(out.join('\n'));
    assert.equal(parsed.kind, 'step');
    assert.equal(parsed.step.id, 'kube-runtimeclass');
    assert.deepEqual(parsed.concepts.map((c: { id: string }) => c.id), whyTextFor('kube-runtimeclass')!.concepts);
  });

  it('given a concept and --json, when run, then it prints the note and the steps that use it', () => {
    const { io, out } = captureIo();
    assert.equal(explainCommand('shims', io, true), 0);
    const parsed = JSON.parse(out.join('\n'));
    assert.equal(parsed.kind, 'concept');
    assert.ok(parsed.usedBy.includes('configure-containerd'));
  });

  it('given an unknown topic, when run, then it exits 2 with the valid topics on stderr and nothing on stdout', () => {
    const { io, out, err } = captureIo();
    assert.equal(explainCommand('runtimeclas', io, false), 2);
    assert.deepEqual(out, []);
    assert.match(err.join('\n'), /^gvisor-wizard: nothing to explain for "runtimeclas"; did you mean "runtimeclass"/);
    assert.match(err.join('\n'), /steps: detect, install-runsc/);
  });
});
