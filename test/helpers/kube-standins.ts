// Stand-ins for the Kubernetes tools a worker has but a test machine must not run for real:
// kubeadm, kubelet, kubectl, swapoff, modprobe, sysctl. Small POSIX sh scripts that append their
// argv (one call per line, words separated by TAB) to DIR/calls and their environment to
// DIR/calls.env, and answer like the real ones. swapoff/modprobe/sysctl act on a fake node root
// (the wizard's --kube-root): ROOT/proc/swaps, ROOT/proc/modules, ROOT/proc/sys/...
//
// kubectl can be "ctr-backed": `apply -f -` then starts a real container for the test pod in
// containerd's k8s.io namespace (with the CRI pod-name label, through the runsc wrapper), `exec`
// runs in it, `delete pod` removes it, `get pod` reports its task state — so the node-side pod
// check sees a real gVisor sandbox.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { shQuote } from './private-containerd.js';

export interface KubeStandinOptions {
  /** The fake node root (the wizard's --kube-root). */
  root: string;
  /** `kubelet --version` prints `Kubernetes <this>` (default v1.30.2). */
  kubeletVersion?: string;
  kubeadmBehaviour?: 'ok' | 'expired-token' | 'multiple-cri';
  kubectl?: {
    /** Phase printed by `get pod -o jsonpath` when not ctr-backed (default Running). */
    podPhase?: string;
    /** Start a real container for the pod. */
    ctr?: { bin: string; socket: string; image: string; runcBinary: string };
  };
}

export interface KubeStandins {
  bin: string;
  callsFile: string;
  /** Each call: [name, ...argv]. */
  calls(): string[][];
  env(): string;
}

const LOG = String.raw`
printf '%s' "$(basename "$0")" >> "$CALLS"
for a in "$@"; do printf '\t%s' "$a" >> "$CALLS"; done
printf '\n' >> "$CALLS"
{ printf '== %s\n' "$(basename "$0")"; env; } >> "$CALLS.env"
`;

function script(dir: string, name: string, vars: Record<string, string>, body: string): void {
  const path = join(dir, name);
  writeFileSync(path, ['#!/bin/sh', `# ${name} stand-in for gvisor-wizard tests (test/helpers/kube-standins.ts)`, ...Object.entries(vars).map(([k, v]) => `${k}=${shQuote(v)}`), LOG.trim(), body.trim(), ''].join('\n'), { mode: 0o755 });
  chmodSync(path, 0o755);
}

