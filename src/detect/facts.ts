// What detection learns about the machine. Plain data: shown on the welcome screen,
// printed by `gvisor-wizard detect --json`, and read by the steps.

export type ReleaseArch = 'x86_64' | 'aarch64';

export interface DockerFacts {
  installed: boolean;
  /** Path of the docker CLI used to talk to the daemon. */
  cli?: string;
  running: boolean;
  serverVersion?: string;
  /** Runtimes the daemon reports (`docker info`), name -> path. */
  runtimes: Record<string, { path: string; runtimeArgs?: string[] }>;
  defaultRuntime?: string;
  /** The running dockerd, when one was found for the socket we talk to. */
  daemonPid?: number;
  daemonArgv?: string[];
  /** The daemon.json dockerd really reads (`--config-file`, else /etc/docker/daemon.json). */
  configFile: string;
  /** Address the CLI talks to (DOCKER_HOST or the default socket). */
  host: string;
  /** Why docker cannot be used, when it cannot. */
  problem?: string;
}

export interface ContainerdFacts {
  installed: boolean;
  /** The containerd binary (of the running daemon when there is one). */
  binary?: string;
  version?: string;
  running: boolean;
  /** The socket the wizard talks to (--containerd-socket, default /run/containerd/containerd.sock). */
  socket: string;
  pid?: number;
  argv?: string[];
  /** The config file containerd really reads (--config on its command line, else the default). */
  configFile: string;
  /** PATH of the running containerd: where it looks for shims (case C1). */
  servicePath?: string;
  problem?: string;
}

export interface Facts {
  distro: { id: string; versionId?: string; prettyName: string };
  /** Node's process.arch, uname -m, and the release arch they map to (or why none). */
  arch: { machine: string; release?: ReleaseArch; problem?: string };
  kernel: string;
  init: 'systemd' | 'other';
  cgroup: 'v2' | 'v1' | 'hybrid' | 'unknown';
  isRoot: boolean;
  kvm: boolean;
  docker: DockerFacts;
  containerd: ContainerdFacts;
  runsc: { path?: string; version?: string };
}
