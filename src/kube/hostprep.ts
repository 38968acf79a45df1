// Host preparation for a Kubernetes node (cases D1 and D2): swap off and out of /etc/fstab, the
// overlay and br_netfilter modules loaded and persisted, the bridge/forwarding sysctls set and read
// back, and an optional /etc/hosts entry for the control-plane endpoint.
//
// Pure text in, text out: no file or process access here. Every editor changes only the lines that
// must change (every other byte — comments, alignment, tabs, CRLF, a missing final newline — stays),
// returns what it did in `changes`, and gives back its input unchanged when run on its own output.

import { isIP } from 'node:net';

export interface HostEditWarning {
  /** 1-based line in the input text. */
  line: number;
  message: string;
}

export interface HostEditResult {
  text: string;
  /** text !== input (for a file that does not exist yet: always true). */
  changed: boolean;
  /** One sentence per edit, for the operator; empty when nothing changed. */
  changes: string[];
  /** Things left as they are that the operator should know about (they never change the text). */
  warnings: HostEditWarning[];
}

// ---------------------------------------------------------------------------------------------------
// Lines with their own endings, so an edit can keep CRLF files CRLF and a missing final newline missing.

interface Line {
  text: string;
  eol: '' | '\n' | '\r\n';
}

function splitLines(s: string): Line[] {
  const out: Line[] = [];
  let start = 0;
  while (start < s.length) {
    const nl = s.indexOf('\n', start);
    if (nl === -1) {
      out.push({ text: s.slice(start), eol: '' });
      break;
    }
    const cr = nl > start && s[nl - 1] === '\r';
    out.push({ text: s.slice(start, cr ? nl - 1 : nl), eol: cr ? '\r\n' : '\n' });
    start = nl + 1;
  }
  return out;
}

const joinLines = (lines: readonly Line[]): string => lines.map((l) => l.text + l.eol).join('');

/** The line ending most lines use ('\n' when there are none). */
function dominantEol(lines: readonly Line[]): '\n' | '\r\n' {
  let crlf = 0;
  let lf = 0;
  for (const l of lines) {
    if (l.eol === '\r\n') crlf++;
    else if (l.eol === '\n') lf++;
  }
  return crlf > lf ? '\r\n' : '\n';
}

/** Appends whole lines; a last line without an ending gets one first (only because a line follows). */
function appendLines(lines: Line[], texts: readonly string[]): void {
  if (texts.length === 0) return;
  const eol = dominantEol(lines);
  const last = lines[lines.length - 1];
  if (last && last.eol === '') last.eol = eol;
  for (const text of texts) lines.push({ text, eol });
}

function result(input: string | null, lines: readonly Line[], changes: string[], warnings: HostEditWarning[]): HostEditResult {
  const text = joinLines(lines);
  return { text, changed: input === null || text !== input, changes, warnings };
}

/** fstab(5) and /proc/swaps escape space, tab, newline and backslash as \ooo octal. */
function decodeOctal(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
}

// ---------------------------------------------------------------------------------------------------
// D1: swap

export interface FstabSwapLine {
  /** 1-based line in the fstab text. */
  line: number;
  /** First field as written (UUID=..., LABEL=..., /swap.img, /dev/sda2 ...). */
  device: string;
}

export interface CommentOutSwapResult extends HostEditResult {
  /** The swap entries this run commented out. */
  swapLines: FstabSwapLine[];
  /** Swap entries that were already commented out (for the report; left as they are). */
  alreadyCommented: FstabSwapLine[];
}

interface FstabEntry {
  line: number;
  device: string;
  /** Device with \040-style escapes decoded. */
  spec: string;
  mountPoint: string;
  type: string;
  options: string;
}

/** An uncommented fstab line split into its fields (null for blank lines, comments and short lines). */
function fstabEntry(text: string, line: number): FstabEntry | null {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed.startsWith('#')) return null;
  const f = trimmed.split(/[ \t]+/);
  if (f.length < 3) return null;
  return { line, device: f[0]!, spec: decodeOctal(f[0]!), mountPoint: f[1]!, type: f[2]!, options: f[3] ?? 'defaults' };
}

