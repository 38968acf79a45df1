// The answers file: every answer the wizard can be given, as TOML (`--answers FILE`), so
// the setup chosen in the TUI on one worker replays headless on the next
// (`--save-answers FILE`). Keys are the flag names without `--`, plus the TUI's own
// questions (`network`, `platform`). Values become flag values and go through the same
// checks as the command line. Secrets (the join line) have no key: they are never stored.

import { existsSync, readFileSync } from 'node:fs';
import { replacePrivateFile } from '../util/private-file.js';
import { dirname, join } from 'node:path';
import TOML from '@iarna/toml';
import { defaultOptions, type WizardOptions } from '../wizard/options.js';

/** A flag's parsed value, as node:util parseArgs gives it. */
export type FlagValue = string | boolean | string[];
export type FlagValues = Record<string, FlagValue>;

type Kind = 'string' | 'boolean' | 'list';

/** Every key an answers file may hold, with its type. */
export const ANSWER_KEYS: Readonly<Record<string, Kind>> = {
  runtime: 'string',
  'runtime-name': 'string',
  release: 'string',
  mirror: 'string',
  'from-dir': 'string',
  'install-dir': 'string',
  'runtime-arg': 'list',
  network: 'string',
  platform: 'string',
  'default-runtime': 'boolean',
  image: 'string',
  'docker-host': 'string',
  'docker-config': 'string',
  'containerd-socket': 'string',
  'containerd-config': 'string',
  namespace: 'string',
  'crictl-config': 'string',
  shim: 'string',
  'systemd-cgroup': 'boolean',
  'treat-empty-as-object': 'boolean',
  'service-manager': 'string',
  'check-timeout': 'string',
  'sandbox-image': 'string',
  'registry-mirror': 'string',
  'nerdctl-version': 'string',
  'cni-version': 'string',
  'nerdctl-mirror': 'string',
  kubernetes: 'boolean',
  kubeconfig: 'string',
  'node-label': 'string',
  'node-taint': 'string',
  'runtime-class': 'string',
  'control-plane-host': 'string',
};

/** The TUI questions whose answers are runsc flags. */
const FLAG_QUESTIONS: Record<string, { values: Record<string, string | undefined> }> = {
  network: { values: { sandbox: undefined, host: '--network=host', none: '--network=none' } },
  platform: { values: { default: undefined, kvm: '--platform=kvm', systrap: '--platform=systrap', ptrace: '--platform=ptrace' } },
};

/** Keys that must not be in an answers file, with why. */
const REFUSED: Record<string, string> = {
  join: 'the join line holds a secret (the token) and is never stored: pass it with --join - (read from standard input) or type it in the TUI',
  root: 'it belongs to one machine, not to a setup: pass --root on the command line',
  'state-dir': 'it belongs to one machine, not to a setup: pass --state-dir on the command line',
  'log-dir': 'it belongs to one machine, not to a setup: pass --log-dir on the command line',
  'kube-root': 'it belongs to one machine, not to a setup: pass --kube-root on the command line',
  yes: 'consent to change a machine is given on the command line (--yes), not in a file',
};

export class AnswersError extends Error {
  constructor(readonly file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'AnswersError';
  }
}

function closest(key: string): string | undefined {
  const dist = (a: string, b: string): number => {
    const d = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
      let prev = d[0]!;
      d[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const cur = d[j]!;
        d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
        prev = cur;
      }
    }
    return d[b.length]!;
  };
  let best: string | undefined;
  let bestD = 3;
  for (const k of Object.keys(ANSWER_KEYS)) {
    const dd = dist(key, k);
    if (dd < bestD) { best = k; bestD = dd; }
  }
  return best;
}

/**
 * Checks an answers object (parsed TOML, or the state file's answers) and turns it into
 * flag values. Unknown keys and wrong types are errors that name the key.
 */
export function answersToFlags(data: Record<string, unknown>, file: string): FlagValues {
  const out: FlagValues = {};
  const questionArgs: string[] = [];
  for (const [key, value] of Object.entries(data)) {
    if (key in REFUSED) throw new AnswersError(file, `key "${key}" is not allowed in an answers file: ${REFUSED[key]}`);
    const kind = ANSWER_KEYS[key];
    if (!kind) {
      const hint = closest(key);
      throw new AnswersError(file, `unknown key "${key}"${hint ? ` (did you mean "${hint}"?)` : ''}; the keys are the flag names without "--", listed in the README (Answers file)`);
    }
    const typeError = (want: string) => new AnswersError(file, `key "${key}" must be ${want}, not ${describe(value)}`);
    if (kind === 'boolean') {
      if (typeof value !== 'boolean') throw typeError('true or false');
      out[key] = value;
    } else if (kind === 'list') {
      if (!Array.isArray(value) || value.some((x) => typeof x !== 'string')) throw typeError('a list of strings, e.g. ["--network=host"]');
      out[key] = value as string[];
    } else if (key === 'check-timeout' && Number.isInteger(value)) {
      out[key] = String(value);
    } else {
      if (typeof value !== 'string') throw typeError(key === 'check-timeout' ? 'a whole number of seconds' : 'a string (in quotes)');
      const q = FLAG_QUESTIONS[key];
      if (q) {
        if (!(value in q.values)) throw new AnswersError(file, `key "${key}" must be one of ${Object.keys(q.values).map((v) => `"${v}"`).join(', ')}, not "${value}"`);
        const arg = q.values[value];
        if (arg) questionArgs.push(arg);
        continue;
      }
      out[key] = value;
    }
  }
  const asked = Object.keys(FLAG_QUESTIONS).filter((k) => k in data);
  if (asked.length) {
    if ('runtime-arg' in data) throw new AnswersError(file, `keys "${asked[0]}" and "runtime-arg" both set runsc flags: use one of them`);
    out['runtime-arg'] = questionArgs;
  }
  return out;
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (v instanceof Date) return 'a date';
  if (v !== null && typeof v === 'object') return 'a table';
  return `${typeof v} ${JSON.stringify(v)}`;
}

