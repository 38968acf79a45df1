// The configure-containerd step's decisions on real inputs, through inspect (read-only) and
// apply on a temp root. The editor itself is golden-tested in containerd-config.test.ts.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { configureContainerdStep } from '../../src/containerd/configure-step.js';
import type { Inspection } from '../../src/steps/step.js';
import type { WizardOptions } from '../../src/wizard/options.js';
import { sharedDir } from '../helpers/paths.js';
import { minimalFacts, tempStepContext, type TempContext } from '../helpers/step-context.js';

const CONFIG = '/etc/containerd/config.toml';
let t: TempContext | undefined;
afterEach(() => t?.dispose());

function given(text: string, options: Partial<WizardOptions> = {}): TempContext {
  const facts = minimalFacts();
  facts.containerd = { installed: true, running: true, version: '1.6.20', socket: '/run/containerd/containerd.sock', configFile: CONFIG, servicePath: '/usr/local/bin:/usr/bin' };
  t = tempStepContext({ facts, options });
  mkdirSync(dirname(t.real(CONFIG)), { recursive: true });
  writeFileSync(t.real(CONFIG), text);
  return t;
}

const blockedWhy = (i: Inspection) => (i.status === 'blocked' ? `${i.problem.what} | ${i.problem.why} | ${i.problem.next}` : `not blocked: ${i.status}`);

describe('configure-containerd inspect', () => {
  it('given a CRLF file with comments, when inspected, then it is edited (containerd reads it, so must the wizard)', async () => {
    const c = given('# comment one\r\nversion = 2\r\n\r\n# comment two\r\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]\r\n  runtime_type = "io.containerd.runc.v2"\r\n');
    const found = await configureContainerdStep.inspect(c.ctx);
    assert.equal(found.status, 'needed', blockedWhy(found));
    if (found.status !== 'needed') return;
    const after = found.plan.files.find((f) => f.path === CONFIG)!.after;
    assert.ok(after.includes('# comment two\r\n'));
    assert.ok(!/[^\r]\n/.test(after), 'every line still ends in CRLF');
  });

  it('given the CRI plugin disabled by its full id in a version 2 file, when inspected off the Kubernetes path, then it is blocked naming the line', async () => {
    const c = given('version = 2\ndisabled_plugins = ["io.containerd.grpc.v1.cri"]\n');
    const found = await configureContainerdStep.inspect(c.ctx);
    assert.equal(found.status, 'blocked');
    assert.match(blockedWhy(found), /config\.toml:2: .*CRI/);
    assert.match(blockedWhy(found), /--kubernetes/);
  });

  it("given Docker's containerd.io default file (case B3), when inspected, then the refusal names the disabled_plugins line", async () => {
    const c = given(readFileSync(join(sharedDir(), 'cases', 'containerd-disabled-cri.toml'), 'utf8'));
    const found = await configureContainerdStep.inspect(c.ctx);
    assert.equal(found.status, 'blocked');
    assert.match(blockedWhy(found), /config\.toml:4: /);
  });

  it('given --shim runsc and no containerd-shim-runsc-v1 anywhere, when inspected, then it is blocked and nothing would be written', async () => {
    const c = given('version = 2\n', { shim: 'runsc' });
    const found = await configureContainerdStep.inspect(c.ctx);
    assert.equal(found.status, 'blocked');
    assert.match(blockedWhy(found), /not installed where containerd finds it/);
  });

  it('given a runtime set up for the runc shim, when the runsc shim is forced, then the stale BinaryName is reported instead of kept', async () => {
    const c = given('version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runsc]\n  runtime_type = "io.containerd.runc.v2"\n  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runsc.options]\n    BinaryName = "/usr/local/bin/runsc-for-runc-shim"\n', { shim: 'runsc' });
    mkdirSync(c.real('/usr/local/bin'), { recursive: true });
    writeFileSync(c.real('/usr/local/bin/containerd-shim-runsc-v1'), '#!/bin/sh\n', { mode: 0o755 });
    const found = await configureContainerdStep.inspect(c.ctx);
    assert.equal(found.status, 'blocked');
    assert.match(blockedWhy(found), /BinaryName/);
  });
});
