// The Kubernetes node path, after the containerd steps. Order matters:
//   host prep (swap, modules, sysctls) → containerd for the kubelet (cgroup driver, CRI enabled,
//   restart) → preflight (checks what the first two fixed, and the rest) → kubelet settings (label,
//   taint, no removed flags) → kubeadm join → RuntimeClass + test pod → pod isolation check.

import type { Step } from '../../steps/step.js';
import { cgroupDriverStep } from './cgroup-driver.js';
import { joinStep } from './join.js';
import { kubeletFlagsStep } from './kubelet-flags.js';
import { podCheckStep } from './pod-check.js';
import { preflightStep } from './preflight.js';
import { prepareHostStep } from './prepare-host.js';
import { runtimeClassStep } from './runtimeclass.js';

export { cgroupDriverStep, joinStep, kubeletFlagsStep, podCheckStep, preflightStep, prepareHostStep, runtimeClassStep };

export function kubernetesSteps(): Step[] {
  return [prepareHostStep, cgroupDriverStep, preflightStep, kubeletFlagsStep, joinStep, runtimeClassStep, podCheckStep];
}
