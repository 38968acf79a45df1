// Evidence helpers shared by the engine-specific isolation checks.

import type { Host, ProcessInfo } from '../host/host.js';
import type { RunLog } from '../log/run-log.js';
import type { Problem } from '../wizard/state.js';

/** Host processes whose argv contains `needle` as consecutive elements. */
export async function hostProcessesWithMarker(host: Host, needle: readonly string[]): Promise<ProcessInfo[]> {
  return processesWithMarker(await host.listProcesses(), needle);
}

/** The processes of a list (the host's) whose argv contains `needle` in a row; never this process. */
export function processesWithMarker(procs: readonly ProcessInfo[], needle: readonly string[]): ProcessInfo[] {
  return procs.filter((p) => p.pid !== process.pid && containsRun(p.argv, needle));
}

function containsRun(argv: readonly string[], needle: readonly string[]): boolean {
  outer: for (let i = 0; i + needle.length <= argv.length; i++) {
    for (let j = 0; j < needle.length; j++) {
      const a = j === 0 ? argv[i]!.split('/').pop() : argv[i + j];
      if (a !== needle[j]) continue outer;
    }
    return true;
  }
  return false;
}

/** runsc processes (sandbox, gofer) and shims still naming a container that no longer exists. */
export async function killLeftoverSandboxes(host: Host, log: RunLog, containerId: string): Promise<number> {
  const procs = await host.listProcesses();
  const leftovers = procs.filter((p) => {
    const exe = (p.argv[0] ?? '').split('/').pop() ?? '';
    if (/^runsc(-sandbox|-gofer)?$/.test(exe)) return p.argv.some((a) => a.includes(containerId));
    // A start that failed inside the shim can leave the shim orphaned (its -id is the container's).
    return /^containerd-shim/.test(exe) && p.argv.some((a, i) => a === containerId && p.argv[i - 1] === '-id');
  });
  for (const p of leftovers) {
    try {
      await host.signal(p.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  if (leftovers.length) log.info(`removed ${leftovers.length} leftover runsc/shim process(es) of container ${containerId.slice(0, 12)}`);
  return leftovers.length;
}

export const ROOT_NETNS_ERROR = 'cannot run with network enabled in root network namespace';

/** Start failures people hit, each with its explanation (case D4 and friends). */
export function explainKnownStartFailure(output: string): Problem | undefined {
  if (output.includes(ROOT_NETNS_ERROR)) {
    return {
      what: 'runsc refused to start the sandbox: "cannot run with network enabled in root network namespace"',
      why: 'this runsc release is too old for this kernel: its sandbox network setup fails here (known with Debian\'s runsc 0.0~2022/2024 builds on kernel 6.x)',
      next: 'Either install a newer runsc (--release latest from the official bucket or a mirror), or pass --runtime-arg=--network=host (the sandbox then shares the host\'s network stack: gVisor still isolates syscalls, but not the network) or --runtime-arg=--network=none (no network at all), then rerun configure, reload and the check. The wizard never adds these silently.',
    };
  }
  if (/unknown or invalid runtime name/i.test(output)) {
    return { what: 'docker does not know the runtime', why: output.trim().split('\n').pop() ?? '', next: 'Rerun the configure and reload steps; check that dockerd reads the file the wizard wrote.' };
  }
  return undefined;
}
