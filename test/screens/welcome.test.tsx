import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanup } from 'ink-testing-library';
import { App } from '../../screens/App.js';
import { factRows } from '../../screens/Welcome.js';
import { FakeStore } from '../helpers/fake-store.js';
import { renderReady } from '../helpers/ink.js';
import { sampleFacts } from './fixtures.js';

afterEach(() => cleanup());

test('the welcome screen lists the detected facts and says Enter continues', async () => {
  const store = new FakeStore({ phase: 'welcome', facts: sampleFacts() });
  const r = await renderReady(<App store={store} rows={24} columns={80} />);
  const frame = r.lastFrame() ?? '';
  for (const re of [
    /Ubuntu 24\.04\.1 LTS/,
    /x86_64 -> runsc release x86_64/,
    /6\.8\.0-45-generic/,
    /init\s+systemd/,
    /cgroup\s+v2/,
    /root\s+yes/,
    /\/dev\/kvm\s+absent/,
    /docker\s+running 27\.3\.1, runtimes runc \(default\)/,
    /docker cfg\s+\/etc\/docker\/daemon\.json/,
    /containerd\s+running 1\.7\.22/,
    /runsc\s+not installed/,
    /Enter to continue/,
  ]) {
    assert.match(frame, re);
  }
});

test('each missing prerequisite is explained in one line', () => {
  const rows = factRows(
    sampleFacts({
      isRoot: false,
      arch: { machine: 'riscv64', problem: 'gVisor publishes runsc for x86_64 and aarch64 only' },
      docker: { installed: false, running: false, runtimes: {}, configFile: '/etc/docker/daemon.json', host: 'unix:///var/run/docker.sock' },
      containerd: { installed: false, running: false, socket: '/run/containerd/containerd.sock', configFile: '/etc/containerd/config.toml' },
    }),
  );
  const missing = rows.filter((r) => r.mark === 'missing');
  assert.deepEqual(missing.map((r) => r.label), ['arch', 'root', 'engine']);
  for (const r of missing) assert.ok(r.why && !r.why.includes('\n'), r.label);
  assert.match(missing[0]?.why ?? '', /x86_64 and aarch64 only/);
});
