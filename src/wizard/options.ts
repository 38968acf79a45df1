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
  /** containerd, optional: the CRI pause (sandbox) image to set in config.toml (--sandbox-image). */
  sandboxImage?: string;
  /** Go on to Kubernetes after containerd: prepare the node, join, RuntimeClass, pod check. */
  kubernetes: boolean;
  /** The pasted `kubeadm join ...` line. A secret: never logged unmasked, never stored. */
  join?: string;
  /** Admin kubeconfig (usually absent on a worker): lets the wizard apply the RuntimeClass itself. */
  kubeconfig?: string;
  /** Label the kubelet sets at registration; the RuntimeClass selects nodes by it. */
  nodeLabel: string;
  /** Optional taint set at registration (key=value:Effect). */
  nodeTaint?: string;
  /** RuntimeClass name (its handler is runtimeName). */
  runtimeClass: string;
  /** Optional control-plane /etc/hosts entry: "IP NAME". */
  controlPlaneHost?: string;
  /**
   * The node's own files on the Kubernetes path (/etc/fstab, /etc/modules-load.d, /etc/sysctl.d,
   * /etc/hosts, /etc/default/kubelet, /var/lib/kubelet, /etc/kubernetes) and the kernel views it reads
   * (/proc/swaps, /proc/modules, /proc/sys, /proc/net/tcp*) are taken below this directory (--kube-root;
   * default '/'). For practice runs and tests: containerd and its config stay where they are.
   */
  kubeRoot: string;
  /** containerd, optional: a registry mirror for config.toml, version 2 files only (--registry-mirror REGISTRY=URL). */
  registryMirror?: { registry: string; endpoint: string };
  /** containerd, optional: install nerdctl of this version (--nerdctl-version); the step is skipped without it. */
  nerdctlVersion?: string;
  /** With nerdctlVersion: also install the CNI plugins of this version (--cni-version). */
  cniVersion?: string;
  /** Base URL laid out like GitHub releases for nerdctl and the CNI plugins (default https://github.com). */
  nerdctlMirror?: string;
  /**
   * Resume only: the published sha512 of the release the interrupted run started with. The
   * install step stops when `latest` has moved to another build since.
   */
  releaseSha512?: string;
  /** Where the CNI plugins go (default /opt/cni/bin, where nerdctl looks for them). */
  cniBinDir?: string;
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
    kubernetes: false,
    nodeLabel: 'gvisor.dev/runsc=true',
    runtimeClass: 'gvisor',
    kubeRoot: '/',
    systemdCgroup: false,
    treatEmptyAsObject: false,
    serviceManager: 'auto',
    checkTimeoutSeconds: 120,
    stateDir: '/var/lib/gvisor-wizard',
    logDir: '/var/log/gvisor-wizard',
    root: '/',
    cniBinDir: '/opt/cni/bin',
  };
}

/** Where the wizard installs runsc (and so what the engine config points at). */
export function runscInstallPath(o: WizardOptions): string {
  return `${o.installDir.replace(/\/+$/, '')}/runsc`;
}
