import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseCli, UsageError } from '../../src/cli/args.js';
import { defaultOptions } from '../../src/wizard/options.js';

/** parseCli must refuse argv with a UsageError whose message matches every pattern. */
function refused(argv: string[], ...patterns: (string | RegExp)[]): string {
  try {
    parseCli(argv);
  } catch (e) {
    assert.ok(e instanceof UsageError, `expected UsageError, got ${String(e)}`);
    for (const p of patterns) {
      if (typeof p === 'string') assert.ok(e.message.includes(p), `"${e.message}" should name ${p}`);
      else assert.match(e.message, p);
    }
    return e.message;
  }
  assert.fail(`expected ${JSON.stringify(argv)} to be refused`);
}

describe('parseCli usage errors name the flag and the value', () => {
  it('given --runtime podman, when parsed, then the error names --runtime, the allowed engines and "podman"', () => {
    refused(['apply', '--runtime', 'podman'], '--runtime', 'docker or containerd', '"podman"');
  });

  it('given a --mirror that is not an http(s) URL, when parsed, then the error names --mirror and the value', () => {
    refused(['--mirror', 'ftp://mirror.example/gvisor'], '--mirror', 'http(s)', '"ftp://mirror.example/gvisor"');
  });

  it('given --mirror together with --from-dir, when parsed, then the error names both flags', () => {
    refused(['--mirror', 'https://mirror.example', '--from-dir', '/srv/gvisor'], '--mirror', '--from-dir');
  });

  it('given a relative --root, when parsed, then the error names --root and the path', () => {
    refused(['--root', 'lab/root'], '--root', 'absolute', '"lab/root"');
  });

  it('given a --runtime-arg that does not start with --, when parsed, then the error names --runtime-arg and the value', () => {
    refused(['--runtime-arg=-debug'], '--runtime-arg', '"-debug"', 'starting with --');
  });

  it('given --check-timeout below 10 seconds, when parsed, then the error names the flag, the range and the value', () => {
    refused(['--check-timeout', '5'], '--check-timeout', '10 to 3600', '"5"');
  });

  it('given --check-timeout above 3600 seconds, when parsed, then it is refused', () => {
    refused(['--check-timeout', '3601'], '--check-timeout', '"3601"');
  });

  it('given a --check-timeout that is not a whole number, when parsed, then it is refused', () => {
    refused(['--check-timeout', '12.5'], '--check-timeout', '"12.5"');
    refused(['--check-timeout', 'soon'], '--check-timeout', '"soon"');
  });

  it('given an unknown flag, when parsed, then the error names the flag', () => {
    refused(['apply', '--frobnicate'], '--frobnicate');
  });

  it('given an unknown command, when parsed, then the error names it and lists the commands', () => {
    refused(['install'], '"install"', 'apply', 'plan', 'check', 'detect');
  });

  it('given two commands, when parsed, then the extra word is named', () => {
    refused(['plan', 'apply'], 'unexpected argument', 'apply');
  });

  it('given a relative --state-dir or --log-dir, when parsed, then the error names the flag', () => {
    refused(['--state-dir', 'state'], '--state-dir', '"state"');
    refused(['--log-dir', './logs'], '--log-dir', '"./logs"');
  });

  it('given --install-dir with .., when parsed, then the error names the flag and the path', () => {
    refused(['--install-dir', '/usr/local/../bin'], '--install-dir', '".."', '/usr/local/../bin');
  });

  it('given an invalid --runtime-name, when parsed, then the error names the flag and the name', () => {
    refused(['--runtime-name', 'run sc'], '--runtime-name', '"run sc"');
  });

  it('given an unknown --service-manager, when parsed, then the error names the flag and the value', () => {
    refused(['--service-manager', 'openrc'], '--service-manager', '"openrc"');
  });
});

describe('parseCli values', () => {
  it('given no arguments, when parsed, then the command is tui with the default options', () => {
    const cli = parseCli([]);
    assert.equal(cli.command, 'tui');
    assert.deepEqual(cli.options, defaultOptions());
    assert.deepEqual([cli.yes, cli.json, cli.help, cli.version, cli.verbose], [false, false, false, false, false]);
  });

  it('given --runtime-arg three times, when parsed, then runtimeArgs holds all three in order', () => {
    const cli = parseCli(['apply', '--runtime-arg=--platform=kvm', '--runtime-arg=--network=host', '--runtime-arg=--debug']);
    assert.deepEqual(cli.options.runtimeArgs, ['--platform=kvm', '--network=host', '--debug']);
  });

  it('given --runtime-arg with its value as a separate word starting with --, when parsed, then the error names --runtime-arg', () => {
    refused(['apply', '--runtime-arg', '--network=host'], '--runtime-arg');
  });

  it('given no --runtime-arg, when parsed, then runtimeArgs stays undefined (existing args are kept)', () => {
    assert.equal(parseCli(['apply']).options.runtimeArgs, undefined);
  });

  it('given --root /x, when parsed, then the state and log dirs default to below /x', () => {
    const o = parseCli(['plan', '--root', '/x']).options;
    assert.equal(o.root, '/x');
    assert.equal(o.stateDir, '/x/var/lib/gvisor-wizard');
    assert.equal(o.logDir, '/x/var/log/gvisor-wizard');
  });

  it('given --root /x/ with a trailing slash, when parsed, then the dirs have no double slash', () => {
    const o = parseCli(['plan', '--root=/x/']).options;
    assert.equal(o.root, '/x');
    assert.equal(o.stateDir, '/x/var/lib/gvisor-wizard');
  });

  it('given --root and explicit --state-dir and --log-dir, when parsed, then the explicit dirs are kept as given', () => {
    const o = parseCli(['plan', '--root', '/x', '--state-dir', '/srv/state', '--log-dir', '/srv/log']).options;
    assert.equal(o.stateDir, '/srv/state');
    assert.equal(o.logDir, '/srv/log');
  });

  it('given every docker option, when parsed, then each lands in the options', () => {
    const cli = parseCli([
      'apply', '--runtime', 'docker', '--runtime-name', 'gvisor', '--release', '20240807.0', '--mirror', 'https://mirror.example/gvisor/releases',
      '--install-dir', '/opt/bin/', '--default-runtime', '--image', 'registry.example:5000/busybox:1', '--docker-host', 'unix:///tmp/d.sock',
      '--docker-config', '/srv/daemon.json', '--treat-empty-as-object', '--service-manager', 'none', '--check-timeout', '60', '-y', '--json', '-v',
    ]);
    const o = cli.options;
    assert.equal(cli.command, 'apply');
    assert.deepEqual(
      [o.engine, o.runtimeName, o.release, o.mirror, o.installDir, o.makeDefault, o.image, o.dockerHost, o.dockerConfig, o.treatEmptyAsObject, o.serviceManager, o.checkTimeoutSeconds],
      ['docker', 'gvisor', '20240807.0', 'https://mirror.example/gvisor/releases', '/opt/bin', true, 'registry.example:5000/busybox:1', 'unix:///tmp/d.sock', '/srv/daemon.json', true, 'none', 60],
    );
    assert.deepEqual([cli.yes, cli.json, cli.verbose], [true, true, true]);
  });

  it('given `help` as the command, when parsed, then help is requested', () => {
    assert.equal(parseCli(['help']).help, true);
  });

  it('given -h and -V, when parsed, then help and version are set', () => {
    assert.equal(parseCli(['-h']).help, true);
    assert.equal(parseCli(['-V']).version, true);
  });
});