/** A commented-out line that would be a swap entry without its leading '#'s. */
function commentedSwapEntry(text: string, line: number): FstabEntry | null {
  const m = /^\s*#+\s*(.*)$/.exec(text);
  if (!m) return null;
  const e = fstabEntry(m[1]!, line);
  return e && e.type === 'swap' ? e : null;
}

function fstabSwapEntries(fstab: string): FstabEntry[] {
  return splitLines(fstab).flatMap((l, i) => {
    const e = fstabEntry(l.text, i + 1);
    return e && e.type === 'swap' ? [e] : [];
  });
}

/**
 * Comments out every active swap entry of /etc/fstab (third field `swap`) by putting a single `#` in
 * front of the line — no other byte changes, no lines are added. Comments, blank lines and other
 * file systems are left alone. kubelet refuses to run with swap on (failSwapOn); this keeps swap off
 * after a reboot, `swapoff -a` turns it off now (see unexplainedSwap for swap fstab does not name).
 */
export function commentOutSwap(fstab: string): CommentOutSwapResult {
  const lines = splitLines(fstab);
  const swapLines: FstabSwapLine[] = [];
  const alreadyCommented: FstabSwapLine[] = [];
  const changes: string[] = [];
  lines.forEach((l, i) => {
    const e = fstabEntry(l.text, i + 1);
    if (e && e.type === 'swap') {
      l.text = '#' + l.text;
      swapLines.push({ line: e.line, device: e.device });
      changes.push(`line ${e.line}: commented out the swap entry ${e.device} (options ${e.options})`);
      return;
    }
    const c = commentedSwapEntry(l.text, i + 1);
    if (c) alreadyCommented.push({ line: c.line, device: c.device });
  });
  return { ...result(fstab, lines, changes, []), swapLines, alreadyCommented };
}

export interface ActiveSwap {
  /** 1-based line in /proc/swaps. */
  line: number;
  /** Path as the kernel shows it, escapes decoded, without a " (deleted)" suffix. */
  filename: string;
  /** 'partition' or 'file' (as the kernel says). */
  type: string;
  sizeKiB: number;
  usedKiB: number;
  priority: number;
  /** The swap file was deleted while in use (the kernel appends " (deleted)"). */
  deleted: boolean;
}

/** Parses /proc/swaps: a header line, then `Filename Type Size Used Priority` per active area. */
export function parseProcSwaps(procSwaps: string): ActiveSwap[] {
  const out: ActiveSwap[] = [];
  splitLines(procSwaps).forEach((l, i) => {
    const t = l.text.trim();
    if (t === '' || (i === 0 && /^Filename\s/.test(t))) return;
    const f = t.split(/\s+/);
    if (f.length < 5) return;
    // The last four fields are numbers and the type; the name is everything before (escaped, but be lenient).
    const [type, size, used, prio] = f.slice(-4) as [string, string, string, string];
    let filename = decodeOctal(f.slice(0, -4).join(' '));
    const deleted = filename.endsWith(' (deleted)');
    if (deleted) filename = filename.slice(0, -' (deleted)'.length);
    out.push({ line: i + 1, filename, type, sizeKiB: Number(size), usedKiB: Number(used), priority: Number(prio), deleted });
  });
  return out;
}

/**
 * - 'explained': an active fstab swap line names this exact path;
 * - 'possibly': a partition, and fstab has swap lines by UUID=/LABEL=/PARTUUID=/PARTLABEL=/ID= or by a
 *   /dev/ path that may be a symlink to it (/dev/disk/by-*, /dev/mapper/...): cannot be decided
 *   without blkid / readlink, so the operator is told to check;
 * - 'unexplained': nothing in fstab can have turned it on (a systemd .swap unit, zram, a boot script).
 */
export type SwapVerdict = 'explained' | 'possibly' | 'unexplained';

export interface SwapFinding {
  swap: ActiveSwap;
  verdict: SwapVerdict;
  /** 'explained': the matching fstab line; 'possibly': the fstab lines that might name it; else commented-out lines naming it. */
  fstabLines: FstabSwapLine[];
  message: string;
}

const TAG_SPEC = /^(UUID|LABEL|PARTUUID|PARTLABEL|ID)=/;

