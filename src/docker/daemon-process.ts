// Which dockerd are we configuring, what file does it read, and with which flags?
// dockerd refuses to start when a daemon.json key repeats a command-line flag, so the
// flags of both the running daemon and its systemd unit matter before any reload.

import type { Host, ProcessInfo } from '../host/host.js';

export const defaultDockerHost = 'unix:///var/run/docker.sock';
export const defaultDaemonJson = '/etc/docker/daemon.json';

export function dockerClientEnv(dockerHost: string): Record<string, string> {
  return { DOCKER_HOST: dockerHost };
}

/** /var/run is a link to /run on every current distro: compare sockets without it. */
function normaliseHost(h: string): string {
  return h.replace(/^unix:\/\/\/var\/run\//, 'unix:///run/').replace(/^unix:\/\/(?!\/)/, 'unix:///').replace(/\/+$/, '');
}

function isDockerd(p: ProcessInfo): boolean {
  const exe = p.argv[0] ?? '';
  if (/(^|\/)dockerd$/.test(exe)) return true;
  // `docker daemon` / `docker -d` of pre-1.12 installs.
  return /(^|\/)docker$/.test(exe) && (p.argv[1] === 'daemon' || p.argv[1] === '-d');
}

/** Values of a repeated flag in every spelling dockerd accepts (`-H x`, `-Hx`, `--host=x`). */
export function flagValues(argv: readonly string[], names: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    for (const n of names) {
      const long = n.length > 1;
      const prefix = long ? `--${n}` : `-${n}`;
      if (a === prefix && i + 1 < argv.length) out.push(argv[++i]!);
      else if (long && a.startsWith(`${prefix}=`)) out.push(a.slice(prefix.length + 1));
      else if (!long && a.startsWith(prefix) && a.length > 2 && !a.startsWith('--')) out.push(a.slice(2).replace(/^=/, ''));
      else continue;
      break;
    }
  }
  return out;
}

export function hostsOf(argv: readonly string[]): string[] {
  const hosts = flagValues(argv, ['H', 'host']);
  if (hosts.length === 0) return [defaultDockerHost];
  // fd:// is systemd socket activation of docker.socket, which listens on /run/docker.sock.
  return hosts.map((h) => (h.startsWith('fd://') ? defaultDockerHost : h));
}

export function dockerConfigFileOf(argv: readonly string[] | undefined): string {
  return (argv && flagValues(argv, ['config-file']).at(-1)) || defaultDaemonJson;
}

/** The dockerd that serves `target`, or the only dockerd when the target is the default socket. */
export async function findDockerd(host: Host, target: string): Promise<ProcessInfo | undefined> {
  const daemons = (await host.listProcesses()).filter(isDockerd);
  const want = normaliseHost(target);
  const match = daemons.find((d) => hostsOf(d.argv).some((h) => normaliseHost(h) === want));
  return match;
}

// ---- daemon.json keys that dockerd also takes as flags ------------------------------

/** Flags whose daemon.json key is not simply the flag's long name. */
const KEY_OF_FLAG: Record<string, string> = {
  H: 'hosts', host: 'hosts',
  g: 'data-root', graph: 'data-root',
  s: 'storage-driver',
  p: 'pidfile',
  D: 'debug',
  l: 'log-level',
  G: 'group',
  b: 'bridge',
  'add-runtime': 'runtimes',
  'exec-opt': 'exec-opts',
  'log-opt': 'log-opts',
  'storage-opt': 'storage-opts',
  'insecure-registry': 'insecure-registries',
  'registry-mirror': 'registry-mirrors',
  label: 'labels',
  dns: 'dns',
  'dns-opt': 'dns-opts',
  'dns-search': 'dns-search',
  'default-ulimit': 'default-ulimits',
  'authorization-plugin': 'authorization-plugins',
  'default-address-pool': 'default-address-pools',
};

/** Flags that never clash with a key (they are not configuration). */
const NOT_CONFIG = new Set(['config-file', 'validate', 'v', 'version', 'h', 'help']);
/** Short flags that take a value (so the next argv element is not a flag). */
const SHORT_WITH_VALUE = new Set(['H', 'g', 's', 'p', 'l', 'G', 'b']);
/** Long boolean flags: `--debug` takes no value; everything else does unless written with '='. */
const BOOL_FLAGS = new Set(['debug', 'D', 'experimental', 'icc', 'ip-forward', 'ip-masq', 'iptables', 'ip6tables', 'ipv6',
  'live-restore', 'selinux-enabled', 'userland-proxy', 'init', 'no-new-privileges', 'raw-logs', 'tls', 'tlsverify', 'rootless']);

export interface FlagUse {
  flag: string;
  key: string;
}

