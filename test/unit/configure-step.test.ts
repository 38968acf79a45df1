import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, it } from 'node:test';

import { configureDockerStep } from '../../src/docker/configure-step.js';
import { parseDaemonJson } from '../../src/docker/daemon-json.js';
import type { Inspection, StepPlan } from '../../src/steps/step.js';
import { StepFailure } from '../../src/steps/step.js';
import { sharedDir } from '../helpers/paths.js';
import { tempStepContext, type TempContext } from '../helpers/step-context.js';

const casesDir = join(sharedDir(), 'cases');
const caseFile = (name: string): string => join(casesDir, name);
const DAEMON_JSON = '/etc/docker/daemon.json';
const UNIT = '/lib/systemd/system/docker.service';

let current: TempContext | undefined;
afterEach(() => {
  current?.dispose();
  current = undefined;
});

function setup(opts: Parameters<typeof tempStepContext>[0] = {}): TempContext {
  current = tempStepContext(opts);
  return current;
}

/** Copy a real file to a machine path under the temp root. */
function install(t: TempContext, from: string, machinePath: string): void {
  const real = t.real(machinePath);
  mkdirSync(dirname(real), { recursive: true });
  copyFileSync(from, real);
}

function put(t: TempContext, machinePath: string, text: string): void {
  const real = t.real(machinePath);
  mkdirSync(dirname(real), { recursive: true });
  writeFileSync(real, text);
}

function planOf(found: Inspection): StepPlan {
  assert.equal(found.status, 'needed', `expected a plan, got ${JSON.stringify(found)}`);
  return (found as Extract<Inspection, { status: 'needed' }>).plan;
}

function problemOf(found: Inspection) {
  assert.equal(found.status, 'blocked', `expected blocked, got ${JSON.stringify(found)}`);
  return (found as Extract<Inspection, { status: 'blocked' }>).problem;
}