function formatKiB(kib: number): string {
  if (!Number.isFinite(kib)) return '? KiB';
  if (kib >= 1024 * 1024) return `${(kib / (1024 * 1024)).toFixed(1)} GiB`;
  if (kib >= 1024) return `${Math.round(kib / 1024)} MiB`;
  return `${kib} KiB`;
}

/** Every active swap area with what /etc/fstab says about it (see SwapVerdict). */
export function explainSwap(procSwaps: string, fstab: string): SwapFinding[] {
  const active = parseProcSwaps(procSwaps);
  const entries = fstabSwapEntries(fstab);
  const commented = splitLines(fstab).flatMap((l, i) => {
    const c = commentedSwapEntry(l.text, i + 1);
    return c ? [c] : [];
  });
  const exact = new Map<ActiveSwap, FstabEntry>();
  const used = new Set<FstabEntry>();
  for (const s of active) {
    const e = entries.find((x) => x.spec === s.filename);
    if (e) {
      exact.set(s, e);
      used.add(e);
    }
  }
  // fstab lines that were not matched by path and could still name some block device.
  const indirect = entries.filter((e) => !used.has(e) && (TAG_SPEC.test(e.spec) || e.spec.startsWith('/dev/')));

  return active.map((s): SwapFinding => {
    const what = `${s.filename}${s.deleted ? ' (deleted)' : ''} (${s.type}, ${formatKiB(s.sizeKiB)})`;
    const e = exact.get(s);
    if (e) {
      return { swap: s, verdict: 'explained', fstabLines: [{ line: e.line, device: e.device }], message: `${what} is named by fstab line ${e.line}` };
    }
    const zram = /^\/dev\/zram\d+$/.test(s.filename);
    if (s.type === 'partition' && !zram && indirect.length > 0) {
      const lines = indirect.map((x) => ({ line: x.line, device: x.device }));
      return {
        swap: s,
        verdict: 'possibly',
        fstabLines: lines,
        message:
          `${what} is active; fstab ${lines.length === 1 ? 'line' : 'lines'} ${lines.map((x) => `${x.line} (${x.device})`).join(', ')} ` +
          `may name it, which cannot be told without blkid/readlink — check with \`blkid ${s.filename}\``,
      };
    }
    const mentioned = commented.filter((c) => c.spec === s.filename).map((c) => ({ line: c.line, device: c.device }));
    const source = zram
      ? 'zram swap is set up at boot by a service (systemd-zram-setup@, zram-generator, zramswap, zram-config): disable that service'
      : s.deleted
        ? 'its file was deleted while in use; it goes away with `swapoff` or a reboot'
        : 'it comes from elsewhere (a systemd .swap unit — see `systemctl list-units --type swap` — or a boot script): disable that source';
    const note = mentioned.length > 0 ? ` (fstab line ${mentioned.map((m) => m.line).join(', ')} names it but is commented out: it stays on until \`swapoff\` or a reboot)` : '';
    return {
      swap: s,
      verdict: 'unexplained',
      fstabLines: mentioned,
      message: `${what} is active but no active fstab line names it${note}; \`swapoff -a\` turns it off now, ${source}, or kubelet fails again after a reboot`,
    };
  });
}

/**
 * The active swap areas (from /proc/swaps) that no uncommented fstab swap line explains — definitely
 * ('unexplained') or not provably ('possibly', for UUID=/LABEL=/symlink entries). Empty when all
 * swap comes from fstab or no swap is on. Each finding carries a message for the report.
 */
export function unexplainedSwap(procSwaps: string, fstab: string): SwapFinding[] {
  return explainSwap(procSwaps, fstab).filter((f) => f.verdict !== 'explained');
}

// ---------------------------------------------------------------------------------------------------
// D2: modules

export const K8S_MODULES: readonly string[] = ['overlay', 'br_netfilter'];

/** Modules that no longer exist on newer kernels: modprobe (and systemd-modules-load) fails on them. */
const GONE_MODULES: Record<string, { since: [number, number]; instead: string }> = {
  nf_conntrack_ipv4: { since: [4, 19], instead: 'nf_conntrack' },
  nf_conntrack_ipv6: { since: [4, 19], instead: 'nf_conntrack' },
};

/** modprobe treats '-' and '_' in module names alike. */
const moduleKey = (name: string): string => name.replace(/-/g, '_');