/** Every configuration flag on a dockerd command line, with the daemon.json key it sets. */
export function configFlags(argv: readonly string[]): FlagUse[] {
  const out: FlagUse[] = [];
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === 'daemon' && i === 1) continue;
    let name: string;
    if (a.startsWith('--')) {
      name = a.slice(2).split('=')[0]!;
      if (!a.includes('=') && !BOOL_FLAGS.has(name) && i + 1 < argv.length && !argv[i + 1]!.startsWith('-')) i++;
    } else if (a.startsWith('-') && a.length >= 2) {
      name = a[1]!;
      if (a.length === 2 && SHORT_WITH_VALUE.has(name) && i + 1 < argv.length) i++;
    } else {
      continue; // a value or `$DOCKER_OPTS`
    }
    if (NOT_CONFIG.has(name)) continue;
    out.push({ flag: a.startsWith('--') ? `--${name}` : `-${name}`, key: KEY_OF_FLAG[name] ?? name });
  }
  return out;
}

export interface FlagConflict {
  key: string;
  flag: string;
  /** Where the flag comes from: "running dockerd (pid N)" or a unit file path. */
  source: string;
}

export function findFlagConflicts(jsonKeys: readonly string[], flagSources: { source: string; argv: string[] }[]): FlagConflict[] {
  const keys = new Set(jsonKeys);
  const seen = new Set<string>();
  const out: FlagConflict[] = [];
  for (const { source, argv } of flagSources) {
    for (const f of configFlags(argv)) {
      const id = `${f.key}\0${source}`;
      if (keys.has(f.key) && !seen.has(id)) {
        seen.add(id);
        out.push({ key: f.key, flag: f.flag, source });
      }
    }
  }
  return out;
}

// ---- systemd unit: the ExecStart dockerd will be started with -------------------------

const UNIT_DIRS = ['/etc/systemd/system', '/run/systemd/system', '/usr/local/lib/systemd/system', '/lib/systemd/system', '/usr/lib/systemd/system'];

/**
 * The effective ExecStart of docker.service from the unit file and its drop-ins, read
 * as files (so it works under --root and without a running systemd). An empty
 * `ExecStart=` in a drop-in resets the list, as systemd does.
 */
export async function dockerUnitExecStart(host: Host, unit = 'docker.service'): Promise<{ source: string; argv: string[] } | undefined> {
  let main: { path: string; text: string } | undefined;
  for (const d of UNIT_DIRS) {
    const text = await host.readText(`${d}/${unit}`);
    if (text !== null) { main = { path: `${d}/${unit}`, text }; break; }
  }
  const dropins: { path: string; text: string }[] = [];
  const seenNames = new Set<string>();
  for (const d of UNIT_DIRS) {
    for (const name of await host.listDir(`${d}/${unit}.d`)) {
      if (!name.endsWith('.conf') || seenNames.has(name)) continue;
      seenNames.add(name);
      const text = await host.readText(`${d}/${unit}.d/${name}`);
      if (text !== null) dropins.push({ path: `${d}/${unit}.d/${name}`, text });
    }
  }
  dropins.sort((a, b) => (a.path.split('/').pop()! < b.path.split('/').pop()! ? -1 : 1));
  let current: { source: string; argv: string[] } | undefined;
  for (const f of [...(main ? [main] : []), ...dropins]) {
    for (const value of execStartValues(f.text)) {
      current = value.trim() === '' ? undefined : { source: f.path, argv: splitExecLine(value) };
    }
  }
  return current;
}

/**
 * ExecStart= values of a unit file, with backslash continuations joined and comments skipped.
 * As in systemd.syntax(7): a comment line inside a continuation is dropped and the continued
 * line goes on with whatever follows it.
 */
export function execStartValues(text: string): string[] {
  const out: string[] = [];
  let continued: string | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    const isComment = /^\s*[#;]/.test(line);
    if (continued !== null && isComment) continue;
    const joined: string = continued === null ? line : continued + line;
    // An odd number of trailing backslashes continues the line (the last one becomes a space).
    if ((/\\+$/.exec(joined)?.[0].length ?? 0) % 2 === 1) {
      continued = `${joined.slice(0, -1)} `;
      continue;
    }
    continued = null;
    const logical = joined.trim();
    if (logical.startsWith('#') || logical.startsWith(';')) continue;
    const m = /^ExecStart\s*=(.*)$/.exec(logical);
    if (m) out.push(m[1]!);
  }
  if (continued !== null) {
    const m = /^ExecStart\s*=(.*)$/.exec(continued.trim());
    if (m) out.push(m[1]!);
  }
  return out;
}

/** systemd's word splitting for Exec lines (quotes, no shell), minus the `-@:+!` prefixes. */
export function splitExecLine(value: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: string | null = null;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && i + 1 < value.length) cur += value[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c; inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) { words.push(cur); cur = ''; inWord = false; }
    } else {
      cur += c; inWord = true;
    }
  }
  if (inWord) words.push(cur);
  if (words[0]) words[0] = words[0].replace(/^[-@:+!]+/, '');
  return words;
}
