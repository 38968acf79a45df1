// The kubelet's own settings on a kubeadm node, read and edited without touching anything else:
//   /var/lib/kubelet/kubeadm-flags.env   KUBELET_KUBEADM_ARGS, written by kubeadm init/join/upgrade
//   /etc/default/kubelet (deb) or /etc/sysconfig/kubelet (rpm)   KUBELET_EXTRA_ARGS, the operator's
//   /var/lib/kubelet/config.yaml         the KubeletConfiguration (cgroupDriver)
//   /etc/systemd/system/kubelet.service.d/*.conf   drop-ins that tie them together
//
// Both env files are systemd EnvironmentFile= files: NAME=value lines, the value optionally in
// single or double quotes, '#' or ';' comments. The kubelet sees the value split at whitespace
// ($KUBELET_KUBEADM_ARGS in ExecStart). Edits replace or insert single words inside the quotes, so
// every other byte (other flags and their order, spacing, comments, trailing spaces, a missing final
// newline) stays as it was. Values with backslash escapes or continuations, or a quote that runs
// past the end of the line (systemd would read on into the next lines), are refused, not guessed.

import { ConfigFileError } from '../docker/daemon-json.js';
import { NodeValueError, validateNodeLabel, validateTaint } from './join.js';

export interface EditResult {
  text: string;
  changed: boolean;
  changes: string[];
}

export interface EnvAssignment {
  name: string;
  /** The value without its outer quotes (no escape processing). */
  value: string;
  /** 1-based line. */
  line: number;
  quote: '"' | "'" | '';
  /** Offsets of the value in the file: inside the quotes when quoted. */
  valueStart: number;
  valueEnd: number;
  /** The value holds a backslash (escape or continuation), or quotes inside an unquoted value: the wizard does not edit it. */
  hasEscapes: boolean;
  /** Non-blank text after the closing quote (systemd would not read it the way it looks). */
  trailing: string;
}

export interface EnvFile {
  assignments: EnvAssignment[];
  /** Lines that are neither blank, comment nor NAME=value (systemd ignores them with a warning). */
  ignoredLines: { line: number; text: string }[];
  eol: '\n' | '\r\n';
  endsWithNewline: boolean;
}

export interface ValueWord {
  /** The word as written (inner quotes kept). */
  text: string;
  /** Offsets in the file. */
  start: number;
  end: number;
}

export interface KubeletFlag {
  /** Without the dashes, e.g. `container-runtime-endpoint`. */
  name: string;
  /** `--name=value` or `--name value`; undefined for a bare `--name`; inner quotes removed. */
  value: string | undefined;
  line: number;
  column: number;
}

