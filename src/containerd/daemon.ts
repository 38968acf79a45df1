// Which containerd are we configuring: its process, the config file it really reads,
// the socket it serves, its version and the PATH it finds shims on.

import { parseTomlText as parseToml } from './toml-parse.js';
import type { Host, ProcessInfo } from '../host/host.js';
import { flagValues } from '../docker/daemon-process.js';

export const defaultContainerdConfig = '/etc/containerd/config.toml';
export const defaultContainerdSocket = '/run/containerd/containerd.sock';

function isContainerd(p: ProcessInfo): boolean {
  return /(^|\/)containerd$/.test(p.argv[0] ?? '') && !p.argv.includes('--version');
}

export function containerdConfigOf(argv: readonly string[] | undefined): string {
  return (argv && flagValues(argv, ['config', 'c']).at(-1)) || defaultContainerdConfig;
}

const sameSocket = (a: string, b: string) => a.replace(/^unix:\/\//, '').replace(/^\/var\/run\//, '/run/') === b.replace(/^unix:\/\//, '').replace(/^\/var\/run\//, '/run/');

/** The socket a containerd process serves: --address, else grpc.address of its config, else the default. */
export async function containerdSocketOf(host: Host, argv: readonly string[]): Promise<string> {
  const flag = flagValues(argv, ['address', 'a']).at(-1);
  if (flag) return flag;
  const text = await host.readText(containerdConfigOf(argv));
  if (text) {
    try {
      const grpc = (parseToml(text) as { grpc?: { address?: unknown } }).grpc;
      if (typeof grpc?.address === 'string' && grpc.address) return grpc.address;
    } catch {
      // An unreadable config: the default applies (containerd would not have started anyway).
    }
  }
  return defaultContainerdSocket;
}

export async function findContainerd(host: Host, socket: string): Promise<ProcessInfo | undefined> {
  for (const p of (await host.listProcesses()).filter(isContainerd)) {
    if (sameSocket(await containerdSocketOf(host, p.argv), socket)) return p;
  }
  return undefined;
}

/** Seconds since the epoch at which a process started (from /proc), or undefined. */
export async function processStartTime(host: Host, pid: number): Promise<number | undefined> {
  const stat = await host.readText(`/proc/${pid}/stat`);
  const uptime = await host.readText('/proc/uptime');
  if (!stat || !uptime) return undefined;
  // Field 22 (starttime, clock ticks since boot) follows the ")" that ends the command name.
  // Measured against /proc/uptime (1/100 s), not btime (whole seconds): restarts are quick.
  const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
  const up = Number(uptime.split(' ')[0]);
  if (!Number.isFinite(ticks) || !Number.isFinite(up)) return undefined;
  return Date.now() / 1000 - (up - ticks / 100); // USER_HZ is 100 on every Linux the wizard supports
}
