// Why-text for students: for every step of the wizard, what it changes on this machine and why
// the sandbox needs it, plus short concept notes the steps point to. Plain data with no imports,
// so `gvisor-wizard explain` loads nothing else. `why` is sized for the TUI's side panel
// (at most 10 rows of 34 columns, tested); the longer background lives in the concept notes.
// Facts checked against gvisor.dev (architecture, platforms, networking, containerd guides) and
// kubernetes.io (RuntimeClass, cgroup drivers); the words are our own.

export interface WhyText {
  /** The step id (as in stepsFor() and the step menu), or "detect". */
  id: string;
  title: string;
  /** What the step changes on this machine ("nothing" for read-only steps). */
  what: string;
  /** Why the sandbox needs it. */
  why: string;
  /** Ids of concept notes that explain the background. */
  concepts: string[];
}

export interface ConceptNote {
  id: string;
  title: string;
  /** A few short paragraphs; a line starting with "- " is a bullet. */
  text: string;
}

export const CONCEPTS: readonly ConceptNote[] = [
  {
    id: 'runc-vs-runsc',
    title: 'runc vs runsc (gVisor)',
    text: [
      'runc starts a container as ordinary host processes, fenced in by namespaces, cgroups and seccomp. Every system call the app makes still goes straight to the host kernel, so one kernel bug can be a way out of the container.',
      'runsc, gVisor\'s runtime, puts an application kernel in between:',
      '- the Sentry: a user-space program written in Go that implements the Linux system calls itself. The app\'s syscalls are intercepted (see platforms) and handled by the Sentry, which needs only a small, seccomp-filtered set of host syscalls in return.',
      '- the Gofer: a separate helper process that opens files for the sandbox (newer releases can also hand the Sentry file descriptors directly: directfs).',
      'Both take the same OCI bundle, so an engine switches between them by runtime name. The price: syscall-heavy work runs slower, and a few kernel features are missing.',
    ].join('\n'),
  },
  {
    id: 'containerd-vs-docker',
    title: 'containerd vs docker',
    text: [
      'docker is a stack of programs:',
      '- docker (the CLI) talks to dockerd over its API;',
      '- dockerd keeps images, networks and volumes, and hands each container to containerd;',
      '- containerd starts a shim per container;',
      '- the shim calls the OCI runtime (runc, or runsc) to create the container, and stays on as its parent.',
      'Kubernetes skips dockerd: the kubelet talks to containerd\'s CRI plugin directly. So runsc is registered in a different file on each path: daemon.json for docker (dockerd then tells containerd\'s runc shim to use runsc as its binary), and containerd\'s config.toml for containerd and Kubernetes.',
      'Each client has its own containerd namespace: docker uses "moby", ctr "default", the kubelet "k8s.io".',
    ].join('\n'),
  },
  {
    id: 'shims',
    title: 'containerd shims',
    text: [
      'A shim is the small process containerd starts for a container (or a whole pod). It calls the runtime, keeps the container\'s stdio and exit status, and lets containers keep running while containerd restarts. runtime_type picks the shim binary: io.containerd.X.vN runs containerd-shim-X-vN, found on containerd\'s own PATH.',
      '- io.containerd.runsc.v1 -> containerd-shim-runsc-v1, gVisor\'s shim. It reads runsc flags from runsc.toml (options ConfigPath) and runs a whole pod in one sandbox.',
      '- io.containerd.runc.v2 with options BinaryName = runsc -> containerd\'s runc shim running runsc as if it were runc. docker does this; the wizard does it when no runsc shim is installed, with runsc flags in a small wrapper script. Each container then gets a sandbox of its own.',
      'Isolation of each container is the same either way.',
    ].join('\n'),
  },
  {
    id: 'runtimeclass',
    title: 'Kubernetes RuntimeClass',
    text: [
      'A cluster-wide object that names a way to run pods. A pod asks for it with spec.runtimeClassName: gvisor.',
      '- handler: passed by the kubelet to the runtime over CRI. For containerd it must be the name of a runtime in config.toml (runtimes.runsc -> handler runsc). A node without it fails the pod ("no runtime for runsc is configured").',
      '- scheduling.nodeSelector: added to every pod of the class, so such pods land only on nodes carrying the label, i.e. nodes that have runsc.',
      'It is created once, on the control plane, with an admin credential a worker does not have.',
    ].join('\n'),
  },
  {
    id: 'cgroup-drivers',
    title: 'cgroup drivers (systemd vs cgroupfs)',
    text: [
      'cgroups are the kernel\'s resource accounting and limits (CPU, memory, pids) for a group of processes. Someone has to create each pod\'s cgroup:',
      '- cgroupfs: the runtime writes to /sys/fs/cgroup itself;',
      '- systemd: the runtime asks systemd to create a slice or scope.',
      'On a systemd host kubeadm (1.22+) sets the kubelet to systemd. The kubelet and the runtime must agree, or pods fail to start or end up outside the limits the kubelet accounts for. In containerd that is SystemdCgroup in the runc and runsc runtime options; runsc itself gets systemd-cgroup in runsc.toml.',
    ].join('\n'),
  },
  {
    id: 'cri-plugin',
    title: "containerd's CRI plugin",
    text: [
      'CRI (Container Runtime Interface) is the gRPC API the kubelet uses to run pods: create a pod sandbox, create and start containers, pull images. In containerd it is a built-in plugin (io.containerd.grpc.v1.cri in version 2 configs; split into io.containerd.cri.v1.runtime and .images in version 3) served on containerd\'s socket.',
      'Its runtimes table is where the runsc runtime lives, and RuntimeClass handlers name entries of it. docker\'s containerd.io package turns it off (disabled_plugins = ["cri"]): docker does not need it, Kubernetes does. `ctr plugins ls` shows whether it is ok. crictl is a CRI client: it sees what the kubelet sees.',
    ].join('\n'),
  },
  {
    id: 'platforms',
    title: 'gVisor platforms (systrap, ptrace, kvm)',
    text: [
      'The platform is how gVisor catches the app\'s system calls and page faults and hands them to the Sentry. The Sentry handles them the same way on every platform; they differ in speed and in what they need.',
      '- systrap: the default since mid-2023. A seccomp filter makes each syscall trap into a handler that passes it to the Sentry. Works anywhere, also inside VMs.',
      '- ptrace: the older default (e.g. Debian\'s 2022 runsc), using PTRACE_SYSEMU. Works anywhere; the slowest.',
      '- kvm: uses hardware virtualisation through /dev/kvm. Fastest on bare metal; poor inside a VM (nested virtualisation).',
      'Chosen with --platform=NAME in the runtime\'s runsc flags.',
    ].join('\n'),
  },
  {
    id: 'network-modes',
    title: 'runsc network modes',
    text: [
      '- --network=sandbox (default): gVisor\'s own TCP/IP stack (netstack) runs inside the Sentry. The host kernel only moves raw packets on the container\'s virtual interface. The strongest isolation.',
      '- --network=host: the sandbox uses the host kernel\'s network stack for its sockets. Faster, but the host\'s network code is exposed again. (Not docker\'s --network=host, which shares the host\'s network namespace.)',
      '- --network=none: no network, only a loopback inside the sandbox.',
      'Old runsc builds (Debian\'s 2022/2024 packages) fail on kernel 6.x with "cannot run with network enabled in root network namespace": use a current release, or host/none knowingly.',
    ].join('\n'),
  },
  {
    id: 'isolation-evidence',
    title: 'How the wizard proves isolation',
    text: [
      'A container that starts proves nothing: runc starts it too. The check runs `sleep <random 9-digit number>` and needs all of:',
      '- the engine says the workload uses the runsc runtime;',
      '- the marker process is running inside the workload;',
      '- the marker is absent from the host\'s /proc: under gVisor the app\'s processes exist only inside the Sentry;',
      '- the kernel log inside (dmesg) is gVisor\'s own boot log.',
      'If the marker shows up among host processes, the verdict is FAIL: it ran on the host kernel. The throw-away workload is always removed.',
    ].join('\n'),
  },
  {
    id: 'node-prep',
    title: 'Preparing a Kubernetes node',
    text: [
      'Not gVisor needs, but the kubelet\'s and the pod network\'s:',
      '- swap off: the kubelet refuses to start with swap on unless configured for it, since memory limits assume no swap.',
      '- overlay: the kernel module behind container image layers.',
      '- br_netfilter + net.bridge.bridge-nf-call-iptables = 1: pod traffic crossing a Linux bridge goes through iptables, where Services and network policies live.',
      '- net.ipv4.ip_forward = 1: the node routes packets between pods and the outside.',
      'Each is written to a file under /etc so it survives a reboot, and read back from /proc/sys as proof.',
    ].join('\n'),
  },
];

