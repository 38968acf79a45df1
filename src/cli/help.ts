// Help texts. Kept apart so `--help` loads nothing else.

export const MAIN_HELP = `gvisor-wizard: put a docker or containerd host behind gVisor (runsc) and prove it

Usage:
  gvisor-wizard [tui] [options]        interactive wizard (needs a terminal)
  gvisor-wizard apply --runtime docker --yes [options]
                                       run every step headless; exit 0 only when isolated
  gvisor-wizard apply --runtime containerd --yes [options]
  gvisor-wizard plan --runtime docker [options]
                                       show what would change (diffs, commands); change nothing
  gvisor-wizard check --runtime docker [--image IMG]
                                       only the isolation check (exit 0 = isolated)
  gvisor-wizard detect [--json]        print what was detected on this machine

Coming back to a machine:
  gvisor-wizard steps [--json]         every step: done / needed / not applicable now, and
                                       its last result with when
  gvisor-wizard run <step-id> [--yes]  rerun one step alone (re-checks first: a step that is
                                       done says so and changes nothing)
  gvisor-wizard resume [--yes]         continue an interrupted run (Ctrl-C, kill, reboot) at
                                       its first unfinished step, same answers and release
  gvisor-wizard undo [--step ID] [--yes] [--force]
                                       put back every file the wizard changed, remove what it
                                       installed, reload the engines; newest change first
  gvisor-wizard logs [--last]          list the log files (one per run); print the newest

Learning and troubleshooting:
  gvisor-wizard explain [STEP|TOPIC]   why each step exists: what it changes, why gVisor
                                       needs it (runc vs runsc, shims, RuntimeClass, ...)
  gvisor-wizard doctor [--json]        collect versions, effective configs and daemon logs;
                                       name known failures with their fix (changes nothing)
  gvisor-wizard report [--format md|json] [-o FILE]
                                       what was done on this node and the isolation evidence
  gvisor-wizard <command> --help       help for one command

Runtime source (install step):
  --release R          latest (default), nightly, or a pinned YYYYMMDD[.N]
  --mirror URL         replaces https://storage.googleapis.com/gvisor/releases
                       (same layout below it: URL/release/latest/x86_64/runsc)
  --from-dir DIR       air-gapped: DIR holds runsc + runsc.sha512 (and the shim),
                       or gvisor.tar.bz2 + gvisor.tar.bz2.sha512
  --install-dir DIR    where runsc is installed (default /usr/local/bin)

Docker configuration:
  --runtime E          the engine to configure: docker (default) or containerd
  --runtime-name NAME  runtime name in daemon.json (default runsc)
  --runtime-arg ARG    a runsc flag for runtimeArgs, repeatable
                       (e.g. --runtime-arg=--platform=kvm --runtime-arg=--network=host)
  --default-runtime    also make it docker's default-runtime
  --docker-host URL    the daemon to configure (default $DOCKER_HOST or unix:///var/run/docker.sock)
  --docker-config FILE daemon.json path when dockerd is not running to tell (default: its
                       --config-file, else /etc/docker/daemon.json)
  --treat-empty-as-object  consent to treat a 0-byte daemon.json as {} (backed up first)
  --service-manager M  auto (default), systemd, or none (reload with SIGHUP)

containerd configuration:
  --containerd-socket P  the containerd to configure (default /run/containerd/containerd.sock)
  --containerd-config F  its config.toml when it is not running (default: its --config,
                       else /etc/containerd/config.toml)
  --shim S             auto (default), runsc (containerd-shim-runsc-v1) or runc (containerd's
                       runc shim running runsc through a wrapper)
  --systemd-cgroup     also set runc's SystemdCgroup = true
  --namespace NS       containerd namespace for the check (default default)
  --crictl-config F    crictl's config file (default /etc/crictl.yaml)
  --sandbox-image IMG  optional: also set the CRI pause image (version 2 sandbox_image,
                       version 3 pinned_images.sandbox)
  --registry-mirror REGISTRY=URL
                       optional: also add an http(s) mirror for REGISTRY to registry.mirrors
                       (version 2 files on containerd 1.x only; refused when config_path is
                       set, and for containerd 2.x: use hosts.toml under config_path)

nerdctl (optional, containerd; skipped unless --nerdctl-version is given):
  --nerdctl-version V  install nerdctl V into --install-dir (sha256 from SHA256SUMS)
  --cni-version V      also install the CNI plugins V into /opt/cni/bin
  --nerdctl-mirror URL replaces https://github.com for both (same layout: URL/containerd/
                       nerdctl/releases/download/vV/...); --from-dir DIR works too

Kubernetes node (after containerd; needs --runtime containerd):
  --kubernetes         also prepare this node and join it: swap off, overlay/br_netfilter,
                       sysctls, cgroup driver, CRI plugin, preflight, kubeadm join,
                       RuntimeClass + test pod, pod isolation check
  --join LINE | -      the \`kubeadm join ...\` line (kubeadm token create --print-join-command);
                       "-" reads it from standard input (argv is visible to every user)
  --kubeconfig F       admin kubeconfig: apply the RuntimeClass and test pod here; without it
                       they are written to STATE-DIR/gvisor-runtimeclass.yaml for the control plane
  --node-label K=V     label the kubelet sets at registration (default gvisor.dev/runsc=true)
  --node-taint K=V:E   optional taint set at registration (E: NoSchedule, PreferNoSchedule, NoExecute)
  --runtime-class NAME RuntimeClass name (default gvisor; its handler is --runtime-name)
  --control-plane-host "IP NAME"  optional /etc/hosts entry for the API endpoint
  --kube-root DIR      read/write the node's files and kernel views (/proc/sys, /proc/swaps)
                       below DIR (practice runs, tests); containerd is not affected

Isolation check:
  --image IMG          image for the check container (default busybox:latest; must have
                       sleep, ps, dmesg, uname)
  --check-timeout S    seconds the whole check may take (default 120)

Global:
  -y, --yes            apply every step without asking (headless)
  --answers FILE       take the answers from a TOML answers file (flags still win)
  --save-answers FILE  write this run's answers there, to replay on the next worker
  --dry-run            TUI: show every step's plan, change nothing (headless: plan)
  --lab                show each step's commands and diffs first; do them by hand and
                       let the wizard check, or let the wizard do them
  --practice           walk the docker path against stand-in engines under --root DIR
                       (default /tmp/gvisor-wizard-practice-<user>); changes nothing else
  --root DIR           treat DIR as / for every file read or written (labs, tests)
  --state-dir DIR      backups and state (default /var/lib/gvisor-wizard)
  --log-dir DIR        log files (default /var/log/gvisor-wizard)
  --json               machine-readable output (detect, plan, apply, check, steps, undo)
  --no-color           no colors (NO_COLOR is honoured too)
  -v, --verbose        more detail on the console
  -h, --help           this help;  -V, --version  the version

Exit codes: 0 ok, 1 a step or the isolation check failed, 2 usage error, 130 interrupted.
`;

