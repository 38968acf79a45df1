// The questions the TUI asks after the engine choice. Each is also a flag, so a question
// whose flag was given is not asked, and a headless run never needs them.

import type { Facts } from '../detect/facts.js';
import type { WizardOptions } from './options.js';
import type { EngineName, QuestionView } from './state.js';

export interface Question extends QuestionView {
  /** Fold the answer into the options. */
  apply(options: WizardOptions, value: string): void;
}

/** An answer is explicit: "sandbox"/"default" mean no flag, not "keep what the file has". */
function addArg(o: WizardOptions, arg: string | undefined): void {
  o.runtimeArgs = [...(o.runtimeArgs ?? []), ...(arg ? [arg] : [])];
}

export function runscQuestions(facts: Facts, explicit: ReadonlySet<string>, engine: EngineName = 'docker'): Question[] {
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
  if (engine === 'docker' && !explicit.has('default-runtime')) {
    qs.push({
      id: 'default-runtime',
      prompt: 'Make runsc docker\'s default runtime?',
      help: 'Yes sets "default-runtime" in daemon.json: every container without --runtime then runs in gVisor, including ones that may need features gVisor lacks.',
      options: [
        { value: 'no', label: 'no - only containers started with --runtime=runsc' },
        { value: 'yes', label: 'yes - every new container' },
      ],
      initial: 0,
      apply: (o, v) => { o.makeDefault = v === 'yes'; },
    });
  }
  return qs;
}