function kernelAtLeast(release: string | undefined, want: [number, number]): boolean | undefined {
  const m = release ? /^(\d+)\.(\d+)/.exec(release) : null;
  if (!m) return undefined;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  return major > want[0] || (major === want[0] && minor >= want[1]);
}

export interface ModulesLoadOptions {
  /** `uname -r` of the node; when known, warnings about removed modules apply only to kernels that lack them. */
  kernelRelease?: string;
}

/**
 * /etc/modules-load.d/k8s.conf (systemd-modules-load: one module per line, `#`/`;` comments). Adds
 * the missing modules at the end; keeps existing comments and other modules, even ones that fail to
 * load on this kernel (those are reported in `warnings`, never removed). `existing` null: new file.
 * This only persists the list for the next boot: load them now with modprobe (hostPrepPlanOrder).
 */
export function ensureModulesLoad(existing: string | null, modules: readonly string[] = K8S_MODULES, opts: ModulesLoadOptions = {}): HostEditResult {
  for (const m of modules) {
    if (!/^[A-Za-z0-9_-]+$/.test(m)) throw new Error(`not a kernel module name: ${JSON.stringify(m)}`);
  }
  const lines = splitLines(existing ?? '');
  const present = new Set<string>();
  const warnings: HostEditWarning[] = [];
  lines.forEach((l, i) => {
    const t = l.text.trim();
    if (t === '' || t.startsWith('#') || t.startsWith(';')) return;
    present.add(moduleKey(t));
    const gone = GONE_MODULES[moduleKey(t)];
    if (gone && kernelAtLeast(opts.kernelRelease, gone.since) !== false) {
      warnings.push({
        line: i + 1,
        message:
          `line ${i + 1}: ${t} no longer exists on kernels ≥ ${gone.since.join('.')} (merged into ${gone.instead}); ` +
          `systemd-modules-load logs a failure for it at boot — left as it is, remove it yourself if this node runs such a kernel`,
      });
    }
  });
  const missing: string[] = [];
  for (const m of modules) {
    if (present.has(moduleKey(m))) continue;
    present.add(moduleKey(m));
    missing.push(m);
  }
  appendLines(lines, missing);
  const changes = missing.length === 0 ? [] : [`${existing === null ? 'new file listing' : 'added'} ${missing.join(', ')}`];
  return result(existing, lines, changes, warnings);
}

// ---------------------------------------------------------------------------------------------------
// D2: sysctl

/**
 * The sysctls a Kubernetes node needs. Order as in the case file (sysctl-k8s.conf): a new
 * /etc/sysctl.d/k8s.conf is exactly those three lines.
 */
export const K8S_SYSCTLS: Readonly<Record<string, string>> = {
  'net.bridge.bridge-nf-call-ip6tables': '1',
  'net.bridge.bridge-nf-call-iptables': '1',
  'net.ipv4.ip_forward': '1',
};

/**
 * A sysctl key in dot form. sysctl.d(5): a leading '-' only means "ignore failures"; if the first
 * separator is '/', '/' and '.' swap roles (net/ipv4/conf/eth0.1/rp_filter = net.ipv4.conf.eth0/1.rp_filter).
 */
function sysctlDotKey(key: string): string {
  const k = key.trim().replace(/^-/, '');
  const first = /[./]/.exec(k);
  if (!first || first[0] === '.') return k;
  return k.replace(/[./]/g, (c) => (c === '/' ? '.' : '/'));
}

