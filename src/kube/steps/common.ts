// What the Kubernetes steps share: where the node's files and kernel views are (--kube-root),
// the CRI socket, the parsed join command (secrets registered with the log's masker before
// anything is logged), kubelet/kubeadm versions, and problems masked before they reach a screen.

import { join } from 'node:path';
import { sysctlProcPath } from '../hostprep.js';
import { JoinCommand, JoinParseError, joinSecrets, parseJoinCommand } from '../join.js';
import type { SecretMasker } from '../../log/mask.js';
import { StepFailure, type Inspection, type StepContext } from '../../steps/step.js';
import type { Problem } from '../../wizard/state.js';

/**
 * A node file of the Kubernetes path (fstab, sysctl.d, /etc/default/kubelet, /var/lib/kubelet, ...)
 * as a machine path for ctx.host: below --kube-root when given (and, like every path, below --root).
 */
export function nodePath(ctx: StepContext, machinePath: string): string {
  const root = ctx.options.kubeRoot;
  return !root || root === '/' ? machinePath : join(root, machinePath);
}

/**
 * A kernel view (/proc/swaps, /proc/modules, /proc/sys/..., /proc/net/tcp). LocalHost never re-roots
 * /proc (it describes the running kernel), so under plain --root these are the real machine's. With
 * --kube-root DIR they are read from DIR/proc/... instead: tests put a fake /proc there, and the
 * stand-in `sysctl`/`modprobe`/`swapoff` executables act on it. That is the one indirection; nothing
 * else reads /proc directly.
 */
export function kernelPath(ctx: StepContext, procPath: string): string {
  return nodePath(ctx, procPath);
}

/** `net.ipv4.ip_forward` → where its current value is read (see kernelPath). */
export function procSysPath(ctx: StepContext, key: string): string {
  return kernelPath(ctx, sysctlProcPath(key));
}

/** The CRI socket the kubelet must use: the containerd the wizard configured (case E2). */
export function criSocket(ctx: StepContext): string {
  return `unix://${ctx.facts.containerd.socket.replace(/^unix:\/\//, '')}`;
}

/** Every string a step shows may carry a secret: mask it the way the log does. */
export function maskedProblem(masker: SecretMasker, p: Problem): Problem {
  return { what: masker.mask(p.what), why: masker.mask(p.why), next: masker.mask(p.next) };
}

export function maskedFailure(ctx: StepContext, p: Problem): StepFailure {
  return new StepFailure(maskedProblem(ctx.log.masker, p));
}

export function blocked(ctx: StepContext, summary: string, p: Problem): Inspection {
  return { status: 'blocked', summary: ctx.log.masker.mask(summary), problem: maskedProblem(ctx.log.masker, p) };
}

/** Words of a join line that look like credentials, for masking a line that does not parse. */
export function secretLookingWords(text: string): string[] {
  const out = new Set<string>();
  for (const w of text.split(/[\s"'=,]+/)) {
    if (/^[a-z0-9]{6}\.[A-Za-z0-9]{4,}$/.test(w)) {
      out.add(w);
      out.add(w.slice(7));
    } else if (/^sha256:[0-9A-Za-z]{4,}$/i.test(w)) {
      out.add(w);
      out.add(w.slice(7));
    } else if (/^[0-9a-fA-F]{16,}$/.test(w)) out.add(w);
  }
  return [...out];
}

/**
 * Registers the join line's secrets with the masker. Call it before anything can log (the session
 * does it when it creates its log). A line that does not parse still gets its token- and hash-like
 * words masked.
 */
export function registerJoinSecrets(masker: SecretMasker, line: string | undefined): void {
  if (!line) return;
  try {
    for (const s of joinSecrets(parseJoinCommand(line))) masker.add(s);
  } catch {
    // reported by the join step / the CLI
  }
  for (const s of secretLookingWords(line)) masker.add(s);
}

export type JoinParse = { ok: true; join: JoinCommand } | { ok: false; problem: Problem };

/** The parsed --join line (its secrets registered), or the problem with it (already masked). */
export function parsedJoin(ctx: StepContext): JoinParse {
  const line = ctx.options.join;
  if (!line) {
    return {
      ok: false,
      problem: {
        what: 'no join command given',
        why: 'the Kubernetes path joins this node with the `kubeadm join ...` line of your cluster',
        next: 'On a control-plane node run `kubeadm token create --print-join-command`, then pass it with --join - (read from standard input, so it stays out of the process list) or --join "LINE".',
      },
    };
  }
  registerJoinSecrets(ctx.log.masker, line);
  try {
    return { ok: true, join: parseJoinCommand(line) };
  } catch (e) {
    if (e instanceof JoinParseError) return { ok: false, problem: maskedProblem(ctx.log.masker, joinProblem(e)) };
    throw e;
  }
}

export function joinProblem(e: JoinParseError): Problem {
  const where = `line ${e.line}, column ${e.column}`;
  const more = e.others.length ? ` (and ${e.others.length} more: ${e.others.map((o) => o.message).join('; ')})` : '';
  return {
    what: 'the join command cannot be used',
    why: `${where}${e.part ? ` at "${e.part}"` : ''}: ${e.message}${more}`,
    next: e.hint,
  };
}

export interface ToolVersion {
  version?: string;
  problem?: string;
}

/** `kubelet --version` → "v1.30.2"; `kubeadm version -o short` → "v1.30.2". */
export async function toolVersion(ctx: StepContext, tool: 'kubelet' | 'kubeadm'): Promise<ToolVersion> {
  const argv = tool === 'kubelet' ? ['kubelet', '--version'] : ['kubeadm', 'version', '-o', 'short'];
  const r = await ctx.host.run(argv, { readOnly: true, quiet: true, timeoutMs: 20_000, signal: ctx.signal });
  if (!r.ok) return { problem: r.spawnError ? `${tool} is not installed (not on PATH)` : `${argv.join(' ')} failed: ${(r.stderr || r.stdout).trim().split('\n').pop()}` };
  const m = /v?(\d+\.\d+\.\d+[^\s]*)/.exec(r.stdout);
  return m ? { version: `v${m[1]}` } : { problem: `${argv.join(' ')} printed no version: ${r.stdout.trim().slice(0, 80)}` };
}

/** The node name kubeadm will register: --node-name of the join line, else the lowercased hostname. */
export const JOINED_MARKER = '/etc/kubernetes/kubelet.conf';

export async function alreadyJoined(ctx: StepContext): Promise<boolean> {
  return (await ctx.host.stat(nodePath(ctx, JOINED_MARKER))) !== null;
}

/** The manifest file written for the control plane (RuntimeClass + test pod): a real path in --state-dir. */
export function manifestFile(ctx: StepContext): string {
  return join(ctx.options.stateDir, 'gvisor-runtimeclass.yaml');
}

/**
 * options.stateDir is a real path (under --root it already includes the root). As a machine path for
 * ctx.host: the root stripped again; undefined when --state-dir lies outside --root.
 */
export function stateMachinePath(ctx: StepContext, realPath: string): string | undefined {
  const root = ctx.host.root;
  if (root === '/') return realPath;
  return realPath.startsWith(`${root}/`) ? realPath.slice(root.length) : undefined;
}

export const TEST_POD_NAME = 'gvisor-wizard-check';
export const TEST_POD_NAMESPACE = 'default';

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
  });
}