export const STEP_WHY: readonly WhyText[] = [
  {
    id: 'detect',
    title: 'Look at this machine',
    what: 'Nothing: it only reads. It finds the distro, CPU, kernel, init system, cgroup version, the docker and containerd that serve your sockets (and the config files they really read), and any runsc.',
    why: 'Later steps must edit the file the running daemon really reads and fetch the runsc build for this CPU. A guessed path (daemon.json when dockerd runs with --config-file) would give a config that nobody loads.',
    concepts: ['containerd-vs-docker'],
  },
  {
    id: 'install-runsc',
    title: 'Download, verify and install runsc',
    what: 'Downloads runsc (and containerd-shim-runsc-v1 when the release has it), checks sha512, ELF type and CPU, and installs them into /usr/local/bin (--install-dir).',
    why: "runsc is gVisor's OCI runtime: a drop-in for runc that runs each container on gVisor's own kernel (the Sentry) instead of the host's. Engines only call it; they do not ship it. It will sit between every sandboxed app and your kernel, so it must be verified.",
    concepts: ['runc-vs-runsc', 'shims', 'platforms'],
  },
  {
    id: 'configure-docker',
    title: 'Add the runsc runtime to docker',
    what: 'Adds runtimes.runsc (path and runsc flags) to the daemon.json dockerd reads; with --default-runtime also default-runtime. Nothing else in the file changes; a backup is kept.',
    why: 'dockerd only runs runtimes listed in its config. This entry gives the name runsc a path and flags, so `docker run --runtime=runsc` uses gVisor. Without it every container stays on runc and the host kernel.',
    concepts: ['containerd-vs-docker', 'runc-vs-runsc', 'network-modes', 'platforms'],
  },
  {
    id: 'reload-docker',
    title: 'Reload docker and confirm it lists the runtime',
    what: 'Reloads dockerd (systemctl reload docker, or SIGHUP); starts it only when it is stopped. Then reads docker info.',
    why: 'dockerd reads daemon.json at start and on reload. A reload keeps running containers alive; a restart would stop them. docker info must then list runsc with our path and flags: proof that dockerd read the file we wrote.',
    concepts: ['containerd-vs-docker'],
  },
  {
    id: 'configure-containerd',
    title: 'Add the runsc runtime to containerd',
    what: "Adds a runtimes.runsc table to the config.toml containerd reads, plus runsc.toml (for gVisor's shim) or a small wrapper (for the runc shim). Comments and layout stay.",
    why: 'containerd runs a container through the shim its runtime_type names. This table ties the name runsc to a shim and runsc flags. The CRI plugin reads it, and a RuntimeClass handler points at this name.',
    concepts: ['shims', 'cri-plugin', 'runtimeclass', 'containerd-vs-docker'],
  },
  {
    id: 'restart-containerd',
    title: 'Restart containerd so it reads the new config',
    what: 'Restarts containerd only when its config file is newer than the running process, then reads `containerd config dump`.',
    why: 'containerd reads config.toml only at start; it has no reload. Running containers survive: their shims are separate processes. The dump shows the effective config, imports included, and it must list runsc.',
    concepts: ['shims', 'cri-plugin'],
  },
  {
    id: 'crictl-endpoint',
    title: 'Point crictl at containerd',
    what: "Sets runtime-endpoint and image-endpoint in /etc/crictl.yaml to this containerd's socket. Other lines stay.",
    why: 'crictl speaks CRI, the API the kubelet uses, so it shows pods and containers as Kubernetes sees them (namespace k8s.io). Without an endpoint it probes several sockets and warns.',
    concepts: ['cri-plugin'],
  },
  {
    id: 'install-nerdctl',
    title: 'Install nerdctl (and the CNI plugins)',
    what: 'Only with --nerdctl-version: installs nerdctl into --install-dir and, with --cni-version, the CNI plugins into /opt/cni/bin. Every archive is sha256-checked.',
    why: 'containerd has no friendly CLI (ctr is a debugging tool). nerdctl gives it docker-style commands, so you can start containers under runsc by hand. The CNI plugins give those containers a network.',
    concepts: ['containerd-vs-docker', 'network-modes'],
  },
  {
    id: 'isolation-check',
    title: 'Prove that workloads run inside gVisor',
    what: 'Starts a throw-away container that runs `sleep <random number>`, collects evidence, and removes it. Nothing else changes.',
    why: "A container that starts proves nothing: runc starts it too. Under gVisor its processes live in the Sentry: the marker is seen inside, not in the host's /proc, and dmesg shows gVisor. All must hold, else FAIL.",
    concepts: ['isolation-evidence', 'runc-vs-runsc'],
  },
  {
    id: 'kube-prepare-host',
    title: 'Prepare the host for Kubernetes (swap, modules, sysctls)',
    what: 'Turns swap off (and comments out its /etc/fstab lines), loads overlay and br_netfilter, writes modules-load.d and sysctl.d files, applies them and reads /proc/sys back.',
    why: "These are the kubelet's and the pod network's needs, not gVisor's: the kubelet refuses swap by default, and pod traffic must pass iptables on bridges and be forwarded. A node that fails here never runs a pod.",
    concepts: ['node-prep'],
  },
  {
    id: 'kube-containerd-cri',
    title: "Match containerd's cgroup driver to the kubelet and enable its CRI plugin",
    what: 'Sets SystemdCgroup for runc and runsc, and systemd-cgroup in runsc.toml, to match the kubelet; removes cri from disabled_plugins; restarts containerd.',
    why: "The kubelet and the runtime must make pod cgroups the same way, or pods fail or escape the kubelet's limits. The kubelet reaches containerd only through the CRI plugin, which docker's package turns off.",
    concepts: ['cgroup-drivers', 'cri-plugin'],
  },
  {
    id: 'kube-preflight',
    title: 'Preflight checks before kubeadm join',
    what: 'Nothing: it only checks root, swap, modules, sysctls, port 10250, hostname, the CRI plugin, runsc in the effective config, versions, and that the node has not joined yet.',
    why: 'kubeadm join can fail halfway on any of these, and a half-joined node is slow to clean up. Checking first turns a cryptic failure into one named fix.',
    concepts: ['cri-plugin', 'node-prep'],
  },
  {
    id: 'kube-kubelet-flags',
    title: 'Kubelet settings: node label, taint, no removed flags',
    what: 'Adds the node label (and the optional taint) to KUBELET_EXTRA_ARGS in /etc/default/kubelet; removes --container-runtime from kubeadm-flags.env.',
    why: "The RuntimeClass sends gVisor pods only to nodes with this label: a node without runsc would fail them. The kubelet sets its own labels when it registers, with no admin key. kubelet 1.27+ will not start with --container-runtime.",
    concepts: ['runtimeclass'],
  },
  {
    id: 'kube-join',
    title: 'Join the cluster (kubeadm join)',
    what: 'Runs your kubeadm join line (parsed, never through a shell) with --cri-socket for this containerd. The token and CA hash are masked everywhere.',
    why: 'Joining makes this machine a node the scheduler can use. --cri-socket makes the kubelet talk to the containerd that has runsc, not to another runtime it might find first.',
    concepts: ['cri-plugin'],
  },
  {
    id: 'kube-runtimeclass',
    title: 'RuntimeClass and test pod',
    what: 'With --kubeconfig: applies a RuntimeClass and a test pod. Without: writes both to the state dir and shows the kubectl commands to run on the control plane.',
    why: "Pods choose gVisor by runtimeClassName. The RuntimeClass maps it to a handler, the runtime name in containerd's config (runsc), and its nodeSelector keeps such pods on labelled nodes.",
    concepts: ['runtimeclass', 'cri-plugin'],
  },
  {
    id: 'kube-pod-check',
    title: 'Prove that the test pod runs inside gVisor',
    what: "Nothing on this node: it reads evidence here (the pod's containers in k8s.io, a runsc sandbox naming them, host processes). With --kubeconfig it also reads dmesg in the pod, then deletes the pod.",
    why: 'A Running pod may still be on runc if the handler or the label is wrong. Same rule as the container check: the sleep marker must be invisible on the host, and a gVisor sandbox must host the pod.',
    concepts: ['isolation-evidence', 'runtimeclass'],
  },
];

const STEP_BY_ID = new Map(STEP_WHY.map((w) => [w.id, w]));
const CONCEPT_BY_ID = new Map(CONCEPTS.map((c) => [c.id, c]));

export function whyTextFor(stepId: string): WhyText | undefined {
  return STEP_BY_ID.get(stepId);
}

export function conceptNote(id: string): ConceptNote | undefined {
  return CONCEPT_BY_ID.get(id);
}

/** The steps whose why-text points to a concept, in step order. */
export function stepsUsing(conceptId: string): WhyText[] {
  return STEP_WHY.filter((w) => w.concepts.includes(conceptId));
}
