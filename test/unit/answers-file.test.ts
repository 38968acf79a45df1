import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, it } from 'node:test';

import { AnswersError, answersFromOptions, answersToFlags, readAnswersFile, writeAnswersFile } from '../../src/answers/answers-file.js';
import { parseCli } from '../../src/cli/args.js';
import type { Facts } from '../../src/detect/facts.js';
import { runscQuestions } from '../../src/wizard/questions.js';

const TOKEN = 'k8s9zq.w7x1v3m5p0r2t4y6';
const HASH = 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const JOIN = `kubeadm join 192.0.2.10:6443 --token ${TOKEN} --discovery-token-ca-cert-hash ${HASH}`;

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

function scratch(): string {
  const d = mkdtempSync(join(tmpdir(), 'gvw-unit-answers-'));
  dirs.push(d);
  return d;
}

/** An answers file with this TOML text, read back as flags (or the error it raised). */
function readToml(text: string): ReturnType<typeof readAnswersFile> {
  const f = join(scratch(), 'answers.toml');
  writeFileSync(f, text);
  return readAnswersFile(f);
}

function readError(text: string): AnswersError {
  try {
    readToml(text);
  } catch (e) {
    assert.ok(e instanceof AnswersError, `an AnswersError, not ${(e as Error).stack}`);
    return e;
  }
  assert.fail(`no error for:\n${text}`);
}

describe('answers file: keys and types', () => {
  it('reads a string, a boolean, a list and an integer check-timeout', () => {
    const flags = readToml([
      'runtime = "containerd"',
      'runtime-name = "gvisor"',
      'systemd-cgroup = true',
      'runtime-arg = ["--network=host", "--debug"]',
      'check-timeout = 90',
    ].join('\n'));
    assert.deepEqual(flags, {
      runtime: 'containerd',
      'runtime-name': 'gvisor',
      'systemd-cgroup': true,
      'runtime-arg': ['--network=host', '--debug'],
      'check-timeout': '90',
    });
  });

  it('takes check-timeout as a string too, like the flag', () => {
    assert.deepEqual(readToml('check-timeout = "120"'), { 'check-timeout': '120' });
  });

  it('names an unknown key and the key it probably meant', () => {
    const e = readError('runtime-nmae = "x"');
    assert.match(e.message, /unknown key "runtime-nmae"/);
    assert.match(e.message, /did you mean "runtime-name"\?/);
  });

  it('names an unknown key with no near match without a guess', () => {
    const e = readError('completely-different-thing = 1');
    assert.match(e.message, /unknown key "completely-different-thing"/);
    assert.doesNotMatch(e.message, /did you mean/);
  });

  for (const [text, key, want] of [
    ['default-runtime = "yes"', 'default-runtime', /must be true or false, not string "yes"/],
    ['runtime-arg = "--network=host"', 'runtime-arg', /must be a list of strings/],
    ['runtime-arg = [1, 2]', 'runtime-arg', /must be a list of strings/],
    ['runtime-name = 5', 'runtime-name', /must be a string \(in quotes\), not number 5/],
    ['check-timeout = 1.5', 'check-timeout', /must be a whole number of seconds/],
    ['image = { name = "x" }', 'image', /must be a string .*not a table/],
  ] as const) {
    it(`names the key of a wrong type: ${text}`, () => {
      const e = readError(text);
      assert.match(e.message, new RegExp(`key "${key}"`));
      assert.match(e.message, want);
    });
  }

  for (const key of ['join', 'root', 'state-dir', 'log-dir', 'kube-root', 'yes']) {
    it(`refuses the key "${key}" and says why`, () => {
      const e = readError(`${key} = ${key === 'yes' ? 'true' : '"x"'}`);
      assert.match(e.message, new RegExp(`key "${key}" is not allowed in an answers file: `));
    });
  }

  it('turns the TUI network and platform answers into runtime-arg', () => {
    assert.deepEqual(readToml('network = "host"\nplatform = "kvm"'), { 'runtime-arg': ['--network=host', '--platform=kvm'] });
    // "sandbox" and "default" are answers too: no flag, but runtime-arg is set (to none).
    assert.deepEqual(readToml('network = "sandbox"\nplatform = "default"'), { 'runtime-arg': [] });
  });

  it('refuses a network answer that is not one of the choices', () => {
    assert.match(readError('network = "bridge"').message, /key "network" must be one of "sandbox", "host", "none", not "bridge"/);
  });

  it('refuses network and runtime-arg together', () => {
    assert.match(readError('network = "host"\nruntime-arg = ["--debug"]').message, /keys "network" and "runtime-arg" both set runsc flags/);
  });

  it('names the line of a TOML syntax error', () => {
    const e = readError('runtime = "docker"\nruntime-name = \n');
    assert.match(e.message, /not valid TOML: line 2, column \d+: /);
  });

  it('creates no folder: a missing one is an error naming it', () => {
    const f = join(scratch(), 'typo', 'answers.toml');
    assert.throws(() => writeAnswersFile(f, { runtime: 'docker' }, 'test'), /the folder .*\/typo does not exist/);
    assert.equal(existsSync(dirname(f)), false);
  });

  it('names a missing file', () => {
    assert.throws(() => readAnswersFile('/nonexistent/answers.toml'), /\/nonexistent\/answers\.toml: cannot read it: no such file/);
  });
});

