import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';

import { parseDaemonJson } from '../../src/docker/daemon-json.js';
import {
  configFlags, defaultDaemonJson, defaultDockerHost, dockerConfigFileOf, dockerUnitExecStart, execStartValues,
  findFlagConflicts, flagValues, hostsOf, splitExecLine,
} from '../../src/docker/daemon-process.js';
import { LocalHost } from '../../src/host/local-host.js';
import { RunLog } from '../../src/log/run-log.js';
import { sharedDir } from '../helpers/paths.js';

const fixturesDir = join(sharedDir(), 'fixtures', 'docker');
const casesDir = join(sharedDir(), 'cases');
const fixture = (name: string): string => join(fixturesDir, name);

const STOCK_UNIT = fixture('systemd-docker.service-stock-moby-H-fd-containerd.service');
const UNIT_PATH = '/lib/systemd/system/docker.service';
const DROPIN_DIR = '/etc/systemd/system/docker.service.d';
const DROPIN_H_UNIX = 'systemd-dropin-H-unix-no-fd-commented-tcp.conf';
const DROPIN_G = 'systemd-dropin-docker-daemon-g-H-fd-DOCKER_OPTS.conf';
const OVERRIDE_STORAGE = 'systemd-override-old-docker-daemon-storage-driver-flag.conf';

// ---- temp roots --------------------------------------------------------------------------