/** `net.bridge.bridge-nf-call-iptables` → `/proc/sys/net/bridge/bridge-nf-call-iptables`. */
export function sysctlProcPath(key: string): string {
  const dot = sysctlDotKey(key);
  const parts = dot.split('.').map((p) => p.replace(/\//g, '.'));
  if (parts.some((p) => p === '' || p === '.' || p === '..' || /\s|\0/.test(p))) {
    throw new Error(`not a sysctl key: ${JSON.stringify(key)}`);
  }
  return '/proc/sys/' + parts.join('/');
}

export interface SysctlConflict {
  key: string;
  /** 1-based line of an earlier setting of the key that a later line overrides. */
  line: number;
  value: string;
  /** 1-based line of the setting that wins (the last one in the file). */
  overriddenBy: number;
}

export interface EnsureSysctlResult extends HostEditResult {
  /** Earlier settings of a wanted key whose value differed from the (input's) last one — the last wins in sysctl. */
  conflicts: SysctlConflict[];
}

interface SysctlAssignment {
  index: number;
  key: string;
  value: string;
  /** Offsets in the line text of the value (after the spaces following '='; before trailing spaces). */
  valueStart: number;
  valueEnd: number;
  /** Column of '='. */
  eq: number;
}

function sysctlAssignment(text: string, index: number): SysctlAssignment | 'invalid' | null {
  const t = text.trim();
  if (t === '' || t.startsWith('#') || t.startsWith(';')) return null;
  const eq = text.indexOf('=');
  if (eq === -1) return 'invalid';
  const key = text.slice(0, eq).trim();
  let valueStart = eq + 1;
  while (valueStart < text.length && /[ \t]/.test(text[valueStart]!)) valueStart++;
  let valueEnd = text.length;
  while (valueEnd > valueStart && /[ \t]/.test(text[valueEnd - 1]!)) valueEnd--;
  return { index, key: sysctlDotKey(key), value: text.slice(valueStart, valueEnd), valueStart, valueEnd, eq };
}

/** How new `key = value` lines should look: the file's spacing around '=' and, when its '=' are aligned, the same column. */
function sysctlLineFormat(assignments: readonly SysctlAssignment[], lines: readonly Line[]): (key: string, value: string) => string {
  let spaced = 0;
  let tight = 0;
  for (const a of assignments) {
    const t = lines[a.index]!.text;
    if (/[ \t]$/.test(t.slice(0, a.eq)) || /^[ \t]/.test(t.slice(a.eq + 1))) spaced++;
    else tight++;
  }
  const useSpaces = spaced >= tight;
  const columns = new Set(assignments.map((a) => a.eq));
  const aligned =
    assignments.length >= 2 &&
    columns.size === 1 &&
    assignments.some((a) => /[ \t]{2,}$/.test(lines[a.index]!.text.slice(0, a.eq)));
  const column = aligned ? [...columns][0]! : 0;
  return (key, value) => {
    if (!useSpaces) return `${key}=${value}`;
    const pad = aligned && key.length + 1 <= column ? ' '.repeat(column - key.length) : ' ';
    return `${key}${pad}= ${value}`;
  };
}

/**
 * /etc/sysctl.d/k8s.conf: every wanted key ends up with the wanted value. A wrong value is replaced
 * on its own line (alignment, comments and other keys untouched); when a key is set more than once,
 * the last setting wins in sysctl, so the last one is fixed and earlier differing ones are reported in
 * `conflicts`. Missing keys are appended (in the file's style). `existing` null: a new file.
 * Other files in /etc/sysctl.d may still override these at boot: read /proc/sys back (hostPrepPlanOrder).
 */
export function ensureSysctl(existing: string | null, wanted: Readonly<Record<string, string>> = K8S_SYSCTLS): EnsureSysctlResult {
  for (const [k, v] of Object.entries(wanted)) {
    sysctlProcPath(k); // validates the key
    if (v.trim() === '' || /[\r\n]/.test(v)) throw new Error(`not a sysctl value for ${k}: ${JSON.stringify(v)}`);
  }
  const lines = splitLines(existing ?? '');
  const assignments: SysctlAssignment[] = [];
  const warnings: HostEditWarning[] = [];
  lines.forEach((l, i) => {
    const a = sysctlAssignment(l.text, i);
    if (a === 'invalid') warnings.push({ line: i + 1, message: `line ${i + 1}: not a "key = value" line; sysctl reports it as an error` });
    else if (a) assignments.push(a);
  });
  const format = sysctlLineFormat(assignments, lines);
  const changes: string[] = [];
  const conflicts: SysctlConflict[] = [];
  const missing: string[] = [];

  for (const [rawKey, value] of Object.entries(wanted)) {
    const key = sysctlDotKey(rawKey);
    const settings = assignments.filter((a) => a.key === key);
    const last = settings[settings.length - 1];
    if (!last) {
      missing.push(format(rawKey.trim(), value));
      continue;
    }
    const earlier = settings.slice(0, -1).filter((a) => a.value !== last.value);
    for (const a of earlier) conflicts.push({ key, line: a.index + 1, value: a.value, overriddenBy: last.index + 1 });
    if (last.value === value) continue;
    const line = lines[last.index]!;
    let insert = value;
    if (last.valueStart === last.valueEnd && last.valueStart === last.eq + 1 && /[ \t]$/.test(line.text.slice(0, last.eq))) insert = ' ' + value;
    line.text = line.text.slice(0, last.valueStart) + insert + line.text.slice(last.valueEnd);
    const also = earlier.length > 0 ? `; the last setting wins — line ${earlier.map((a) => a.index + 1).join(', ')} also set it (${earlier.map((a) => a.value).join(', ')})` : '';
    changes.push(`line ${last.index + 1}: ${key} = ${last.value === '' ? '(empty)' : last.value} → ${value}${also}`);
  }
  appendLines(lines, missing);
  if (missing.length > 0) changes.push(`${existing === null ? 'new file with' : 'added'} ${missing.join(', ')}`);
  return { ...result(existing, lines, changes, warnings), conflicts };
}

// ---------------------------------------------------------------------------------------------------
// D2: the order the step runs things in

export type HostPrepAction =
  | {
      kind: 'command';
      id: string;
      argv: string[];
      /** false: a failure is logged, not fatal (the read-back decides). */
      mustSucceed: boolean;
      description: string;
    }
  | { kind: 'write-file'; id: string; path: string; file: 'modules-load' | 'sysctl'; description: string }
  | { kind: 'read-back'; id: string; key: string; path: string; expect: string; description: string };

export interface HostPrepPlanOptions {
  modules?: readonly string[];
  sysctls?: Readonly<Record<string, string>>;
  modulesFile?: string;
  sysctlFile?: string;
  /**
   * 'system' (default): `sysctl --system`, every sysctl.d file in boot order, so a later file that
   * overrides ours shows up in the read-back now rather than after a reboot; its exit status is not
   * fatal (an unrelated file's unknown key makes it fail). 'file': `sysctl -p FILE`, only ours.
   */
  apply?: 'system' | 'file';
}

/**
 * ORDER — the bridge sysctls (net.bridge.bridge-nf-call-*) exist only once br_netfilter is loaded:
 * /proc/sys/net/bridge/ is created by the module, and writing the keys before fails with "No such
 * file or directory". So: load the modules now (modprobe), persist them for the next boot
 * (modules-load.d — systemd-modules-load runs before systemd-sysctl at boot), write the sysctl file,
 * apply it, and read every key back from /proc/sys requiring the wanted value: the read-back, not an
 * exit status, is the proof.
 */
export function hostPrepPlanOrder(opts: HostPrepPlanOptions = {}): HostPrepAction[] {
  const modules = opts.modules ?? K8S_MODULES;
  const sysctls = opts.sysctls ?? K8S_SYSCTLS;
  const modulesFile = opts.modulesFile ?? '/etc/modules-load.d/k8s.conf';
  const sysctlFile = opts.sysctlFile ?? '/etc/sysctl.d/k8s.conf';
  const actions: HostPrepAction[] = [];
  for (const m of modules) {
    actions.push({
      kind: 'command',
      id: `modprobe-${m}`,
      argv: ['modprobe', m],
      mustSucceed: true,
      description: `load ${m} now${m === 'br_netfilter' ? ' (creates /proc/sys/net/bridge/, needed by the bridge sysctls)' : ''}`,
    });
  }
  actions.push({ kind: 'write-file', id: 'write-modules-load', path: modulesFile, file: 'modules-load', description: `persist ${modules.join(', ')} for the next boot in ${modulesFile}` });
  actions.push({ kind: 'write-file', id: 'write-sysctl', path: sysctlFile, file: 'sysctl', description: `persist ${Object.keys(sysctls).join(', ')} in ${sysctlFile}` });
  if ((opts.apply ?? 'system') === 'system') {
    actions.push({ kind: 'command', id: 'apply-sysctl', argv: ['sysctl', '--system'], mustSucceed: false, description: 'apply every sysctl.d file in boot order (a later file overriding ours shows in the read-back)' });
  } else {
    actions.push({ kind: 'command', id: 'apply-sysctl', argv: ['sysctl', '-p', sysctlFile], mustSucceed: true, description: `apply ${sysctlFile}` });
  }
  for (const [key, value] of Object.entries(sysctls)) {
    const path = sysctlProcPath(key);
    actions.push({ kind: 'read-back', id: `read-back-${sysctlDotKey(key)}`, key: sysctlDotKey(key), path, expect: value, description: `${path} must read ${value}` });
  }
  return actions;
}

// ---------------------------------------------------------------------------------------------------
// /etc/hosts

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

interface HostsLine {
  index: number;
  ip: string;
  /** Names with their offsets in the line text. */
  names: { name: string; start: number; end: number }[];
  ipStart: number;
  ipEnd: number;
}

function hostsLine(text: string, index: number): HostsLine | null {
  const hash = text.indexOf('#');
  const content = hash === -1 ? text : text.slice(0, hash);
  const tokens = [...content.matchAll(/[^ \t]+/g)].map((m) => ({ name: m[0], start: m.index, end: m.index + m[0].length }));
  const first = tokens[0];
  if (!first) return null;
  return { index, ip: first.name, ipStart: first.start, ipEnd: first.end, names: tokens.slice(1) };
}

const family = (ip: string): 4 | 6 | 0 => (isIP(ip) === 4 ? 4 : isIP(ip) === 6 ? 6 : 0);
const sameIp = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/**
 * Makes `name` resolve to `ip` through /etc/hosts (an optional control-plane endpoint entry). Keeps
 * every other line. Where the name is mapped to another address of the same family: a line with only
 * that name gets its address replaced (or is commented out when a right line exists already); a line
 * with other names too loses only that name. A mapping in the other family is reported, not changed.
 */
export function ensureHostsEntry(hosts: string, ip: string, name: string): HostEditResult {
  if (family(ip) === 0) throw new Error(`not an IP address: ${JSON.stringify(ip)}`);
  if (!HOSTNAME.test(name)) throw new Error(`not a host name: ${JSON.stringify(name)}`);
  const want = name.toLowerCase();
  const lines = splitLines(hosts);
  const parsed = lines.map((l, i) => hostsLine(l.text, i));
  const changes: string[] = [];
  const warnings: HostEditWarning[] = [];
  let satisfied = parsed.some((p) => p && sameIp(p.ip, ip) && p.names.some((n) => n.name.toLowerCase() === want));

  for (const p of parsed) {
    if (!p) continue;
    const hit = p.names.find((n) => n.name.toLowerCase() === want);
    if (!hit || sameIp(p.ip, ip)) continue;
    const n = p.index + 1;
    if (family(p.ip) !== family(ip)) {
      warnings.push({ line: n, message: `line ${n}: ${name} is also mapped to ${p.ip} (other address family); left as it is` });
      continue;
    }
    const line = lines[p.index]!;
    if (p.names.length === 1) {
      if (!satisfied) {
        line.text = line.text.slice(0, p.ipStart) + ip + line.text.slice(p.ipEnd);
        satisfied = true;
        changes.push(`line ${n}: ${name} pointed to ${p.ip}; now ${ip}`);
      } else {
        line.text = '#' + line.text;
        changes.push(`line ${n}: commented out ${p.ip} ${name} (${name} now maps to ${ip})`);
      }
    } else {
      // Remove the name and the blanks before it; the line's other names stay.
      let start = hit.start;
      while (start > p.ipEnd && /[ \t]/.test(line.text[start - 1]!)) start--;
      line.text = line.text.slice(0, start) + line.text.slice(hit.end);
      const others = p.names.filter((x) => x !== hit).map((x) => x.name);
      changes.push(`line ${n}: removed ${name} from ${p.ip} (${others.join(', ')} stay${others.length === 1 ? 's' : ''})`);
    }
  }
  if (!satisfied) {
    const tab = parsed.some((p) => p && lines[p.index]!.text.slice(p.ipEnd).startsWith('\t'));
    appendLines(lines, [`${ip}${tab ? '\t' : ' '}${name}`]);
    changes.push(`added ${ip} ${name}`);
  }
  return result(hosts, lines, changes, warnings);
}
