// Which shim runs runsc: runsc's own containerd-shim-runsc-v1 when it is installed where
// containerd finds it, else containerd's runc shim with runsc as its binary (Debian's runsc
// package ships no shim). Each choice is explained in the plan.

import type { StepContext } from '../steps/step.js';
import { parseRelease } from '../release/channel.js';

export interface ShimChoice {
  kind: 'runsc' | 'runc';
  notes: string[];
  /** True when the runsc shim is installed where containerd finds it. */
  found?: boolean;
}

export const SHIM_BINARY = 'containerd-shim-runsc-v1';
const DEFAULT_SERVICE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export const RUNC_SHIM_DIFFERENCES =
  "containerd's runc shim runs runsc as if it were runc: every container gets a sandbox of its own (a Kubernetes pod's containers do not share one gVisor sandbox), runsc.toml is not read (the runsc flags live in a small wrapper script instead), and gVisor's shim features (its pod annotations, shim debug logs) are missing. Isolation of each container is the same.";

/** containerd 1.6 cannot run shims built from 2026-05 on. */
export function shimTooNewFor(containerdVersion: string | undefined, release: string): boolean {
  if (!/^1\.6\./.test(containerdVersion ?? '')) return false;
  try {
    const r = parseRelease(release);
    if (r.channel !== 'pinned') return true; // latest and nightly are newer than 2026-05 by now
    return r.name.slice(0, 8) >= '20260501';
  } catch {
    return false;
  }
}

/** containerd finds shims on its own PATH (the service's, not the operator's shell's). */
export function servicePathDirs(ctx: StepContext): string[] {
  return (ctx.facts.containerd.servicePath ?? DEFAULT_SERVICE_PATH).split(':').filter(Boolean);
}

export async function chooseShim(ctx: StepContext): Promise<ShimChoice> {
  const dirs = servicePathDirs(ctx);
  const installDir = ctx.options.installDir.replace(/\/+$/, '');
  let found: string | undefined;
  for (const d of [installDir, ...dirs]) {
    const s = await ctx.host.stat(`${d}/${SHIM_BINARY}`);
    if (s?.isFile) { found = `${d}/${SHIM_BINARY}`; break; }
  }
  const onPath = found !== undefined && dirs.includes(found.slice(0, found.lastIndexOf('/')));
  const tooNew = shimTooNewFor(ctx.facts.containerd.version, ctx.options.release);
  if (ctx.options.shim === 'runc') return { kind: 'runc', notes: [`using containerd's runc shim with runsc (--shim runc): ${RUNC_SHIM_DIFFERENCES}`] };
  if (ctx.options.shim === 'runsc' || (found && onPath && !tooNew)) {
    const notes = [`using ${found ?? SHIM_BINARY} (runtime_type io.containerd.runsc.v1) with runsc options in runsc.toml`];
    if (!found) notes.push(`warning: ${SHIM_BINARY} was not found in ${installDir} or on containerd's PATH (${dirs.join(':')}): containerd will fail to start the runtime`);
    else if (!onPath) notes.push(`warning: ${found} is not on containerd's PATH (${dirs.join(':')}): containerd will not find it; install into a directory on that PATH (--install-dir)`);
    if (tooNew) notes.push(`warning: ${SHIM_BINARY} releases from 2026-05 on do not work with containerd ${ctx.facts.containerd.version}`);
    return { kind: 'runsc', notes, found: Boolean(found && onPath) };
  }
  const why = !found
    ? `${SHIM_BINARY} is not installed (Debian's runsc package ships none)`
    : !onPath
      ? `${found} is not on containerd's PATH (${dirs.join(':')})`
      : `${SHIM_BINARY} releases from 2026-05 on do not work with containerd ${ctx.facts.containerd.version} (pin --release 20260430 or older, or upgrade containerd, to use it)`;
  return { kind: 'runc', notes: [`${why}: using containerd's runc shim with runsc instead. ${RUNC_SHIM_DIFFERENCES}`] };
}