describe('configure-docker inspect', () => {
  it('given no daemon.json, when inspected, then the step is needed and the plan creates the file with just the runsc runtime', async () => {
    const t = setup();
    const plan = planOf(await configureDockerStep.inspect(t.ctx));
    assert.equal(plan.files.length, 1);
    const [file] = plan.files;
    assert.equal(file!.path, DAEMON_JSON);
    assert.equal(file!.before, null);
    assert.deepEqual(parseDaemonJson(file!.after, DAEMON_JSON).value, { runtimes: { runsc: { path: '/usr/local/bin/runsc' } } });
    assert.ok(plan.notes.some((n) => n.includes('does not exist yet')), plan.notes.join('\n'));
    assert.deepEqual(plan.commands, []);
  });

  it('given case A3 (a trailing comma), when inspected, then it is blocked naming the file and line 7 and the file is untouched', async () => {
    const t = setup();
    install(t, caseFile('daemon-json-trailing-comma.json'), DAEMON_JSON);
    const problem = problemOf(await configureDockerStep.inspect(t.ctx));
    assert.match(problem.why, /\/etc\/docker\/daemon\.json:7\b/);
    assert.match(problem.why, /trailing comma/);
    assert.ok(problem.next.length > 0);
    assert.deepEqual(readFileSync(t.real(DAEMON_JSON)), readFileSync(caseFile('daemon-json-trailing-comma.json')));
  });

  it('given case A4 (a 0-byte file) without consent, when inspected, then it is blocked saying the file is empty', async () => {
    const t = setup();
    install(t, caseFile('daemon-json-empty.json'), DAEMON_JSON);
    const problem = problemOf(await configureDockerStep.inspect(t.ctx));
    assert.match(problem.why, /empty/);
    assert.match(problem.why, /\/etc\/docker\/daemon\.json/);
    assert.match(problem.next, /treat-empty-as-object/);
  });

  it('given case A4 with treatEmptyAsObject, when inspected, then the step is needed and the plan says the empty file is treated as {}', async () => {
    const t = setup({ options: { treatEmptyAsObject: true } });
    install(t, caseFile('daemon-json-empty.json'), DAEMON_JSON);
    const plan = planOf(await configureDockerStep.inspect(t.ctx));
    assert.equal(plan.files[0]!.before, '');
    assert.deepEqual(parseDaemonJson(plan.files[0]!.after, DAEMON_JSON).value, { runtimes: { runsc: { path: '/usr/local/bin/runsc' } } });
    assert.ok(plan.notes.some((n) => n.includes('is empty')), plan.notes.join('\n'));
  });

  it('given case A6 (hosts in daemon.json, -H in docker.service), when inspected, then it is blocked naming both files and the flag', async () => {
    const t = setup();
    install(t, caseFile('daemon-json-hosts-conflict.json'), DAEMON_JSON);
    install(t, caseFile('daemon-json-hosts-conflict.docker.service'), UNIT);
    const problem = problemOf(await configureDockerStep.inspect(t.ctx));
    assert.match(problem.what, /dockerd would refuse to start/);
    assert.ok(problem.why.includes(`"hosts" in ${DAEMON_JSON}`), problem.why);
    assert.ok(problem.why.includes(`-H in ${UNIT}`), problem.why);
    assert.ok(problem.next.includes(DAEMON_JSON) && /drop-in|systemctl edit/.test(problem.next), problem.next);
  });

  it('given case A6 whose daemon.json already has runsc, when inspected, then it is still blocked rather than done', async () => {
    const t = setup();
    put(t, DAEMON_JSON, '{\n  "hosts": ["unix:///var/run/docker.sock"],\n  "runtimes": {\n    "runsc": {\n      "path": "/usr/local/bin/runsc"\n    }\n  }\n}\n');
    install(t, caseFile('daemon-json-hosts-conflict.docker.service'), UNIT);
    const problem = problemOf(await configureDockerStep.inspect(t.ctx));
    assert.ok(problem.why.includes(UNIT), problem.why);
  });

  it('given the running dockerd has -H and daemon.json has hosts, when inspected, then the running daemon is named as the flag source', async () => {
    const t = setup();
    t.ctx.facts.docker.daemonPid = 4242;
    t.ctx.facts.docker.daemonArgv = ['/usr/bin/dockerd', '-H', 'fd://'];
    install(t, caseFile('daemon-json-hosts-conflict.json'), DAEMON_JSON);
    const problem = problemOf(await configureDockerStep.inspect(t.ctx));
    assert.ok(problem.why.includes('running dockerd (pid 4242)'), problem.why);
  });

  it('given case A8 (an older runsc path), when inspected, then the only change is runtimes.runsc.path and the result is the expected file', async () => {
    const t = setup();
    install(t, caseFile('daemon-json-overwrite.json'), DAEMON_JSON);
    const plan = planOf(await configureDockerStep.inspect(t.ctx));
    assert.deepEqual(plan.notes, ['runtimes.runsc.path: "/usr/bin/runsc" -> "/usr/local/bin/runsc"']);
    assert.equal(plan.files[0]!.after, readFileSync(caseFile('daemon-json-overwrite.expected.json'), 'utf8'));
  });
});

