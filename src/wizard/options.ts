// Every answer the wizard needs, whether it comes from the TUI, flags or (later) an
// answers file. Defaults live here, in one place.

import type { EngineName } from './state.js';

export interface WizardOptions {
  engine: EngineName;
  /** Name of the runtime in the engine's config (docker --runtime=NAME). */
  runtimeName: string;
  /** latest | nightly | YYYYMMDD[.N] */
  release: string;
  /** Replaces the bucket base URL; same layout below it. */
  mirror?: string;
  /** Air-gapped: a directory holding the release files. */
  fromDir?: string;
  installDir: string;
  /** undefined: keep whatever runtimeArgs the config already has. */
  runtimeArgs?: string[];
  makeDefault: boolean;
  image: string;
  dockerHost?: string;
  dockerConfig?: string;
  containerdSocket: string;
  containerdConfig?: string;
  /** containerd namespace for the isolation check (Kubernetes uses k8s.io). */
  namespace: string;
  /** crictl's config file (default /etc/crictl.yaml). */
  crictlConfig: string;
  /** containerd: runsc's own shim, containerd's runc shim running runsc, or auto. */
  shim: 'auto' | 'runsc' | 'runc';
  /** containerd: set runc's SystemdCgroup = true (and runsc's systemd-cgroup). */
  systemdCgroup: boolean;
  /** Consent to treat a 0-byte daemon.json as {} (dockerd itself fails on it). */
  treatEmptyAsObject: boolean;
  serviceManager: 'auto' | 'systemd' | 'none';
  /** Seconds the whole isolation check may take. */
  checkTimeoutSeconds: number;
  stateDir: string;
  logDir: string;
  root: string;
}

export function defaultOptions(): WizardOptions {
  return {
    engine: 'docker',
    runtimeName: 'runsc',
    release: 'latest',
    installDir: '/usr/local/bin',
    makeDefault: false,
    image: 'busybox:latest',
    containerdSocket: '/run/containerd/containerd.sock',
    namespace: 'default',
    crictlConfig: '/etc/crictl.yaml',
    shim: 'auto',
    systemdCgroup: false,
    treatEmptyAsObject: false,
    serviceManager: 'auto',
    checkTimeoutSeconds: 120,
    stateDir: '/var/lib/gvisor-wizard',
    logDir: '/var/log/gvisor-wizard',
    root: '/',
  };
}

/** Where the wizard installs runsc (and so what the engine config points at). */
export function runscInstallPath(o: WizardOptions): string {
  return `${o.installDir.replace(/\/+$/, '')}/runsc`;
}