export interface KubeadmFlagsEnv {
  file: string;
  env: EnvFile;
  /** The (last) KUBELET_KUBEADM_ARGS assignment, which is the one systemd uses. */
  assignment: EnvAssignment | undefined;
  /** Its words as written. */
  args: string[];
  flags: KubeletFlag[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

function columnOf(text: string, offset: number): number {
  return offset - (text.lastIndexOf('\n', offset - 1) + 1) + 1;
}

/** Scan a systemd EnvironmentFile (the subset kubeadm and distributions write). */
export function parseEnvFile(text: string, file: string): EnvFile {
  const starts = lineStartsOf(text);
  const assignments: EnvAssignment[] = [];
  const ignoredLines: { line: number; text: string }[] = [];
  for (let n = 0; n < starts.length; n++) {
    const ls = starts[n]!;
    let le = n + 1 < starts.length ? starts[n + 1]! - 1 : text.length;
    if (le > ls && text[le - 1] === '\r') le--;
    const raw = text.slice(ls, le);
    if (/^[ \t]*([#;].*)?$/.test(raw)) continue;
    const m = /^([ \t]*)([^=\s]+)[ \t]*=[ \t]*/.exec(raw);
    if (!m || !NAME.test(m[2]!)) {
      ignoredLines.push({ line: n + 1, text: raw });
      continue;
    }
    const name = m[2]!;
    const vs = ls + m[0].length;
    const q = text[vs];
    if (q === '"' || q === "'") {
      let close = -1;
      for (let i = vs + 1; i < le; i++) {
        if (q === '"' && text[i] === '\\') {
          i++;
          continue;
        }
        if (text[i] === q) {
          close = i;
          break;
        }
      }
      if (close === -1) {
        throw new ConfigFileError(
          file,
          n + 1,
          vs - ls + 1,
          `the ${q === '"' ? 'double' : 'single'} quote that starts the value of ${name} is not closed on this line; systemd would read on into the next lines`,
          'Close the quote on the same line. Nothing was changed.',
        );
      }
      const value = text.slice(vs + 1, close);
      assignments.push({ name, value, line: n + 1, quote: q, valueStart: vs + 1, valueEnd: close, hasEscapes: value.includes('\\'), trailing: text.slice(close + 1, le).trim() });
    } else {
      let ve = le;
      while (ve > vs && (text[ve - 1] === ' ' || text[ve - 1] === '\t')) ve--;
      const value = text.slice(vs, ve);
      assignments.push({ name, value, line: n + 1, quote: '', valueStart: vs, valueEnd: ve, hasEscapes: value.includes('\\') || /["']/.test(value), trailing: '' });
    }
  }
  return {
    assignments,
    ignoredLines,
    eol: text.includes('\r\n') ? '\r\n' : '\n',
    endsWithNewline: text.endsWith('\n'),
  };
}

/** Words of a value, split at spaces and tabs outside inner quotes; offsets in the file. */
export function valueWords(text: string, a: EnvAssignment): ValueWord[] {
  const words: ValueWord[] = [];
  let start = -1;
  let inner: string | null = null;
  for (let i = a.valueStart; i <= a.valueEnd; i++) {
    const c = i < a.valueEnd ? text[i]! : ' ';
    if (inner) {
      if (c === inner) inner = null;
      if (i < a.valueEnd) continue;
    }
    if (c === ' ' || c === '\t') {
      if (start !== -1) words.push({ text: text.slice(start, i), start, end: i });
      start = -1;
    } else {
      if (start === -1) start = i;
      if (c === '"' || c === "'") inner = c;
    }
  }
  return words;
}

const unquote = (s: string): string => (s.length >= 2 && (s[0] === '"' || s[0] === "'") && s[s.length - 1] === s[0] ? s.slice(1, -1) : s);

function flagsOf(text: string, a: EnvAssignment | undefined, words: ValueWord[]): KubeletFlag[] {
  if (!a) return [];
  const flags: KubeletFlag[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (!w.text.startsWith('-')) continue;
    const body = w.text.replace(/^--?/, '');
    const eq = body.indexOf('=');
    let value: string | undefined;
    if (eq !== -1) value = unquote(body.slice(eq + 1));
    else if (words[i + 1] && !words[i + 1]!.text.startsWith('-')) value = unquote(words[++i]!.text);
    flags.push({ name: eq === -1 ? body : body.slice(0, eq), value, line: a.line, column: columnOf(text, w.start) });
  }
  return flags;
}

export function parseKubeadmFlagsEnv(text: string, file: string): KubeadmFlagsEnv {
  const env = parseEnvFile(text, file);
  const assignment = [...env.assignments].reverse().find((a) => a.name === 'KUBELET_KUBEADM_ARGS');
  const words = assignment ? valueWords(text, assignment) : [];
  return { file, env, assignment, args: words.map((w) => w.text), flags: flagsOf(text, assignment, words) };
}

// ---------------------------------------------------------------------------------------------
// Kubelet versions and --container-runtime (case E1)

/** `1.27`, `v1.27.3`, `Kubernetes v1.28.2` (output of `kubelet --version`) → [major, minor]. */
export function parseKubeletVersion(version: string): [number, number] {
  const m = /(?:^|[\s v])v?(\d+)\.(\d+)(?:\.\d+)?(?:[-+][0-9A-Za-z.+-]*)?\s*$/.exec(version.trim());
  if (!m) throw new Error(`"${version}" is not a kubelet version (expected e.g. v1.30.2 or the output of \`kubelet --version\`)`);
  return [Number(m[1]), Number(m[2])];
}

function atLeast(version: string, major: number, minor: number): boolean {
  const [a, b] = parseKubeletVersion(version);
  return a > major || (a === major && b >= minor);
}

/** Variables whose words are kubelet flags (the kubeadm one and the operator's). */
const KUBELET_ARG_VARIABLES = ['KUBELET_KUBEADM_ARGS', 'KUBELET_EXTRA_ARGS'];

interface Removal {
  start: number;
  end: number;
  what: string;
  line: number;
  variable: string;
}

/** Offsets to delete for the given word indexes, so that the remaining words keep single separators as they were. */
function removalSpans(text: string, a: EnvAssignment, words: ValueWord[], remove: Set<number>): { start: number; end: number }[] {
  const spans: { start: number; end: number }[] = [];
  for (let i = 0; i < words.length; i++) {
    if (!remove.has(i)) continue;
    let j = i;
    while (remove.has(j + 1)) j++;
    const first = words[i]!;
    const last = words[j]!;
    const keptBefore = words.slice(0, i).some((_, k) => !remove.has(k));
    if (keptBefore) {
      // Take the separator in front of the run: "a --x b" → "a b", "a --x" → "a".
      let s = first.start;
      while (s > a.valueStart && (text[s - 1] === ' ' || text[s - 1] === '\t')) s--;
      spans.push({ start: s, end: last.end });
    } else {
      // First words: take the separator after them: "--x b" → "b".
      let e = last.end;
      const next = words[j + 1];
      if (next) e = next.start;
      spans.push({ start: first.start, end: e });
    }
    i = j;
  }
  return spans;
}

function applySpans(text: string, spans: { start: number; end: number; insert?: string }[]): string {
  let out = text;
  for (const s of [...spans].sort((x, y) => y.start - x.start)) out = out.slice(0, s.start) + (s.insert ?? '') + out.slice(s.end);
  return out;
}

/**
 * Kubelet 1.27 and newer has no --container-runtime flag and refuses to start with it
 * ("failed to parse kubelet flag: unknown flag: --container-runtime"). Remove `--container-runtime=remote`
 * and `--container-runtime remote` from KUBELET_KUBEADM_ARGS (and KUBELET_EXTRA_ARGS, same format);
 * everything else stays byte-identical. Older kubelets: unchanged. Any other value (e.g. `docker`)
 * is refused: it means a dockershim-era setup that needs more than a deleted flag.
 */
export function removeContainerRuntimeFlag(text: string, kubeletVersion: string, file: string): EditResult {
  if (!atLeast(kubeletVersion, 1, 27)) return { text, changed: false, changes: [] };
  const env = parseEnvFile(text, file);
  const removals: Removal[] = [];
  const spans: { start: number; end: number }[] = [];
  for (const a of env.assignments) {
    if (!KUBELET_ARG_VARIABLES.includes(a.name)) continue;
    const words = valueWords(text, a);
    const remove = new Set<number>();
    for (let i = 0; i < words.length; i++) {
      const w = words[i]!;
      let value: string | undefined;
      let span = 1;
      if (w.text.startsWith('--container-runtime=')) value = unquote(w.text.slice('--container-runtime='.length));
      else if (w.text === '--container-runtime') {
        const next = words[i + 1];
        if (!next || next.text.startsWith('-')) {
          throw new ConfigFileError(file, a.line, columnOf(text, w.start), `${a.name} has --container-runtime without a value; kubelet ${kubeletVersion} does not know this flag`, 'Remove the flag by hand. Nothing was changed.');
        }
        value = unquote(next.text);
        span = 2;
      } else continue;
      if (a.hasEscapes || a.trailing) {
        throw new ConfigFileError(file, a.line, columnOf(text, w.start), `${a.name} uses backslashes, inner quotes or text after the closing quote; the wizard does not edit such a value`, 'Remove --container-runtime from it by hand. Nothing was changed.');
      }
      if (value !== 'remote') {
        throw new ConfigFileError(
          file,
          a.line,
          columnOf(text, w.start),
          `${a.name} has --container-runtime=${value}: kubelet ${kubeletVersion} does not know --container-runtime, and "${value}" means a runtime setup from before dockershim was removed (Kubernetes 1.24)`,
          'Deleting the flag would silently switch this node to another runtime. Move the node to containerd (or cri-dockerd) and set --container-runtime-endpoint, then rerun. Nothing was changed.',
        );
      }
      for (let k = 0; k < span; k++) remove.add(i + k);
      removals.push({ start: w.start, end: words[i + span - 1]!.end, what: text.slice(w.start, words[i + span - 1]!.end), line: a.line, variable: a.name });
      i += span - 1;
    }
    if (remove.size > 0) spans.push(...removalSpans(text, a, words, remove));
  }
  if (removals.length === 0) return { text, changed: false, changes: [] };
  const out = applySpans(text, spans);
  const changes = removals.map(
    (r) =>
      `${file}:${r.line}: removed "${r.what}" from ${r.variable}: kubelet ${kubeletVersion} has no --container-runtime flag and would not start with it ("unknown flag: --container-runtime"); --container-runtime-endpoint and all other flags stay`,
  );
  return { text: out, changed: out !== text, changes };
}

// ---------------------------------------------------------------------------------------------
// KUBELET_EXTRA_ARGS: node labels and taints

interface ListFlagOccurrence {
  /** The word (or the value word of the two-word form) to rewrite. */
  word: ValueWord;
  /** Text kept in front of the list in that word (`--node-labels=` or ''). */
  prefix: string;
  entries: string[];
}

function listOccurrences(text: string, words: ValueWord[], flag: string, a: EnvAssignment, file: string): ListFlagOccurrence[] {
  const out: ListFlagOccurrence[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    let word: ValueWord;
    let prefix: string;
    let list: string;
    if (w.text.startsWith(`--${flag}=`)) {
      word = w;
      prefix = `--${flag}=`;
      list = w.text.slice(prefix.length);
    } else if (w.text === `--${flag}`) {
      const next = words[i + 1];
      if (!next || next.text.startsWith('-')) {
        throw new ConfigFileError(file, a.line, columnOf(text, w.start), `${a.name} has --${flag} without a value`, `Give it a value or remove it. Nothing was changed.`);
      }
      word = next;
      prefix = '';
      list = next.text;
      i++;
    } else continue;
    if (/["'\\]/.test(list)) {
      throw new ConfigFileError(file, a.line, columnOf(text, word.start), `the --${flag} value in ${a.name} is quoted or escaped; the wizard does not edit such a value`, 'Write it without quotes (labels and taints never need them). Nothing was changed.');
    }
    out.push({ word, prefix, entries: list === '' ? [] : list.split(',') });
  }
  return out;
}

const labelKey = (entry: string): string => entry.split('=')[0]!;
const taintIdentity = (entry: string): string => {
  const colon = entry.lastIndexOf(':');
  const kv = colon === -1 ? entry : entry.slice(0, colon);
  return `${kv.split('=')[0]}:${colon === -1 ? '' : entry.slice(colon + 1)}`;
};

interface MergePlan {
  flag: string;
  wanted: string[];
  identity: (entry: string) => string;
  noun: string;
}

/**
 * Make KUBELET_EXTRA_ARGS (in /etc/default/kubelet or /etc/sysconfig/kubelet) carry the given node
 * labels (`--node-labels=a=b,c=d`) and taints (`--register-with-taints=k=v:Effect`), merged with what
 * the variable already holds: an existing entry with the same key (taints: key and effect) gets the new
 * value, others stay. Other lines and comments stay; the file is created when `existing` is null.
 * Labels and taints are validated first (NodeValueError). Running it twice changes nothing.
 */
export function kubeletExtraArgs(existing: string | null, labels: string[], taints: string[], opts: { file?: string } = {}): EditResult {
  const file = opts.file ?? '/etc/default/kubelet';
  const wantLabels = dedupe(labels.map((l) => validateNodeLabel(l)).map((l) => `${l.key}=${l.value}`), labelKey, 'node label');
  const wantTaints = dedupe(
    taints.map((t) => validateTaint(t)).map((t) => (t.value === '' ? `${t.key}:${t.effect}` : `${t.key}=${t.value}:${t.effect}`)),
    taintIdentity,
    'taint',
  );
  const plans: MergePlan[] = [
    { flag: 'node-labels', wanted: wantLabels, identity: labelKey, noun: 'node label' },
    { flag: 'register-with-taints', wanted: wantTaints, identity: taintIdentity, noun: 'taint' },
  ].filter((p) => p.wanted.length > 0);

  if (existing === null) {
    if (plans.length === 0) return { text: '', changed: false, changes: [] };
    const words = plans.map((p) => `--${p.flag}=${p.wanted.join(',')}`);
    const text = `KUBELET_EXTRA_ARGS="${words.join(' ')}"\n`;
    return { text, changed: true, changes: [`${file}: created with KUBELET_EXTRA_ARGS="${words.join(' ')}"`] };
  }
  if (plans.length === 0) return { text: existing, changed: false, changes: [] };

  const text = existing;
  const env = parseEnvFile(text, file);
  const assignment = [...env.assignments].reverse().find((a) => a.name === 'KUBELET_EXTRA_ARGS');
  if (!assignment) {
    const words = plans.map((p) => `--${p.flag}=${p.wanted.join(',')}`);
    const line = `KUBELET_EXTRA_ARGS="${words.join(' ')}"`;
    const sep = text === '' || env.endsWithNewline ? '' : env.eol;
    return { text: text + sep + line + env.eol, changed: true, changes: [`${file}: added ${line}`] };
  }
  if (assignment.hasEscapes || assignment.trailing) {
    throw new ConfigFileError(
      file,
      assignment.line,
      1,
      'KUBELET_EXTRA_ARGS uses backslashes, inner quotes or text after the closing quote; the wizard does not edit such a value',
      `Add the flags by hand: ${plans.map((p) => `--${p.flag}=${p.wanted.join(',')}`).join(' ')}. Nothing was changed.`,
    );
  }

  const words = valueWords(text, assignment);
  const spans: { start: number; end: number; insert: string }[] = [];
  const newWords: string[] = [];
  const changes: string[] = [];
  for (const plan of plans) {
    const occ = listOccurrences(text, words, plan.flag, assignment, file);
    const touched = new Set<ListFlagOccurrence>();
    const added: string[] = [];
    for (const want of plan.wanted) {
      const id = plan.identity(want);
      let found = false;
      for (const o of occ) {
        const idx = o.entries.findIndex((e) => plan.identity(e) === id);
        if (idx === -1) continue;
        found = true;
        if (o.entries[idx] !== want) {
          changes.push(`${file}:${assignment.line}: KUBELET_EXTRA_ARGS ${plan.noun} "${o.entries[idx]}" → "${want}"`);
          o.entries[idx] = want;
          touched.add(o);
        }
      }
      if (found) continue;
      // Merge into the last occurrence of the flag (repeated flags add up in the kubelet), else a new flag.
      const last = occ[occ.length - 1];
      if (last) {
        last.entries.push(want);
        touched.add(last);
      } else added.push(want);
      changes.push(`${file}:${assignment.line}: KUBELET_EXTRA_ARGS gets ${plan.noun} "${want}"`);
    }
    for (const o of touched) spans.push({ start: o.word.start, end: o.word.end, insert: o.prefix + o.entries.join(',') });
    if (added.length > 0) newWords.push(`--${plan.flag}=${added.join(',')}`);
  }
  if (spans.length === 0 && newWords.length === 0) return { text, changed: false, changes: [] };

  // New flags go right after the last word (a trailing space inside the quotes stays where it is).
  if (newWords.length > 0) {
    const lastWord = words[words.length - 1];
    const at = lastWord ? lastWord.end : assignment.valueStart;
    spans.push({ start: at, end: at, insert: (lastWord ? ' ' : '') + newWords.join(' ') });
  }
  let valueText = applySpans(text, spans).slice(assignment.valueStart, assignment.valueEnd + lengthDelta(spans));
  if (assignment.quote === '' && /\s/.test(valueText)) {
    valueText = `"${valueText}"`;
    changes.push(`${file}:${assignment.line}: KUBELET_EXTRA_ARGS is now in double quotes (its value has spaces)`);
  }
  const out = text.slice(0, assignment.valueStart) + valueText + text.slice(assignment.valueEnd);
  return { text: out, changed: out !== text, changes };
}

function lengthDelta(spans: { start: number; end: number; insert: string }[]): number {
  return spans.reduce((d, s) => d + s.insert.length - (s.end - s.start), 0);
}

function dedupe(entries: string[], identity: (e: string) => string, noun: string): string[] {
  const out: string[] = [];
  for (const e of entries) {
    const prev = out.find((x) => identity(x) === identity(e));
    if (prev === undefined) out.push(e);
    else if (prev !== e) throw new NodeValueError(e, `${noun} "${e}" conflicts with "${prev}" (same key${noun === 'taint' ? ' and effect' : ''})`, 'Give each key once.');
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// cgroup driver (case F1)

export type CgroupDriver = 'systemd' | 'cgroupfs';

export interface CgroupDriverReading {
  driver: CgroupDriver;
  /**
   * flag: --cgroup-driver in the kubelet's arguments (flags beat the config file);
   * config: cgroupDriver in the KubeletConfiguration;
   * kubelet-default: the file exists without the key, the kubelet defaults it to cgroupfs;
   * kubeadm-default: no file yet; `kubeadm join` writes one from the cluster, with systemd unless the cluster says otherwise (kubeadm 1.22+).
   */
  source: 'flag' | 'config' | 'kubelet-default' | 'kubeadm-default';
  /** Line of the key or flag, when read from a file. */
  line?: number;
}

const DRIVERS: readonly CgroupDriver[] = ['systemd', 'cgroupfs'];

function checkDriver(value: string, file: string, line: number | undefined, column: number | undefined, where: string): CgroupDriver {
  if ((DRIVERS as readonly string[]).includes(value)) return value as CgroupDriver;
  throw new ConfigFileError(file, line, column, `${where} is "${value}"; the kubelet knows only "systemd" and "cgroupfs"`, 'Fix the value (systemd on hosts that boot with systemd) and rerun. Nothing was changed.');
}

/** Strip a YAML scalar: quotes, or a trailing " # comment". */
function yamlScalar(raw: string): string {
  const s = raw.trim();
  if (s.startsWith('"')) {
    const end = s.indexOf('"', 1);
    return end === -1 ? s : s.slice(1, end);
  }
  if (s.startsWith("'")) {
    const end = s.indexOf("'", 1);
    return end === -1 ? s : s.slice(1, end);
  }
  return s.replace(/\s+#.*$/, '').trim();
}

/**
 * The kubelet's cgroup driver as the files say it. A small line-based read of top-level keys (commented
 * lines ignored); a JSON KubeletConfiguration is read as JSON. `kubeletArgs`: the kubelet's flags (e.g.
 * parseKubeadmFlagsEnv(...).args), where --cgroup-driver beats the file.
 *
 * Note: from Kubernetes 1.31 (feature KubeletCgroupDriverFromCRI, beta) a kubelet talking to a runtime
 * that reports its cgroup driver (containerd 2.0+) takes the runtime's driver instead of this value.
 */
export function readKubeletCgroupDriver(configYaml: string | null, opts: { file?: string; kubeletArgs?: readonly string[]; argsFile?: string } = {}): CgroupDriverReading {
  const file = opts.file ?? '/var/lib/kubelet/config.yaml';
  const args = opts.kubeletArgs ?? [];
  for (let i = args.length - 1; i >= 0; i--) {
    const a = args[i]!;
    let v: string | undefined;
    if (a.startsWith('--cgroup-driver=')) v = unquote(a.slice('--cgroup-driver='.length));
    else if (a === '--cgroup-driver' && args[i + 1] !== undefined) v = unquote(args[i + 1]!);
    if (v !== undefined) return { driver: checkDriver(v, opts.argsFile ?? 'kubelet arguments', undefined, undefined, '--cgroup-driver'), source: 'flag' };
  }
  if (configYaml === null) return { driver: 'systemd', source: 'kubeadm-default' };

  const body = configYaml.replace(/^\uFEFF/, '');
  const code = body.split('\n').filter((l) => !/^\s*(#.*)?\r?$/.test(l));
  if (code[0]?.trimStart().startsWith('{')) {
    let obj: unknown;
    try {
      obj = JSON.parse(body);
    } catch (err) {
      throw new ConfigFileError(file, undefined, undefined, `the file starts with "{" but is not JSON (${(err as Error).message}); the wizard reads JSON or block-style YAML`, 'Check the file (the kubelet reads it at start-up), or write it in block style. Nothing was changed.');
    }
    const v = (obj as Record<string, unknown> | null)?.cgroupDriver;
    if (v === undefined || v === null || v === '') return { driver: 'cgroupfs', source: 'kubelet-default' };
    return { driver: checkDriver(String(v), file, undefined, undefined, 'cgroupDriver'), source: 'config' };
  }

  // Documents, each with its top-level keys.
  interface Doc {
    kind?: string;
    drivers: { value: string; line: number; column: number }[];
  }
  const docs: Doc[] = [{ drivers: [] }];
  const lines = body.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.replace(/\r$/, '');
    if (/^---(\s|$)/.test(line)) {
      docs.push({ drivers: [] });
      continue;
    }
    const m = /^(["']?)([A-Za-z_][\w-]*)\1\s*:(\s+(.*))?$/.exec(line);
    if (!m) continue;
    const doc = docs[docs.length - 1]!;
    const value = yamlScalar(m[4] ?? '');
    if (m[2] === 'kind') doc.kind = value;
    if (m[2] === 'cgroupDriver') doc.drivers.push({ value, line: n + 1, column: line.indexOf(':') + 2 });
  }
  const used = docs.filter((d) => d.kind !== undefined || d.drivers.length > 0);
  const kubelet = used.filter((d) => d.kind === 'KubeletConfiguration');
  let doc: Doc | undefined;
  if (kubelet.length > 1) throw new ConfigFileError(file, undefined, undefined, 'the file holds more than one KubeletConfiguration document', 'Keep one. Nothing was changed.');
  if (kubelet.length === 1) doc = kubelet[0];
  else if (used.length === 1 && used[0]!.kind === undefined) doc = used[0];
  else if (used.length === 0) doc = { drivers: [] };
  else {
    const kinds = used.map((d) => d.kind ?? '(no kind)').join(', ');
    throw new ConfigFileError(file, undefined, undefined, `no KubeletConfiguration in this file (found: ${kinds})`, 'Point the wizard at the kubelet config (usually /var/lib/kubelet/config.yaml). Nothing was changed.');
  }
  const d = doc!;
  if (d.drivers.length > 1) {
    const second = d.drivers[1]!;
    throw new ConfigFileError(file, second.line, 1, `cgroupDriver is set twice (lines ${d.drivers[0]!.line} and ${second.line}); the kubelet's strict decoding refuses duplicate keys`, 'Keep one cgroupDriver line. Nothing was changed.');
  }
  const only = d.drivers[0];
  if (!only || only.value === '' || only.value === '~' || only.value === 'null') return { driver: 'cgroupfs', source: 'kubelet-default', ...(only ? { line: only.line } : {}) };
  return { driver: checkDriver(only.value, file, only.line, only.column, 'cgroupDriver'), source: 'config', line: only.line };
}

/** The kubelet's cgroup driver from its KubeletConfiguration (null: no file yet → systemd, what kubeadm 1.22+ writes on join). */
export function kubeletCgroupDriver(kubeletConfigYaml: string | null, file = '/var/lib/kubelet/config.yaml'): CgroupDriver {
  return readKubeletCgroupDriver(kubeletConfigYaml, { file }).driver;
}

// ---------------------------------------------------------------------------------------------
// systemd drop-ins for kubelet.service

/** Kubelet flags that are gone, with the release that removed them (the kubelet refuses to start with them). */
export const REMOVED_KUBELET_FLAGS: Record<string, string> = {
  'container-runtime': '1.27',
  'network-plugin': '1.24',
  'network-plugin-mtu': '1.24',
  'cni-bin-dir': '1.24',
  'cni-conf-dir': '1.24',
  'cni-cache-dir': '1.24',
  'docker-endpoint': '1.24',
  'image-pull-progress-deadline': '1.24',
  'experimental-dockershim-root-directory': '1.24',
  'allow-privileged': '1.15',
  'cadvisor-port': '1.12',
};

export interface KubeletDropin {
  file: string;
  /** Environment= assignments in [Service], in order. */
  environment: { name: string; value: string; line: number }[];
  /** EnvironmentFile= entries in effect (an empty assignment resets the list). */
  environmentFiles: { path: string; optional: boolean; line: number }[];
  /** The effective ExecStart= (after any reset), words as written; undefined when the drop-in sets none. */
  execStart: { words: string[]; line: number } | undefined;
  /** ExecStart passes $KUBELET_EXTRA_ARGS. */
  usesExtraArgs: boolean;
  /** The EnvironmentFile that conventionally defines KUBELET_EXTRA_ARGS (/etc/default/kubelet or /etc/sysconfig/kubelet). */
  extraArgsFile: string | undefined;
  /** Removed kubelet flags found in ExecStart or Environment= values. */
  removedFlags: { flag: string; removedIn: string; line: number }[];
  /** Lines systemd ignores or reads differently than they look. */
  warnings: { line: number; message: string }[];
}

/** Split a systemd value into words: spaces separate, "..." and '...' group (quotes removed). */
function systemdWords(value: string): { words: string[]; ok: boolean } {
  const words: string[] = [];
  let cur: string | null = null;
  let ok = true;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === ' ' || c === '\t') {
      if (cur !== null) words.push(cur);
      cur = null;
    } else if (c === '"' || c === "'") {
      const close = value.indexOf(c, i + 1);
      if (close === -1) {
        ok = false;
        cur = (cur ?? '') + value.slice(i + 1);
        break;
      }
      cur = (cur ?? '') + value.slice(i + 1, close);
      i = close;
    } else if (c === '\\' && i + 1 < value.length) {
      cur = (cur ?? '') + value[i + 1];
      i++;
    } else cur = (cur ?? '') + c;
  }
  if (cur !== null) words.push(cur);
  return { words, ok };
}

/** Read one kubelet.service drop-in (or the unit itself): environment, ExecStart and flags the kubelet no longer has. */
export function readKubeletDropin(text: string, file: string): KubeletDropin {
  const out: KubeletDropin = { file, environment: [], environmentFiles: [], execStart: undefined, usesExtraArgs: false, extraArgsFile: undefined, removedFlags: [], warnings: [] };
  const raw = text.split('\n').map((l) => l.replace(/\r$/, ''));
  let section = '';
  const scanFlags = (words: string[], line: number): void => {
    for (const w of words) {
      const m = /^--([a-z0-9-]+)(=|$)/.exec(w);
      const removedIn = m ? REMOVED_KUBELET_FLAGS[m[1]!] : undefined;
      if (m && removedIn) out.removedFlags.push({ flag: `--${m[1]}`, removedIn, line });
    }
  };
  for (let n = 0; n < raw.length; n++) {
    const lineNo = n + 1;
    let line = raw[n]!;
    if (/^\s*[#;]/.test(line) || /^\s*$/.test(line)) continue;
    // Continuation lines: a trailing backslash joins the next line (comment lines in between are skipped, as systemd does).
    while (/\\\s*$/.test(line) && n + 1 < raw.length) {
      n++;
      const next = raw[n]!;
      if (/^\s*[#;]/.test(next)) {
        continue;
      }
      line = line.replace(/\\\s*$/, ' ') + next;
    }
    const sec = /^\s*\[([^\]]+)\]\s*$/.exec(line);
    if (sec) {
      section = sec[1]!;
      continue;
    }
    const kv = /^\s*([A-Za-z][A-Za-z0-9]*)\s*=\s*(.*)$/.exec(line);
    if (!kv) {
      out.warnings.push({ line: lineNo, message: `not a "Key=value" line; systemd ignores it` });
      continue;
    }
    if (section !== 'Service') continue;
    const key = kv[1]!;
    const value = kv[2]!.trimEnd();
    if (key === 'Environment') {
      const { words, ok } = systemdWords(value);
      if (!ok) out.warnings.push({ line: lineNo, message: 'Environment= has an unclosed quote; systemd ignores the assignment' });
      for (const w of words) {
        const eq = w.indexOf('=');
        const name = eq === -1 ? w : w.slice(0, eq);
        if (eq === -1 || !NAME.test(name)) {
          const typographic = /[\u2018-\u201F]/.test(w) ? ' (it contains typographic quotes, probably pasted from a document)' : '';
          out.warnings.push({ line: lineNo, message: `Environment= "${w}" is not a NAME=value assignment; systemd ignores it${typographic}` });
          continue;
        }
        out.environment.push({ name, value: w.slice(eq + 1), line: lineNo });
        scanFlags(systemdWords(w.slice(eq + 1)).words, lineNo);
      }
    } else if (key === 'EnvironmentFile') {
      if (value === '') out.environmentFiles = [];
      else {
        const optional = value.startsWith('-');
        out.environmentFiles.push({ path: optional ? value.slice(1) : value, optional, line: lineNo });
      }
    } else if (key === 'ExecStart') {
      if (value === '') out.execStart = undefined;
      else {
        const words = systemdWords(value.replace(/^[-@:+!]+/, '')).words;
        out.execStart = { words, line: lineNo };
      }
    }
  }
  if (out.execStart) {
    out.usesExtraArgs = out.execStart.words.some((w) => /\$\{?KUBELET_EXTRA_ARGS\}?/.test(w));
    scanFlags(out.execStart.words, out.execStart.line);
  }
  out.extraArgsFile = [...out.environmentFiles].reverse().find((f) => f.path === '/etc/default/kubelet' || f.path === '/etc/sysconfig/kubelet')?.path;
  return out;
}