describe('configure-docker apply', () => {
  it('given case A8 applied, when the file is read back, then it is exactly the expected file and verify passes', async () => {
    const t = setup();
    install(t, caseFile('daemon-json-overwrite.json'), DAEMON_JSON);
    const plan = planOf(await configureDockerStep.inspect(t.ctx));
    await configureDockerStep.apply(t.ctx, plan);
    assert.deepEqual(readFileSync(t.real(DAEMON_JSON)), readFileSync(caseFile('daemon-json-overwrite.expected.json')));
    assert.match(await configureDockerStep.verify(t.ctx), /runtimes\.runsc\.path = \/usr\/local\/bin\/runsc/);
  });

  it('given case A8 applied once, when inspected again, then the step says done', async () => {
    const t = setup();
    install(t, caseFile('daemon-json-overwrite.json'), DAEMON_JSON);
    await configureDockerStep.apply(t.ctx, planOf(await configureDockerStep.inspect(t.ctx)));
    const again = await configureDockerStep.inspect(t.ctx);
    assert.equal(again.status, 'done', JSON.stringify(again));
  });

  it('given a daemon.json with mode 0640, when applied, then the new file keeps mode 0640', async () => {
    const t = setup();
    install(t, caseFile('daemon-json-overwrite.json'), DAEMON_JSON);
    chmodSync(t.real(DAEMON_JSON), 0o640);
    await configureDockerStep.apply(t.ctx, planOf(await configureDockerStep.inspect(t.ctx)));
    assert.equal(statSync(t.real(DAEMON_JSON)).mode & 0o7777, 0o640);
  });

  it('given an existing daemon.json, when applied, then the old bytes are saved under the backup dir and the backup path is recorded', async () => {
    const t = setup();
    install(t, caseFile('daemon-json-overwrite.json'), DAEMON_JSON);
    await configureDockerStep.apply(t.ctx, planOf(await configureDockerStep.inspect(t.ctx)));
    const backup = join(t.backupDir, DAEMON_JSON);
    assert.deepEqual(readFileSync(backup), readFileSync(caseFile('daemon-json-overwrite.json')));
    assert.equal(t.ctx.results.get(`backup:${DAEMON_JSON}`), backup);
  });

  it('given no daemon.json, when applied, then the file is created with mode 0644 and no backup is made', async () => {
    const t = setup();
    await configureDockerStep.apply(t.ctx, planOf(await configureDockerStep.inspect(t.ctx)));
    assert.equal(statSync(t.real(DAEMON_JSON)).mode & 0o7777, 0o644);
    assert.equal(existsSync(t.backupDir) ? readdirSync(t.backupDir).length : 0, 0);
    assert.equal((await configureDockerStep.inspect(t.ctx)).status, 'done');
  });

  it('given case A4 with consent, when applied, then the file holds just the runsc entry and the empty original is backed up', async () => {
    const t = setup({ options: { treatEmptyAsObject: true } });
    install(t, caseFile('daemon-json-empty.json'), DAEMON_JSON);
    await configureDockerStep.apply(t.ctx, planOf(await configureDockerStep.inspect(t.ctx)));
    assert.deepEqual(parseDaemonJson(readFileSync(t.real(DAEMON_JSON), 'utf8'), DAEMON_JSON).value, { runtimes: { runsc: { path: '/usr/local/bin/runsc' } } });
    assert.equal(readFileSync(join(t.backupDir, DAEMON_JSON)).length, 0);
  });

  it('given the file changed between inspect and apply, when applied, then it fails with StepFailure and the edit is kept', async () => {
    const t = setup();
    install(t, caseFile('daemon-json-overwrite.json'), DAEMON_JSON);
    const plan = planOf(await configureDockerStep.inspect(t.ctx));
    const edited = '{\n  "log-driver": "local"\n}\n';
    writeFileSync(t.real(DAEMON_JSON), edited);
    await assert.rejects(configureDockerStep.apply(t.ctx, plan), (e: unknown) => {
      assert.ok(e instanceof StepFailure);
      assert.match(e.problem.what, /changed since the plan was made/);
      return true;
    });
    assert.equal(readFileSync(t.real(DAEMON_JSON), 'utf8'), edited);
  });

  it('given no daemon.json at inspect but one created before apply, when applied, then it refuses to overwrite it', async () => {
    const t = setup();
    const plan = planOf(await configureDockerStep.inspect(t.ctx));
    put(t, DAEMON_JSON, '{}\n');
    await assert.rejects(configureDockerStep.apply(t.ctx, plan), StepFailure);
    assert.equal(readFileSync(t.real(DAEMON_JSON), 'utf8'), '{}\n');
  });
});