export const COMMAND_HELP: Record<string, string> = {
  apply: `gvisor-wizard apply --runtime docker --yes [source options] [docker options] [--image IMG]

Runs every step of the docker path without a terminal UI, printing the same live logs:
  install-runsc      download runsc for this arch, verify sha512, install it
  configure-docker   merge runtimes.runsc into the daemon.json dockerd reads
  reload-docker      reload dockerd (systemctl reload docker, or SIGHUP) and confirm
  isolation-check    prove a container under runsc runs inside gVisor
Steps already in the wanted state are skipped. Without --yes, apply asks before each
step when a terminal is attached and refuses to run otherwise.
Exit 0 only when the isolation check passes. See gvisor-wizard --help for all options.
`,
  plan: `gvisor-wizard plan --runtime docker [options]

Prints, for every step, whether it is already done and otherwise the unified diff of each
file and each command (argv) it would run. Changes nothing on the machine. --json for a
machine-readable plan. Exit 0 when a plan could be made, 1 when a step is blocked (for
example an invalid daemon.json), 2 on usage errors.
`,
  check: `gvisor-wizard check --runtime docker [--image IMG] [--runtime-name NAME]
       gvisor-wizard check --runtime containerd --kubernetes [--kubeconfig F]

Runs only the isolation check: starts a throw-away container under the runtime with a
unique marker (sleep <number>), and requires: the marker runs inside, it is absent from
the host's process list, dmesg inside shows gVisor, and docker reports the runtime.
The container is always removed. Exit 0 = isolated, 1 = not proven or ran on the host.
With --kubernetes: checks the test pod (from STATE-DIR/gvisor-runtimeclass.yaml) on this node
instead: its marker absent from the host, a runsc sandbox hosting its containers.
`,
  detect: `gvisor-wizard detect [--json]

Prints what the wizard detects: distro, arch, kernel, init system, cgroup version, root,
/dev/kvm, docker (version, running, runtimes, daemon.json), containerd and runsc.
`,
  steps: `gvisor-wizard steps [--runtime E] [--json]

Lists every step of the path with what a rerun would find on this machine now (done,
needed, not applicable, blocked; the isolation check runs each time) and its last recorded
result with when ("failed 2026-12-03 18:40 UTC (5 min ago)"). Changes nothing. The engine and
answers of the last run are used unless flags say otherwise.
`,
  run: `gvisor-wizard run <step-id> [--yes] [options]

Reruns one step alone with the answers of the last run (flags override them): it checks the
machine first, and a step already in the wanted state says so and changes nothing. Otherwise
it shows the plan and asks (or --yes). Step ids: gvisor-wizard steps.
`,
  resume: `gvisor-wizard resume [--yes]

Continues the last run that was interrupted (Ctrl-C, kill, crash, reboot) at its first
unfinished step, with the same answers and the same runsc build (when \`latest\` moved to
another build meanwhile it stops and says so). A join line is never stored: give it again
with --join -.
`,
  undo: `gvisor-wizard undo [--step ID] [--yes] [--force] [--json]

Puts back every file the wizard changed, from its backups, newest change first; removes
files and folders it created and binaries it installed; then reloads docker / restarts
containerd when their config was restored, and checks they answer. A file someone changed
after the wizard wrote it is left alone (asked on a terminal; --force overwrites it).
--step ID undoes only that step's changes. Exit 0 when everything was put back.
`,
  logs: `gvisor-wizard logs [--last] [--log-dir DIR]

Lists the log files, one per run (timestamps, every command's argv, exit code and full
output; secrets masked). --last prints the newest one.
`,
  explain: `gvisor-wizard explain [STEP|TOPIC] [--json]

Without a topic: every step and concept with one line each. With a step id (install-runsc,
configure-docker, ...) or a concept (runc-vs-runsc, shims, runtimeclass, ...): what the step
changes and why the sandbox needs it. Reads nothing from the machine.
`,
  doctor: `gvisor-wizard doctor [--json] [--verbose] [engine options]

Collects (read-only, like plan) engine and runsc versions, the effective configs (docker info,
containerd config dump), the kubelet's settings and recent daemon log lines, and matches them
against known failures, each with its cause and fix. Exit 0 when none matched, 1 when some did.
It also runs by itself when a step or the check fails.
`,
  tui: `gvisor-wizard [tui] [options]

The interactive wizard: welcome with detected facts, engine choice, then each step with
its plan (diffs, commands) and a confirm, live logs, the isolation check and a summary.
Keys: arrows/Enter to choose, y/Enter apply, n skip, q or Ctrl-C quit. Accepts the same
options as apply (they become the answers).
`,
};
