// The questions the TUI asks after the engine choice. Each is also a flag, so a question
// whose flag was given is not asked, and a headless run never needs them.

import type { Facts } from '../detect/facts.js';
import type { WizardOptions } from './options.js';
import type { EngineName, QuestionView } from './state.js';
import { parseJoinCommand } from '../kube/join.js';

export interface Question extends QuestionView {
  /** Fold the answer into the options; throws with a message the operator can act on. */
  apply(options: WizardOptions, value: string): void;
  /** Asked only when this holds for the answers so far. */
  onlyIf?: (options: WizardOptions) => boolean;
}

/** An answer is explicit: "sandbox"/"default" mean no flag, not "keep what the file has". */
function addArg(o: WizardOptions, arg: string | undefined): void {
  o.runtimeArgs = [...(o.runtimeArgs ?? []), ...(arg ? [arg] : [])];
}

export function runscQuestions(facts: Facts, explicit: ReadonlySet<string>, engine: EngineName = 'docker', runtimeName = 'runsc'): Question[] {
  const qs: Question[] = [];
  if (!explicit.has('runtime-arg')) {
    qs.push({
      id: 'network',
      prompt: 'Network for sandboxed containers?',
      help: 'gVisor\'s own network stack isolates the most. Old runsc builds (Debian\'s 2022/2024) cannot start with it on kernel 6.x; host shares the host\'s network stack (syscalls stay isolated), none gives no network.',
      options: [
        { value: 'sandbox', label: 'sandbox - gVisor network stack (default, strongest)' },
        { value: 'host', label: 'host - --network=host (needed by old runsc on new kernels)' },
        { value: 'none', label: 'none - --network=none (no network at all)' },
      ],
      initial: 0,
      apply: (o, v) => addArg(o, v === 'sandbox' ? undefined : `--network=${v}`),
    });
    if (facts.kvm) {
      qs.push({
        id: 'platform',
        prompt: 'Platform that runs the sandbox?',
        help: '/dev/kvm exists here: the kvm platform uses hardware virtualisation and is often faster; the default needs nothing special.',
        options: [
          { value: 'default', label: 'default - runsc\'s built-in choice (systrap or ptrace)' },
          { value: 'kvm', label: 'kvm - --platform=kvm' },
        ],
        initial: 0,
        apply: (o, v) => addArg(o, v === 'kvm' ? '--platform=kvm' : undefined),
      });
    }
  }
  if (engine === 'containerd' && !explicit.has('systemd-cgroup')) {
    qs.push({
      id: 'systemd-cgroup',
      prompt: 'Let runc use the systemd cgroup driver (SystemdCgroup = true)?',
      help: 'Kubernetes nodes whose kubelet uses the systemd cgroup driver (the default since kubeadm 1.22) need this; a plain containerd host does not.',
      options: [
        { value: 'no', label: 'no - leave the cgroup driver as it is' },
        { value: 'yes', label: 'yes - SystemdCgroup = true for runc (and runsc)' },
      ],
      initial: 0,
      apply: (o, v) => { o.systemdCgroup = v === 'yes'; },
    });
  }
  if (engine === 'containerd' && !explicit.has('kubernetes')) {
    qs.push({
      id: 'kubernetes',
      prompt: 'Go on to Kubernetes: join this node to a cluster?',
      help: 'Prepares the node (swap, modules, sysctls, cgroup driver), runs your kubeadm join with a node label, writes the RuntimeClass, and proves a pod runs in gVisor.',
      options: [
        { value: 'no', label: 'no - containerd only' },
        { value: 'yes', label: 'yes - prepare, join and prove a pod' },
      ],
      initial: 0,
      apply: (o, v) => { o.kubernetes = v === 'yes'; },
    });
  }
  if (engine === 'containerd' && !explicit.has('join')) {
    qs.push({
      id: 'join',
      kind: 'text',
      secret: true,
      onlyIf: (o) => o.kubernetes,
      prompt: 'Paste the join command (kubeadm token create --print-join-command on a control-plane node):',
      help: 'It is checked before anything runs; the token and CA hash are masked everywhere and never stored. A line ending in \\ continues on the next one.',
      options: [],
      initial: 0,
      apply: (o, v) => {
        parseJoinCommand(v); // throws JoinParseError (masked) on a bad line
        o.join = v;
      },
    });
  }
  if (engine === 'docker' && !explicit.has('default-runtime')) {
    qs.push({
      id: 'default-runtime',
      prompt: `Make ${runtimeName} docker's default runtime?`,
      help: 'Yes sets "default-runtime" in daemon.json: every container without --runtime then runs in gVisor, including ones that may need features gVisor lacks.',
      options: [
        { value: 'no', label: `no - only containers started with --runtime=${runtimeName}` },
        { value: 'yes', label: 'yes - every new container' },
      ],
      initial: 0,
      apply: (o, v) => { o.makeDefault = v === 'yes'; },
    });
  }
  return qs;
}
