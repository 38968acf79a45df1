// A real StepContext for unit tests: a LocalHost rooted in a fresh temp dir, a RunLog
// without a file, minimal facts and the default options. Remove the dir with dispose().
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { Facts } from '../../src/detect/facts.js';
import { LocalHost } from '../../src/host/local-host.js';
import { RunLog } from '../../src/log/run-log.js';
import type { StepContext } from '../../src/steps/step.js';
import { defaultOptions, type WizardOptions } from '../../src/wizard/options.js';

/** The least a step needs to know: docker installed, not running, daemon.json at the default path. */
export function minimalFacts(over: Partial<Facts['docker']> = {}): Facts {
  return {
    distro: { id: 'debian', versionId: '12', prettyName: 'Debian GNU/Linux 12 (bookworm)' },
    arch: { machine: 'x86_64', release: 'x86_64' },
    kernel: '6.1.0-test',
    init: 'systemd',
    cgroup: 'v2',
    isRoot: true,
    kvm: false,
    docker: {
      installed: true,
      running: false,
      runtimes: {},
      configFile: '/etc/docker/daemon.json',
      host: 'unix:///var/run/docker.sock',
      ...over,
    },
    containerd: { installed: false, running: false, socket: '/run/containerd/containerd.sock', configFile: '/etc/containerd/config.toml' },
    runsc: {},
  };
}

export interface TempContext {
  ctx: StepContext;
  host: LocalHost;
  log: RunLog;
  /** The temp dir that stands for '/'. */
  root: string;
  /** Where the host copies previous file contents. */
  backupDir: string;
  /** The real path of a machine path under the temp root. */
  real(machinePath: string): string;
  dispose(): void;
}

export function tempStepContext(opts: { options?: Partial<WizardOptions>; facts?: Facts } = {}): TempContext {
  const base = mkdtempSync(join(tmpdir(), 'gvw-unit-'));
  const root = join(base, 'root');
  const backupDir = join(base, 'backups');
  const log = new RunLog({ dir: null });
  const host = new LocalHost({ root, log, backupDir });
  const ctx: StepContext = {
    host,
    log,
    facts: opts.facts ?? minimalFacts(),
    options: { ...defaultOptions(), ...opts.options },
    signal: new AbortController().signal,
    progress: () => {},
    results: new Map(),
    reportCheck: () => {},
  };
  return {
    ctx,
    host,
    log,
    root,
    backupDir,
    real: (p) => join(root, p),
    dispose: () => rmSync(base, { recursive: true, force: true }),
  };
}