describe('answers file: round trip', () => {
  const roundTrip = (argv: string[]) => {
    const first = parseCli(['apply', ...argv]);
    const f = join(scratch(), 'answers.toml');
    writeAnswersFile(f, answersFromOptions(first.options, first.explicit), 'test');
    const text = readFileSync(f, 'utf8');
    const replay = parseCli(['apply'], [readAnswersFile(f)]);
    return { first, replay, text, file: f };
  };

  it('docker: the options read back are the options saved (file mode 0600)', () => {
    const { first, replay, file } = roundTrip([
      '--runtime', 'docker', '--runtime-name', 'gvisor', '--release', '20240101.0', '--mirror', 'http://mirror.example/bucket',
      '--install-dir', '/opt/gvisor', '--runtime-arg=--network=host', '--runtime-arg=--platform=systrap', '--default-runtime',
      '--image', 'local/busybox:test', '--docker-host', 'unix:///tmp/d.sock', '--docker-config', '/tmp/d/daemon.json',
      '--treat-empty-as-object', '--service-manager', 'none', '--check-timeout', '45',
    ]);
    assert.deepEqual(replay.options, first.options);
    assert.equal(statSync(file).mode & 0o777, 0o600);
  });

  it('containerd + kubernetes: the options read back are the options saved, and the join line is never written', () => {
    const { first, replay, text } = roundTrip([
      '--runtime', 'containerd', '--runtime-name', 'gvisor', '--from-dir', '/srv/gvisor', '--containerd-socket', '/run/c/c.sock',
      '--containerd-config', '/etc/c/config.toml', '--namespace', 'k8s.io', '--crictl-config', '/etc/crictl2.yaml', '--shim', 'runc',
      '--systemd-cgroup', '--sandbox-image', 'registry.k8s.io/pause:3.10', '--registry-mirror', 'docker.io=https://m.example:5000',
      '--nerdctl-version', '2.0.4', '--cni-version', '1.6.2', '--nerdctl-mirror', 'http://m.example/gh',
      '--kubernetes', '--join', JOIN, '--kubeconfig', '/etc/kubernetes/admin.conf', '--node-label', 'sandbox=gvisor',
      '--node-taint', 'sandbox=gvisor:NoSchedule', '--runtime-class', 'gvisor', '--control-plane-host', '192.0.2.10 k8s-api.example',
    ]);
    assert.equal(first.options.join, JOIN);
    const { join: _secret, ...withoutJoin } = first.options;
    assert.deepEqual(replay.options, withoutJoin);
    assert.ok(!text.includes(TOKEN.split('.')[1]!), 'no token in the file');
    assert.ok(!text.includes('e3b0c442'), 'no CA hash in the file');
    assert.doesNotMatch(text, /^join\s*=/m);
  });

  it('an answer equal to the default is kept when it was given (so the TUI does not ask it again)', () => {
    const { text, replay } = roundTrip(['--runtime', 'docker', '--runtime-name', 'runsc', '--runtime-arg=--network=host']);
    assert.match(text, /^runtime-name = "runsc"$/m);
    assert.ok(replay.explicit.has('runtime-name'));
  });

  it('writeAnswersFile refuses answers that would not read back', () => {
    const f = join(scratch(), 'bad.toml');
    assert.throws(() => writeAnswersFile(f, { 'no-such-key': 'x' }, 'test'), /unknown key "no-such-key"/);
  });
});

describe('answers file: layers', () => {
  it('a flag on the command line beats the answers file', () => {
    const cli = parseCli(['apply', '--runtime-name', 'from-flag'], [answersToFlags({ 'runtime-name': 'from-file', release: 'nightly' }, 'f')]);
    assert.equal(cli.options.runtimeName, 'from-flag');
    assert.equal(cli.options.release, 'nightly');
  });

  it('an answers file beats the recorded answers (layers are lowest first)', () => {
    const cli = parseCli(['apply'], [answersToFlags({ 'runtime-name': 'recorded' }, 's'), answersToFlags({ 'runtime-name': 'file' }, 'f')]);
    assert.equal(cli.options.runtimeName, 'file');
  });

  it('answers for TUI questions make them explicit: the TUI does not ask them again', () => {
    const facts = { kvm: true } as unknown as Facts;
    const asked = (layer: Record<string, unknown>, engine: 'docker' | 'containerd') =>
      runscQuestions(facts, parseCli(['tui'], [answersToFlags(layer, 'f')]).explicit, engine).map((q) => q.id);
    assert.deepEqual(asked({}, 'docker'), ['network', 'platform', 'default-runtime']);
    assert.deepEqual(asked({ network: 'host', platform: 'default', 'default-runtime': false }, 'docker'), []);
    assert.deepEqual(asked({ runtime: 'containerd', network: 'none', 'systemd-cgroup': false, kubernetes: false }, 'containerd'), ['join']);
    const cli = parseCli(['tui'], [answersToFlags({ network: 'host' }, 'f')]);
    assert.deepEqual(cli.options.runtimeArgs, ['--network=host']);
  });
});