const tempDirs: string[] = [];
after(() => {
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

/** A temp dir standing for '/', with the given machine files copied (from real files) or written. */
function tempRoot(files: Record<string, { from: string } | { text: string }>): LocalHost {
  const root = mkdtempSync(join(tmpdir(), 'gvw-unit-root-'));
  tempDirs.push(root);
  for (const [machinePath, src] of Object.entries(files)) {
    const real = join(root, machinePath);
    mkdirSync(dirname(real), { recursive: true });
    if ('from' in src) copyFileSync(src.from, real);
    else writeFileSync(real, src.text);
  }
  return new LocalHost({ root, log: new RunLog({ dir: null }) });
}

/** Where a drop-in fixture is installed: /etc/systemd/system/docker.service.d/<fixture name>. */
const dropinPath = (fixtureName: string): string => `${DROPIN_DIR}/${fixtureName}`;

function keysOf(path: string): string[] {
  return Object.keys(parseDaemonJson(readFileSync(path, 'utf8'), '/etc/docker/daemon.json').value);
}

// ---- flagValues / hostsOf / dockerConfigFileOf -------------------------------------------------

describe('flagValues', () => {
  it('given -H written in every spelling dockerd accepts, when its values are read, then all of them come back in order', () => {
    const argv = ['dockerd', '-H', 'fd://', '-Hunix:///a.sock', '-H=tcp://127.0.0.1:2375', '--host=unix:///b.sock', '--host', 'unix:///c.sock'];
    assert.deepEqual(flagValues(argv, ['H', 'host']), ['fd://', 'unix:///a.sock', 'tcp://127.0.0.1:2375', 'unix:///b.sock', 'unix:///c.sock']);
  });

  it('given a longer flag that starts with the same letters (--hostname), when -H/--host values are read, then it is not taken for --host', () => {
    assert.deepEqual(flagValues(['dockerd', '--hostname=box', '--host-gateway-ip', '10.0.0.1'], ['H', 'host']), []);
  });

  it('given -H as the last word without a value, when its values are read, then nothing is returned', () => {
    assert.deepEqual(flagValues(['dockerd', '-H'], ['H', 'host']), []);
  });

  it('given argv[0] itself looks like a flag value, when values are read, then argv[0] is never inspected', () => {
    assert.deepEqual(flagValues(['--host=x', '--debug'], ['H', 'host']), []);
  });
});

describe('hostsOf', () => {
  it('given no -H at all, when the hosts are read, then dockerd listens on the default socket', () => {
    assert.deepEqual(hostsOf(['/usr/bin/dockerd', '--containerd=/run/containerd/containerd.sock']), [defaultDockerHost]);
  });

  it('given -H fd:// (socket activation), when the hosts are read, then it stands for the default socket', () => {
    assert.deepEqual(hostsOf(['/usr/bin/dockerd', '-H', 'fd://']), [defaultDockerHost]);
  });

  it('given fd:// next to a tcp listener, when the hosts are read, then both are listed in order with fd:// replaced', () => {
    assert.deepEqual(hostsOf(['dockerd', '-H', 'fd://', '--host=tcp://0.0.0.0:2375']), [defaultDockerHost, 'tcp://0.0.0.0:2375']);
  });

  it('given an explicit unix socket, when the hosts are read, then it is kept as written', () => {
    assert.deepEqual(hostsOf(['dockerd', '-H', 'unix:///tmp/private/docker.sock']), ['unix:///tmp/private/docker.sock']);
  });
});

describe('dockerConfigFileOf', () => {
  it('given no argv (no running dockerd), when the config file is asked for, then it is /etc/docker/daemon.json', () => {
    assert.equal(dockerConfigFileOf(undefined), defaultDaemonJson);
    assert.equal(defaultDaemonJson, '/etc/docker/daemon.json');
  });

  it('given a dockerd without --config-file, when the config file is asked for, then it is the default', () => {
    assert.equal(dockerConfigFileOf(['/usr/bin/dockerd', '-H', 'fd://']), defaultDaemonJson);
  });

  it('given --config-file with a separate value, when the config file is asked for, then that file is named', () => {
    assert.equal(dockerConfigFileOf(['dockerd', '--config-file', '/srv/docker/daemon.json']), '/srv/docker/daemon.json');
  });

  it('given --config-file twice, when the config file is asked for, then the last one wins as in dockerd', () => {
    assert.equal(dockerConfigFileOf(['dockerd', '--config-file=/a.json', '--config-file=/b.json']), '/b.json');
  });

  it('given an empty --config-file=, when the config file is asked for, then the default is used', () => {
    assert.equal(dockerConfigFileOf(['dockerd', '--config-file=']), defaultDaemonJson);
  });
});

// ---- configFlags -------------------------------------------------------------------------------

describe('configFlags', () => {
  it('given the stock unit command line, when its flags are listed, then -H maps to "hosts" and --containerd to "containerd"', () => {
    assert.deepEqual(configFlags(['/usr/bin/dockerd', '-H', 'fd://', '--containerd=/run/containerd/containerd.sock']), [
      { flag: '-H', key: 'hosts' },
      { flag: '--containerd', key: 'containerd' },
    ]);
  });

  it('given a short flag with its value attached (-Htcp://...), when flags are listed, then it is one -H', () => {
    assert.deepEqual(configFlags(['dockerd', '-Htcp://0.0.0.0:2375']), [{ flag: '-H', key: 'hosts' }]);
  });

  it('given a long flag with a separate value, when flags are listed, then the value is not taken for a flag', () => {
    assert.deepEqual(configFlags(['dockerd', '--data-root', '/srv/docker', '--host', 'unix:///x.sock']), [
      { flag: '--data-root', key: 'data-root' },
      { flag: '--host', key: 'hosts' },
    ]);
  });

  it('given the = form of long flags, when flags are listed, then each maps to its daemon.json key', () => {
    assert.deepEqual(configFlags(['dockerd', '--graph=/var/lib/x', '--storage-driver=overlay2', '--exec-opt=native.cgroupdriver=systemd']), [
      { flag: '--graph', key: 'data-root' },
      { flag: '--storage-driver', key: 'storage-driver' },
      { flag: '--exec-opt', key: 'exec-opts' },
    ]);
  });

  it('given short flags that take values (-g, -s), when flags are listed, then their values are skipped and keys mapped', () => {
    assert.deepEqual(configFlags(['dockerd', '-g', '/data/docker', '-s', 'overlay', '-p', '/run/d.pid']), [
      { flag: '-g', key: 'data-root' },
      { flag: '-s', key: 'storage-driver' },
      { flag: '-p', key: 'pidfile' },
    ]);
  });

  it('given boolean flags (--debug, -D, --live-restore, --iptables=false), when flags are listed, then each is one key and the next flag still counts', () => {
    assert.deepEqual(configFlags(['dockerd', '--debug', '-H', 'fd://', '-D', '--live-restore', '--iptables=false']), [
      { flag: '--debug', key: 'debug' },
      { flag: '-H', key: 'hosts' },
      { flag: '-D', key: 'debug' },
      { flag: '--live-restore', key: 'live-restore' },
      { flag: '--iptables', key: 'iptables' },
    ]);
  });

  it('given repeatable flags whose key is a plural, when flags are listed, then the plural daemon.json key is used', () => {
    const keys = configFlags(['dockerd', '--insecure-registry=r:5000', '--registry-mirror=https://m', '--log-opt', 'max-size=10m', '--add-runtime', 'x=/bin/x', '--label=a=b'])
      .map((f) => f.key);
    assert.deepEqual(keys, ['insecure-registries', 'registry-mirrors', 'log-opts', 'runtimes', 'labels']);
  });

  it('given $DOCKER_OPTS and ${DOCKER_OPTS} on the line, when flags are listed, then the unexpanded variables are ignored', () => {
    assert.deepEqual(configFlags(['dockerd', '-H', 'fd://', '$DOCKER_OPTS', '${DOCKER_OPTS}']), [{ flag: '-H', key: 'hosts' }]);
  });

  it('given the pre-1.12 "docker daemon" form, when flags are listed, then "daemon" is no flag and the real flags are found', () => {
    assert.deepEqual(configFlags(['/usr/bin/docker', 'daemon', '-g', '/data/docker', '-H', 'fd://', '$DOCKER_OPTS']), [
      { flag: '-g', key: 'data-root' },
      { flag: '-H', key: 'hosts' },
    ]);
  });

  it('given --config-file and --validate, when flags are listed, then they are not reported as configuration', () => {
    assert.deepEqual(configFlags(['dockerd', '--config-file=/etc/docker/daemon.json', '--validate']), []);
  });
});

// ---- findFlagConflicts ---------------------------------------------------------------------------

describe('findFlagConflicts', () => {
  const unit = { source: UNIT_PATH, argv: ['/usr/bin/dockerd', '-H', 'fd://', '-H', 'tcp://0.0.0.0:2375', '--containerd=/run/c.sock'] };

  it('given "hosts" in daemon.json and -H twice in the unit, when conflicts are found, then there is one conflict naming the unit', () => {
    assert.deepEqual(findFlagConflicts(['hosts', 'live-restore'], [unit]), [{ key: 'hosts', flag: '-H', source: UNIT_PATH }]);
  });

  it('given the same flag in the running dockerd and in the unit, when conflicts are found, then each place is reported once', () => {
    const running = { source: 'running dockerd (pid 42)', argv: ['/usr/bin/dockerd', '--host=fd://'] };
    assert.deepEqual(findFlagConflicts(['hosts'], [running, unit]), [
      { key: 'hosts', flag: '--host', source: 'running dockerd (pid 42)' },
      { key: 'hosts', flag: '-H', source: UNIT_PATH },
    ]);
  });

  it('given daemon.json keys that no flag sets, when conflicts are found, then there are none', () => {
    assert.deepEqual(findFlagConflicts(['runtimes', 'log-driver', 'exec-opts'], [unit]), []);
  });

  it('given no flag sources at all, when conflicts are found, then there are none', () => {
    assert.deepEqual(findFlagConflicts(['hosts'], []), []);
  });
});

// ---- execStartValues / splitExecLine --------------------------------------------------------------

describe('execStartValues', () => {
  it('given a unit with one ExecStart among other keys, when values are read, then only ExecStart= is returned', () => {
    const text = '[Service]\nExecStartPre=/bin/true\nExecStart=/usr/bin/dockerd -H fd://\nExecReload=/bin/kill -s HUP $MAINPID\n';
    assert.deepEqual(execStartValues(text), ['/usr/bin/dockerd -H fd://']);
  });

  it('given backslash continuations, when values are read, then the lines are joined into one value', () => {
    const text = '[Service]\nExecStart=/usr/bin/dockerd \\\n  -H fd:// \\\n  --containerd=/run/containerd/containerd.sock\n';
    assert.deepEqual(splitExecLine(execStartValues(text)[0]!), ['/usr/bin/dockerd', '-H', 'fd://', '--containerd=/run/containerd/containerd.sock']);
  });

  it('given commented-out ExecStart lines (# and ;), when values are read, then they are ignored', () => {
    const text = '[Service]\n#ExecStart=/usr/bin/dockerd -H tcp://0.0.0.0:2375\n  ; ExecStart=/usr/bin/dockerd --debug\nExecStart=/usr/bin/dockerd\n';
    assert.deepEqual(execStartValues(text), ['/usr/bin/dockerd']);
  });

  it('given a comment line inside a continuation (systemd.syntax example), when values are read, then the comment is dropped and the line goes on after it', () => {
    const text = '[Service]\nExecStart=/usr/bin/dockerd \\\n# --debug \\\n; -H tcp://0.0.0.0:2375\n  -H fd://\n';
    assert.deepEqual(splitExecLine(execStartValues(text)[0]!), ['/usr/bin/dockerd', '-H', 'fd://']);
  });

  it('given a reset line ExecStart= followed by a new one, when values are read, then both come back in order with the reset empty', () => {
    assert.deepEqual(execStartValues('[Service]\nExecStart=\nExecStart=/usr/bin/dockerd -H unix://\n'), ['', '/usr/bin/dockerd -H unix://']);
  });

  it('given CRLF line endings and spaces around =, when values are read, then the value has no carriage return', () => {
    const values = execStartValues('[Service]\r\nExecStart = /usr/bin/dockerd -H fd://\r\n');
    assert.equal(values.length, 1);
    assert.deepEqual(splitExecLine(values[0]!), ['/usr/bin/dockerd', '-H', 'fd://']);
  });

  it('given a line ending in an escaped backslash (\\\\), when values are read, then it does not continue onto the next line', () => {
    assert.deepEqual(execStartValues('ExecStart=/bin/echo a\\\\\nExecReload=/bin/true\n'), ['/bin/echo a\\\\']);
  });
});

describe('splitExecLine', () => {
  it('given the "-" prefix (ignore failure), when split, then the program path has no prefix', () => {
    assert.deepEqual(splitExecLine('-/usr/bin/dockerd -H fd://'), ['/usr/bin/dockerd', '-H', 'fd://']);
  });

  it('given combined special prefixes (+!), when split, then all of them are removed from the program only', () => {
    assert.deepEqual(splitExecLine('+!/usr/bin/dockerd --label=-x'), ['/usr/bin/dockerd', '--label=-x']);
  });

  it('given double- and single-quoted words, when split, then quotes group words and are removed', () => {
    assert.deepEqual(splitExecLine(`/usr/bin/dockerd "--label=a b" '--label=c d' --x`), ['/usr/bin/dockerd', '--label=a b', '--label=c d', '--x']);
  });

  it('given an escaped quote inside quotes, when split, then the quote is kept literally', () => {
    assert.deepEqual(splitExecLine('/bin/echo "say \\"hi\\""'), ['/bin/echo', 'say "hi"']);
  });

  it('given an empty quoted word and runs of whitespace, when split, then the empty word is kept and spaces are not words', () => {
    assert.deepEqual(splitExecLine('  /bin/x  ""   \t y '), ['/bin/x', '', 'y']);
  });
});

// ---- dockerUnitExecStart against the real fixture unit files -------------------------------------------

describe('dockerUnitExecStart with the fixture unit files', () => {
  it('given only the stock docker.service, when the effective ExecStart is read, then it is dockerd -H fd:// from /lib', async () => {
    const host = tempRoot({ [UNIT_PATH]: { from: STOCK_UNIT } });
    assert.deepEqual(await dockerUnitExecStart(host), {
      source: UNIT_PATH,
      argv: ['/usr/bin/dockerd', '-H', 'fd://', '--containerd=/run/containerd/containerd.sock'],
    });
  });

  it('given the stock unit and the -H unix drop-in, when read, then the drop-in line wins and its commented tcp line is ignored', async () => {
    const host = tempRoot({ [UNIT_PATH]: { from: STOCK_UNIT }, [dropinPath(DROPIN_H_UNIX)]: { from: fixture(DROPIN_H_UNIX) } });
    assert.deepEqual(await dockerUnitExecStart(host), {
      source: dropinPath(DROPIN_H_UNIX),
      argv: ['/usr/bin/dockerd', '-H', 'unix://var/run/docker.sock'],
    });
  });

  it('given the stock unit and the "docker daemon -g" drop-in, when read, then the old form with $DOCKER_OPTS is the effective line', async () => {
    const host = tempRoot({ [UNIT_PATH]: { from: STOCK_UNIT }, [dropinPath(DROPIN_G)]: { from: fixture(DROPIN_G) } });
    assert.deepEqual(await dockerUnitExecStart(host), {
      source: dropinPath(DROPIN_G),
      argv: ['/usr/bin/docker', 'daemon', '-g', '/data/docker', '-H', 'fd://', '$DOCKER_OPTS'],
    });
  });

  it('given the stock unit and the storage-driver override.conf, when read, then the override line wins', async () => {
    const host = tempRoot({ [UNIT_PATH]: { from: STOCK_UNIT }, [dropinPath(OVERRIDE_STORAGE)]: { from: fixture(OVERRIDE_STORAGE) } });
    assert.deepEqual(await dockerUnitExecStart(host), {
      source: dropinPath(OVERRIDE_STORAGE),
      argv: ['/usr/bin/docker', 'daemon', '--storage-driver=overlay', '-H', 'unix:///var/run/docker.sock'],
    });
  });

  it('given all three drop-ins at once, when read, then the one whose name sorts last wins as in systemd', async () => {
    const names = [DROPIN_H_UNIX, DROPIN_G, OVERRIDE_STORAGE];
    const files: Record<string, { from: string }> = { [UNIT_PATH]: { from: STOCK_UNIT } };
    for (const n of names) files[dropinPath(n)] = { from: fixture(n) };
    const last = [...names].sort().at(-1)!;
    const got = await dockerUnitExecStart(tempRoot(files));
    assert.equal(got?.source, dropinPath(last));
  });

  it('given a drop-in that sets only Restart=, when read, then the unit file ExecStart stays in effect', async () => {
    const host = tempRoot({ [UNIT_PATH]: { from: STOCK_UNIT }, [`${DROPIN_DIR}/restart.conf`]: { text: '[Service]\nRestart=always\n' } });
    assert.equal((await dockerUnitExecStart(host))?.source, UNIT_PATH);
  });

  it('given a drop-in with only the reset line ExecStart=, when read, then there is no ExecStart', async () => {
    const host = tempRoot({ [UNIT_PATH]: { from: STOCK_UNIT }, [`${DROPIN_DIR}/reset.conf`]: { text: '[Service]\nExecStart=\n' } });
    assert.equal(await dockerUnitExecStart(host), undefined);
  });

  it('given a drop-in in /run with the same name as one in /etc, when read, then the /etc one masks it', async () => {
    const host = tempRoot({
      [UNIT_PATH]: { from: STOCK_UNIT },
      '/run/systemd/system/docker.service.d/override.conf': { text: '[Service]\nExecStart=\nExecStart=/usr/bin/dockerd --debug\n' },
      [`${DROPIN_DIR}/override.conf`]: { from: fixture(OVERRIDE_STORAGE) },
    });
    assert.equal((await dockerUnitExecStart(host))?.source, `${DROPIN_DIR}/override.conf`);
  });

  it('given a full unit in /etc/systemd/system, when read, then it is used instead of the packaged one in /lib', async () => {
    const host = tempRoot({
      [UNIT_PATH]: { from: STOCK_UNIT },
      '/etc/systemd/system/docker.service': { text: '[Service]\nExecStart=/usr/local/bin/dockerd -H unix:///run/local.sock\n' },
    });
    assert.deepEqual(await dockerUnitExecStart(host), { source: '/etc/systemd/system/docker.service', argv: ['/usr/local/bin/dockerd', '-H', 'unix:///run/local.sock'] });
  });

  it('given no docker.service anywhere, when read, then there is no ExecStart', async () => {
    assert.equal(await dockerUnitExecStart(tempRoot({})), undefined);
  });
});

// ---- daemon.json keys against the unit's flags ------------------------------------------------------

describe('daemon.json keys that repeat a unit flag', () => {
  async function conflictsFor(daemonJsonPath: string, files: Record<string, { from: string } | { text: string }>) {
    const unit = await dockerUnitExecStart(tempRoot(files));
    assert.ok(unit, 'the unit has an ExecStart');
    return findFlagConflicts(keysOf(daemonJsonPath), [unit]);
  }

  it('given case A6 (hosts in daemon.json, -H fd:// in docker.service), when checked, then "hosts" conflicts with -H in the unit file', async () => {
    const got = await conflictsFor(join(casesDir, 'daemon-json-hosts-conflict.json'), {
      [UNIT_PATH]: { from: join(casesDir, 'daemon-json-hosts-conflict.docker.service') },
    });
    assert.deepEqual(got, [{ key: 'hosts', flag: '-H', source: UNIT_PATH }]);
  });

  it('given the tab-indented hosts fixture and the stock unit, when checked, then only "hosts" conflicts (debug and experimental are no flags there)', async () => {
    const got = await conflictsFor(fixture('hosts-tcp-conflicts-with-fd-unit-tabs.json'), { [UNIT_PATH]: { from: STOCK_UNIT } });
    assert.deepEqual(got, [{ key: 'hosts', flag: '-H', source: UNIT_PATH }]);
  });

  it('given the --storage-driver override and "storage-driver" in daemon.json, when checked, then they conflict in the override file', async () => {
    const json = writeTempJson('{\n  "storage-driver": "overlay2"\n}\n');
    const got = await conflictsFor(json, { [UNIT_PATH]: { from: STOCK_UNIT }, [dropinPath(OVERRIDE_STORAGE)]: { from: fixture(OVERRIDE_STORAGE) } });
    assert.deepEqual(got, [{ key: 'storage-driver', flag: '--storage-driver', source: dropinPath(OVERRIDE_STORAGE) }]);
  });

  it('given the -g drop-in and "data-root" in daemon.json, when checked, then -g conflicts with "data-root"', async () => {
    const json = writeTempJson('{"data-root": "/srv/docker"}\n');
    const got = await conflictsFor(json, { [UNIT_PATH]: { from: STOCK_UNIT }, [dropinPath(DROPIN_G)]: { from: fixture(DROPIN_G) } });
    assert.deepEqual(got, [{ key: 'data-root', flag: '-g', source: dropinPath(DROPIN_G) }]);
  });

  it('given a daemon.json with only runtimes and the stock unit, when checked, then there is no conflict', async () => {
    const json = writeTempJson('{\n  "runtimes": {\n    "runsc": {\n      "path": "/usr/local/bin/runsc"\n    }\n  }\n}\n');
    assert.deepEqual(await conflictsFor(json, { [UNIT_PATH]: { from: STOCK_UNIT } }), []);
  });
});

function writeTempJson(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'gvw-unit-json-'));
  tempDirs.push(dir);
  const p = join(dir, 'daemon.json');
  writeFileSync(p, text);
  return p;
}