/** Reads and checks an answers file; parse errors name the line. */
export function readAnswersFile(file: string): FlagValues {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new AnswersError(file, `cannot read it: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  let data: Record<string, unknown>;
  try {
    data = TOML.parse(text) as Record<string, unknown>;
  } catch (e) {
    const err = e as Error & { line?: number; col?: number };
    const where = err.line !== undefined ? `line ${err.line + 1}${err.col !== undefined ? `, column ${err.col + 1}` : ''}: ` : '';
    const [first, ...excerpt] = err.message.split('\n');
    throw new AnswersError(file, `not valid TOML: ${where}${first!.replace(/ at row \d+, col \d+, pos \d+:?$/, '')}${excerpt.length ? `\n${excerpt.filter((l) => l.trim()).slice(0, 3).join('\n')}` : ''}`);
  }
  return answersToFlags(data, file);
}

/**
 * The answers of a run, as answers-file keys: every value that differs from the default,
 * plus the keys in `always` (what the operator answered or gave, even when it is the default,
 * so a replay in the TUI does not ask again). Never the join line.
 */
export function answersFromOptions(o: WizardOptions, always: ReadonlySet<string> = new Set()): Record<string, unknown> {
  const d = defaultOptions();
  const all: Record<string, unknown> = {
    runtime: o.engine,
    'runtime-name': o.runtimeName,
    release: o.release,
    mirror: o.mirror,
    'from-dir': o.fromDir,
    'install-dir': o.installDir,
    'runtime-arg': o.runtimeArgs,
    'default-runtime': o.makeDefault,
    image: o.image,
    'docker-host': o.dockerHost,
    'docker-config': o.dockerConfig,
    'containerd-socket': o.containerdSocket,
    'containerd-config': o.containerdConfig,
    namespace: o.namespace,
    'crictl-config': o.crictlConfig,
    shim: o.shim,
    'systemd-cgroup': o.systemdCgroup,
    'treat-empty-as-object': o.treatEmptyAsObject,
    'service-manager': o.serviceManager,
    'check-timeout': o.checkTimeoutSeconds,
    'sandbox-image': o.sandboxImage,
    'registry-mirror': o.registryMirror ? `${o.registryMirror.registry}=${o.registryMirror.endpoint}` : undefined,
    'nerdctl-version': o.nerdctlVersion,
    'cni-version': o.cniVersion,
    'nerdctl-mirror': o.nerdctlMirror,
    kubernetes: o.kubernetes,
    kubeconfig: o.kubeconfig,
    'node-label': o.nodeLabel,
    'node-taint': o.nodeTaint,
    'runtime-class': o.runtimeClass,
    'control-plane-host': o.controlPlaneHost,
  };
  const defaults = answersFromDefaults(d);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(all)) {
    if (v === undefined) continue;
    if (k === 'runtime' || always.has(k) || JSON.stringify(v) !== JSON.stringify(defaults[k])) out[k] = v;
  }
  // Kubernetes-only answers mean nothing without it (and are refused by the checks then).
  if (!o.kubernetes) for (const k of ['kubeconfig', 'node-label', 'node-taint', 'runtime-class', 'control-plane-host']) delete out[k];
  return out;
}

function answersFromDefaults(d: WizardOptions): Record<string, unknown> {
  return {
    'runtime-name': d.runtimeName, release: d.release, 'install-dir': d.installDir, 'default-runtime': d.makeDefault,
    image: d.image, 'containerd-socket': d.containerdSocket, namespace: d.namespace, 'crictl-config': d.crictlConfig,
    shim: d.shim, 'systemd-cgroup': d.systemdCgroup, 'treat-empty-as-object': d.treatEmptyAsObject,
    'service-manager': d.serviceManager, 'check-timeout': d.checkTimeoutSeconds, kubernetes: d.kubernetes,
    'node-label': d.nodeLabel, 'runtime-class': d.runtimeClass,
  };
}

/** Writes an answers file (temp file + rename, mode 0600) that `--answers` reads back. */
export function writeAnswersFile(file: string, answers: Record<string, unknown>, note: string): void {
  const header = [
    '# gvisor-wizard answers file',
    `# ${note}`,
    '# Replay: gvisor-wizard apply --answers THIS-FILE --yes   (flags on the command line win)',
    '# The join line is never stored: pass --join - and give it on standard input.',
    '',
  ].join('\n');
  const body = TOML.stringify(answers as TOML.JsonMap);
  // What is written must read back as the same answers.
  answersToFlags(TOML.parse(body) as Record<string, unknown>, file);
  // No folder is created: a typo in the path must not leave folders around (nor outside a practice DIR).
  if (!existsSync(dirname(file))) throw new AnswersError(file, `the folder ${dirname(file)} does not exist; pick a file in an existing folder`);
  replacePrivateFile(file, `${header}${body}`);
}
