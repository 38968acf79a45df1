// The why-text side panel. Colors are forced on for this process before Ink (and chalk) load, so
// the noColor tests would see escapes if any got through: nothing that imports ink is imported
// statically here (as in no-color.test.tsx).
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { STEP_WHY, whyTextFor } from '../../src/explain/why-text.js';

process.env['FORCE_COLOR'] = '1';
delete process.env['NO_COLOR'];
const { render, cleanup } = await import('ink-testing-library');
const { WhyPanel, whyPanelLines } = await import('../../screens/WhyPanel.js');
const { ANSI_RE, frameRows } = await import('../helpers/ink.js');

afterEach(() => cleanup());

/** The frame without color, and with the border's side characters removed, as text rows. */
function plainRows(frame: string): string[] {
  // eslint-disable-next-line no-control-regex
  return frameRows(frame.replace(/\u001B\[[0-9;]*m/g, ''));
}

/** Rendered frames are read before unmount: under CI=true lastFrame() is "\n" after it. */
function frameOf(el: Parameters<typeof render>[0]): string {
  const r = render(el);
  const frame = r.lastFrame() ?? '';
  r.unmount();
  return frame;
}

test('the panel shows the step title, what it changes and why, inside a border of the given width', () => {
  const frame = frameOf(<WhyPanel stepId="configure-docker" width={38} />);
  const rows = plainRows(frame);
  for (const row of rows) assert.equal([...row].length, 38, `row is not 38 columns: "${row}"`);
  assert.match(rows[0] ?? '', /^┌─+┐$/);
  assert.match(rows.at(-1) ?? '', /^└─+┘$/);
  const body = rows.slice(1, -1).map((r) => r.slice(2, -2).trimEnd()).join(' ');
  assert.match(body, /Add the runsc runtime to docker/);
  assert.match(body, /What it changes/);
  assert.match(body, /Why/);
  assert.ok(body.replace(/\s+/g, ' ').includes(whyTextFor('configure-docker')!.why), 'the whole why is shown');
  assert.match(body, /gvisor-wizard explain configure-docker/);
});

test('with colors on, the title is styled; with noColor the frame has no escapes at all', () => {
  assert.match(frameOf(<WhyPanel stepId="install-runsc" width={38} />), ANSI_RE);
  const r = render(<WhyPanel stepId="install-runsc" width={38} noColor />);
  for (const f of r.frames) assert.doesNotMatch(f, ANSI_RE, JSON.stringify(f));
  assert.match(r.lastFrame() ?? '', /Download, verify and install/);
});

test('NO_COLOR=1 drops escapes even without the noColor prop', (t) => {
  process.env['NO_COLOR'] = '1';
  t.after(() => {
    delete process.env['NO_COLOR'];
  });
  assert.doesNotMatch(frameOf(<WhyPanel stepId="kube-join" width={38} />), ANSI_RE);
});

test('every step renders at 38 columns without a row wider than the panel', () => {
  for (const w of STEP_WHY) {
    for (const row of plainRows(frameOf(<WhyPanel stepId={w.id} width={38} noColor />))) {
      assert.ok([...row].length <= 38, `${w.id}: "${row}"`);
    }
  }
});

test('with maxRows the panel fits: the hint goes first, then "what", then "why" is cut with a pointer', () => {
  const full = whyPanelLines('kube-containerd-cri', 34);
  const rows = (max: number) => plainRows(frameOf(<WhyPanel stepId="kube-containerd-cri" width={38} maxRows={max} noColor />));
  const tall = rows(full.length + 2);
  assert.equal(tall.length, full.length + 2);
  for (const max of [24, 16, 12, 8, 5]) {
    const shown = rows(max);
    assert.ok(shown.length <= max, `maxRows ${max}: ${shown.length} rows\n${shown.join('\n')}`);
  }
  const small = rows(8).join('\n');
  assert.doesNotMatch(small, /What it changes/);
  assert.match(small, /\.\.\. explain kube-containerd-cri/);
});

test('an unknown step id renders a short note instead of failing', () => {
  const frame = frameOf(<WhyPanel stepId="no-such-step" width={38} noColor />);
  assert.match(frame, /No explanation for "no-such-step"/);
});