export function makeKubeStandins(dir: string, opts: KubeStandinOptions): KubeStandins {
  mkdirSync(dir, { recursive: true });
  const callsFile = join(dir, 'calls');
  writeFileSync(callsFile, '', { flag: 'a' });
  const version = opts.kubeletVersion ?? 'v1.30.2';
  const base = { CALLS: callsFile, ROOT: opts.root };

  script(dir, 'swapoff', base, String.raw`
[ "$1" = -a ] || { echo "swapoff: usage" >&2; exit 1; }
printf 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n' > "$ROOT/proc/swaps"
`);

  script(dir, 'modprobe', base, String.raw`
m=$1
[ -n "$m" ] || { echo "modprobe: ERROR: missing parameters" >&2; exit 1; }
grep -q "^$m " "$ROOT/proc/modules" 2>/dev/null || echo "$m 16384 0 - Live 0x0000000000000000" >> "$ROOT/proc/modules"
if [ "$m" = br_netfilter ]; then
  mkdir -p "$ROOT/proc/sys/net/bridge"
  for k in bridge-nf-call-iptables bridge-nf-call-ip6tables bridge-nf-call-arptables; do
    [ -f "$ROOT/proc/sys/net/bridge/$k" ] || echo 0 > "$ROOT/proc/sys/net/bridge/$k"
  done
fi
`);

  // sysctl --system: every ROOT/etc/sysctl.d/*.conf in order; a key whose /proc/sys file is missing fails like the real one.
  script(dir, 'sysctl', base, String.raw`
apply_file() {
  echo "* Applying ${"$"}{1#$ROOT} ..."
  while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in ''|'#'*|';'*) continue ;; esac
    key=$(printf '%s' "${"$"}{line%%=*}" | tr -d ' \t')
    val=$(printf '%s' "${"$"}{line#*=}" | sed 's/^[ \t]*//; s/[ \t]*$//')
    p="$ROOT/proc/sys/$(printf '%s' "$key" | tr . /)"
    if [ -d "$(dirname "$p")" ]; then echo "$val" > "$p"; echo "$key = $val"; else echo "sysctl: cannot stat /proc/sys/$(printf '%s' "$key" | tr . /): No such file or directory" >&2; rc=1; fi
  done < "$1"
}
rc=0
case "$1" in
  --system) for f in "$ROOT"/etc/sysctl.d/*.conf; do [ -f "$f" ] && apply_file "$f"; done ;;
  -p) apply_file "$ROOT${"$"}{2#$ROOT}" ;;
  *) echo "sysctl stand-in: unsupported $*" >&2; exit 2 ;;
esac
exit $rc
`);

  script(dir, 'kubelet', { ...base, VERSION: version }, String.raw`
case "$1" in --version) echo "Kubernetes $VERSION"; exit 0 ;; esac
echo "kubelet stand-in: not a daemon here" >&2; exit 1
`);

  script(dir, 'kubeadm', { ...base, VERSION: version, BEHAVIOUR: opts.kubeadmBehaviour ?? 'ok' }, String.raw`
case "$1" in
  version) echo "$VERSION"; exit 0 ;;
  join) ;;
  *) echo "kubeadm stand-in: unsupported $*" >&2; exit 1 ;;
esac
shift
endpoint=$1
cri=
prev=
for a in "$@"; do [ "$prev" = --cri-socket ] && cri=$a; prev=$a; done
# A device to prove masking of streamed output: real kubeadm prints the token at high --v levels.
echo "I0612 10:00:00.000000    4242 join.go:416] [preflight] join arguments: $*" >&2
echo "[preflight] Running pre-flight checks"
if [ "$BEHAVIOUR" = multiple-cri ] && [ -z "$cri" ]; then
  echo "error execution phase preflight: [preflight] Some fatal errors occurred:" >&2
  echo "Found multiple CRI endpoints on the host. Please define which one do you wish to use by setting the 'criSocket' field in the kubeadm configuration file: unix:///var/run/containerd/containerd.sock, unix:///var/run/cri-dockerd.sock" >&2
  echo "To see the stack trace of this error execute with --v=5 or higher" >&2
  exit 1
fi
if [ "$BEHAVIOUR" = expired-token ]; then
  id=$(printf '%s\n' "$@" | sed -n 's/^\([a-z0-9]\{6\}\)\.[a-z0-9]\{16\}$/\1/p' | head -n1)
  echo "error execution phase preflight: couldn't validate the identity of the API Server: could not find a JWS signature in the cluster-info ConfigMap for token ID \"$id\"" >&2
  echo "To see the stack trace of this error execute with --v=5 or higher" >&2
  exit 1
fi
echo "[preflight] Reading configuration from the cluster..."
echo "[preflight] FYI: You can look at this config file with 'kubectl -n kube-system get cm kubeadm-config -o yaml'"
mkdir -p "$ROOT/var/lib/kubelet" "$ROOT/etc/kubernetes/pki"
printf 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriver: systemd\n' > "$ROOT/var/lib/kubelet/config.yaml"
echo "[kubelet-start] Writing kubelet configuration to file \"/var/lib/kubelet/config.yaml\""
printf 'KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=%s --pod-infra-container-image=registry.k8s.io/pause:3.9"\n' "$cri" > "$ROOT/var/lib/kubelet/kubeadm-flags.env"
echo "[kubelet-start] Writing kubelet environment file with flags to file \"/var/lib/kubelet/kubeadm-flags.env\""
echo "[kubelet-start] Starting the kubelet"
printf 'apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    server: https://%s\n  name: default-cluster\n' "$endpoint" > "$ROOT/etc/kubernetes/kubelet.conf"
echo "[kubelet-start] Waiting for the kubelet to perform the TLS Bootstrap..."
echo ""
echo "This node has joined the cluster:"
echo "* Certificate signing request was sent to apiserver and a response was received."
echo "* The Kubelet was informed of the new secure connection details."
echo ""
echo "Run 'kubectl get nodes' on the control-plane to see this node join the cluster."
`);

  const k = opts.kubectl ?? {};
  script(dir, 'kubectl', {
    ...base,
    PHASE: k.podPhase ?? 'Running',
    CTR: k.ctr?.bin ?? '',
    SOCK: k.ctr?.socket ?? '',
    IMAGE: k.ctr?.image ?? '',
    RUNC_BINARY: k.ctr?.runcBinary ?? '',
    STATE: dir,
  }, String.raw`
[ "$1" = --kubeconfig ] && shift 2
ctr_() { "$CTR" --address "$SOCK" -n k8s.io "$@"; }
case "$1" in
  apply)
    cat > "$STATE/kubectl-applied.yaml"
    name=$(sed -n '/^kind: Pod/,$ s/^  name: \(.*\)$/\1/p' "$STATE/kubectl-applied.yaml" | head -n1)
    marker=$(sed -n 's/^    - "\([0-9]*\)"$/\1/p' "$STATE/kubectl-applied.yaml" | head -n1)
    rc=$(sed -n '/^kind: RuntimeClass/,/^---/ s/^  name: \(.*\)$/\1/p' "$STATE/kubectl-applied.yaml" | head -n1)
    echo "runtimeclass.node.k8s.io/$rc created"
    if [ -n "$CTR" ]; then
      ctr_ run -d --label "io.kubernetes.pod.name=$name" --label io.kubernetes.pod.namespace=default --runtime io.containerd.runc.v2 --runc-binary "$RUNC_BINARY" "$IMAGE" "$name-check" sleep "$marker" >/dev/null || exit 1
    fi
    echo "pod/$name created" ;;
  get)
    if [ "$2" = pod ] && [ -n "$CTR" ]; then
      if ctr_ task ls | grep -q "^$3-check .*RUNNING"; then printf Running; else printf Pending; fi
    elif [ "$2" = pod ]; then printf '%s' "$PHASE"
    else echo "kubectl stand-in: unsupported get $*" >&2; exit 1; fi ;;
  exec)
    name=$2
    while [ $# -gt 0 ] && [ "$1" != -- ]; do shift; done; shift
    if [ -n "$CTR" ]; then ctr_ task exec --exec-id "kx-$$" "$name-check" "$@"
    else echo "[    0.000000] Starting gVisor..."; fi ;;
  delete)
    name=$3
    if [ -n "$CTR" ]; then ctr_ task kill -s SIGKILL "$name-check" >/dev/null 2>&1; sleep 1; ctr_ task rm -f "$name-check" >/dev/null 2>&1; ctr_ containers rm "$name-check" >/dev/null 2>&1; fi
    echo "pod \"$name\" deleted" ;;
  *) echo "kubectl stand-in: unsupported $*" >&2; exit 1 ;;
esac
`);

  return {
    bin: dir,
    callsFile,
    calls: () => readFileSync(callsFile, 'utf8').split('\n').filter(Boolean).map((l) => l.split('\t')),
    env: () => { try { return readFileSync(`${callsFile}.env`, 'utf8'); } catch { return ''; } },
  };
}

