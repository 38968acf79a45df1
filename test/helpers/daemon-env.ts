// The environment handed to a private daemon and to the wizard under test: the caller's,
// minus variables that would point at the machine's own daemons, with the sbin dirs on PATH.

const SBIN_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

export function pathWithSbin(pathVar: string | undefined): string {
  const parts = (pathVar ?? '').split(':').filter(Boolean);
  for (const p of SBIN_PATH) if (!parts.includes(p)) parts.push(p);
  return parts.join(':');
}

/** process.env without variables starting with `dropPrefix` (DOCKER_, CONTAINERD_) or NOTIFY_SOCKET. */
export function cleanEnv(dropPrefix: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || k.startsWith(dropPrefix) || k === 'NOTIFY_SOCKET') continue;
    env[k] = v;
  }
  env.PATH = pathWithSbin(env.PATH);
  return env;
}
