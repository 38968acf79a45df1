// Sample data for the screen tests.

import type { Facts } from '../../src/detect/facts.js';
import type { LogLine, PlanView, StepView } from '../../src/wizard/state.js';

export function sampleFacts(over: Partial<Facts> = {}): Facts {
  return {
    distro: { id: 'ubuntu', versionId: '24.04', prettyName: 'Ubuntu 24.04.1 LTS' },
    arch: { machine: 'x86_64', release: 'x86_64' },
    kernel: '6.8.0-45-generic',
    init: 'systemd',
    cgroup: 'v2',
    isRoot: true,
    kvm: false,
    docker: {
      installed: true,
      cli: '/usr/bin/docker',
      running: true,
      serverVersion: '27.3.1',
      runtimes: { runc: { path: 'runc' }, 'io.containerd.runc.v2': { path: 'runc' } },
      defaultRuntime: 'runc',
      configFile: '/etc/docker/daemon.json',
      host: 'unix:///var/run/docker.sock',
    },
    containerd: { installed: true, version: '1.7.22', running: true, socket: '/run/containerd/containerd.sock', configFile: '/etc/containerd/config.toml' },
    runsc: {},
    ...over,
  };
}

export const STEPS: StepView[] = [
  { id: 'preflight', title: 'Check prerequisites', status: 'done', summary: 'root, systemd, cgroup v2' },
  { id: 'install', title: 'Install runsc', status: 'ok', summary: 'runsc release-20241021.0 in /usr/local/bin' },
  { id: 'configure', title: 'Register runsc with docker', status: 'needed', summary: 'daemon.json gets a runsc runtime' },
  { id: 'restart', title: 'Restart docker', status: 'pending' },
  { id: 'check', title: 'Prove the isolation', status: 'pending' },
];

export const PLAN: PlanView = {
  stepId: 'configure',
  title: 'Register runsc with docker',
  files: [
    {
      path: '/etc/docker/daemon.json',
      created: false,
      diff: [
        '--- /etc/docker/daemon.json',
        '+++ /etc/docker/daemon.json (new)',
        '@@ -1,3 +1,8 @@',
        ' {',
        '-  "log-driver": "journald"',
        '+  "log-driver": "journald",',
        '+  "runtimes": {',
        '+    "runsc": { "path": "/usr/local/bin/runsc" }',
        '+  }',
        ' }',
      ].join('\n'),
    },
  ],
  commands: [['systemctl', 'reload-or-restart', 'docker.service']],
  notes: ['Running containers keep running runc until they are recreated.'],
};

export function logLines(from: number, to: number): LogLine[] {
  const out: LogLine[] = [];
  for (let i = from; i <= to; i++) out.push({ id: i, level: i % 5 === 0 ? 'err' : 'out', text: `output line ${i}` });
  return out;
}