/** A fake node root: /etc/fstab (given), /proc/swaps with the given swap, empty /proc/modules, ip_forward 0, /etc/hosts. */
export function makeNodeRoot(root: string, opts: { fstab?: string; swaps?: string[]; hostname?: string } = {}): void {
  for (const d of ['etc', 'proc/sys/net/ipv4', 'proc/net']) mkdirSync(join(root, d), { recursive: true });
  if (opts.fstab !== undefined) writeFileSync(join(root, 'etc/fstab'), opts.fstab);
  writeFileSync(join(root, 'proc/swaps'), `Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n${(opts.swaps ?? []).map((s) => `${s}                               file\t\t4194300\t\t0\t\t-2\n`).join('')}`);
  writeFileSync(join(root, 'proc/modules'), 'ext4 1044480 1 - Live 0x0000000000000000\n');
  writeFileSync(join(root, 'proc/sys/net/ipv4/ip_forward'), '0\n');
  writeFileSync(join(root, 'proc/net/tcp'), '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0000000000000000 100 0 0 10 0\n');
  const host = opts.hostname ?? 'worker-1';
  writeFileSync(join(root, 'etc/hostname'), `${host}\n`);
  writeFileSync(join(root, 'etc/hosts'), `127.0.0.1\tlocalhost\n127.0.1.1\t${host}\n`);
}
