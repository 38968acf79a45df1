// Command-line parsing for every face of the wizard. No Ink or React here: `--help` and
// `--version` must start fast.

import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { defaultOptions, WizardOptions } from '../wizard/options.js';
import { parseRelease } from '../release/channel.js';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { JoinParseError, NodeValueError, parseJoinCommand, validateNodeLabel, validateTaint } from '../kube/join.js';
import { joinProblem, secretLookingWords } from '../kube/steps/common.js';
import { SecretMasker } from '../log/mask.js';
import type { FlagValue, FlagValues } from '../answers/answers-file.js';
import { defaultPracticeRoot } from '../practice/paths.js';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const COMMANDS = ['tui', 'apply', 'plan', 'check', 'detect', 'steps', 'run', 'resume', 'undo', 'logs', 'doctor', 'explain', 'report'] as const;
export type Command = (typeof COMMANDS)[number];

export interface ParsedCli {
  command: Command;
  options: WizardOptions;
  yes: boolean;
  json: boolean;
  help: boolean;
  version: boolean;
  noColor: boolean;
  verbose: boolean;
  /** Flags given on the command line or in an answers file: the TUI does not ask what they already answer. */
  explicit: Set<string>;
  /** `run <step-id>`, `explain <topic>`: the word after the command. */
  target?: string;
  /** --answers FILE */
  answersFile?: string;
  /** --save-answers FILE */
  saveAnswers?: string;
  /** undo --step ID */
  undoStep?: string;
  /** undo --force: restore files changed by someone else since the wizard wrote them. */
  force: boolean;
  /** logs --last */
  last: boolean;
  /** --lab: show each command and diff first; the student may run it by hand. */
  lab: boolean;
  /** --dry-run (TUI): show every plan, change nothing. */
  dryRun: boolean;
  /** report --format */
  format: 'md' | 'json';
  /** report --output FILE */
  output?: string;
  /** --practice: stand-in engines below --root DIR (src/practice); also set for a DIR prepared for practice. */
  practice: boolean;
}

const optionSpec = {
  runtime: { type: 'string' },
  'runtime-name': { type: 'string' },
  release: { type: 'string' },
  mirror: { type: 'string' },
  'from-dir': { type: 'string' },
  'install-dir': { type: 'string' },
  'runtime-arg': { type: 'string', multiple: true },
  'default-runtime': { type: 'boolean' },
  image: { type: 'string' },
  'docker-host': { type: 'string' },
  'docker-config': { type: 'string' },
  'containerd-socket': { type: 'string' },
  'containerd-config': { type: 'string' },
  namespace: { type: 'string' },
  'crictl-config': { type: 'string' },
  shim: { type: 'string' },
  'systemd-cgroup': { type: 'boolean' },
  'treat-empty-as-object': { type: 'boolean' },
  'service-manager': { type: 'string' },
  'check-timeout': { type: 'string' },
  'state-dir': { type: 'string' },
  'log-dir': { type: 'string' },
  root: { type: 'string' },
  'sandbox-image': { type: 'string' },
  'registry-mirror': { type: 'string' },
  'nerdctl-version': { type: 'string' },
  'cni-version': { type: 'string' },
  'nerdctl-mirror': { type: 'string' },
  kubernetes: { type: 'boolean' },
  join: { type: 'string' },
  kubeconfig: { type: 'string' },
  'node-label': { type: 'string' },
  'node-taint': { type: 'string' },
  'runtime-class': { type: 'string' },
  'control-plane-host': { type: 'string' },
  'kube-root': { type: 'string' },
  answers: { type: 'string' },
  'save-answers': { type: 'string' },
  step: { type: 'string' },
  force: { type: 'boolean' },
  last: { type: 'boolean' },
  lab: { type: 'boolean' },
  practice: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  format: { type: 'string' },
  output: { type: 'string', short: 'o' },
  yes: { type: 'boolean', short: 'y' },
  json: { type: 'boolean' },
  'no-color': { type: 'boolean' },
  verbose: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const;

/** Commands that take one word after them. */
const TAKES_TARGET: Partial<Record<Command, string>> = { run: 'a step id (gvisor-wizard steps lists them)', explain: 'a step or topic' };

/**
 * Parses the command line. `layers` are answers given elsewhere (the state file's answers of
 * the last run, then an answers file), lowest first: a flag on the command line wins over them.
 */
export function parseCli(argv: string[], layers: FlagValues[] = []): ParsedCli {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: optionSpec, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/\. To specify a positional.*$/s, ''));
  }
  const { positionals } = parsed;
  const given = parsed.values as Record<string, FlagValue | undefined>;
  const v = Object.assign({}, ...layers, given) as typeof parsed.values;
  const [first, second, ...rest] = positionals;
  let command: Command = 'tui';
  if (first !== undefined) {
    if (first === 'help') return { ...base(defaultOptions()), help: true };
    if (!(COMMANDS as readonly string[]).includes(first)) throw new UsageError(`unknown command "${first}" (commands: ${COMMANDS.join(', ')})`);
    command = first as Command;
  }
  const extra = TAKES_TARGET[command] ? rest : [second, ...rest].filter((x) => x !== undefined);
  if (extra.length) throw new UsageError(`unexpected argument: ${extra.join(' ')}`);
  const target = TAKES_TARGET[command] ? second : undefined;
  if (command === 'run' && target === undefined && !v.help) throw new UsageError(`run needs ${TAKES_TARGET.run}: gvisor-wizard run <step-id> [--yes]`);

  const o = defaultOptions();
  if (v.runtime !== undefined) {
    if (v.runtime !== 'docker' && v.runtime !== 'containerd') throw new UsageError(`--runtime must be docker or containerd, not "${v.runtime}"`);
    o.engine = v.runtime;
  }
  if (v['runtime-name'] !== undefined) {
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(v['runtime-name'])) throw new UsageError(`--runtime-name "${v['runtime-name']}" is not a valid runtime name (letters, digits, . _ -)`);
    o.runtimeName = v['runtime-name'];
  }
  if (v.release !== undefined) {
    try {
      parseRelease(v.release);
    } catch (e) {
      throw new UsageError(`--release: ${(e as Error).message}`);
    }
    o.release = v.release;
  }
  if (v.mirror !== undefined && v['from-dir'] !== undefined) throw new UsageError('--mirror and --from-dir cannot be used together: pick one source');
  if (v.mirror !== undefined) {
    if (!/^https?:\/\/[^/\s]+/.test(v.mirror)) throw new UsageError(`--mirror must be an http(s) URL, not "${v.mirror}"`);
    o.mirror = v.mirror;
  }
  if (v['from-dir'] !== undefined) o.fromDir = absolute(v['from-dir'], '--from-dir');
  if (v['install-dir'] !== undefined) o.installDir = machinePath(v['install-dir'], '--install-dir');
  if (v['runtime-arg'] !== undefined) {
    for (const a of v['runtime-arg']) if (!a.startsWith('--')) throw new UsageError(`--runtime-arg "${a}" must be a runsc flag starting with -- (for example --runtime-arg=--network=host)`);
    o.runtimeArgs = v['runtime-arg'];
  }
  if (v['default-runtime']) o.makeDefault = true;
  if (v.image !== undefined) {
    if (!v.image.trim() || /\s/.test(v.image)) throw new UsageError(`--image "${v.image}" is not an image reference`);
    o.image = v.image;
  }
  if (v['docker-host'] !== undefined) {
    if (!/^(unix|tcp|ssh|fd):\/\/./.test(v['docker-host'])) throw new UsageError(`--docker-host must be an address like unix:///var/run/docker.sock or tcp://HOST:PORT, not "${v['docker-host']}"`);
    o.dockerHost = v['docker-host'];
  }
  if (v['docker-config'] !== undefined) o.dockerConfig = machinePath(v['docker-config'], '--docker-config');
  if (v['treat-empty-as-object']) o.treatEmptyAsObject = true;
  if (v['containerd-socket'] !== undefined) o.containerdSocket = absolute(v['containerd-socket'].replace(/^unix:\/\//, ''), '--containerd-socket');
  if (v['containerd-config'] !== undefined) o.containerdConfig = machinePath(v['containerd-config'], '--containerd-config');
  if (v.namespace !== undefined) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(v.namespace)) throw new UsageError(`--namespace "${v.namespace}" is not a containerd namespace name`);
    o.namespace = v.namespace;
  }
  if (v['systemd-cgroup']) o.systemdCgroup = true;
  if (v['crictl-config'] !== undefined) o.crictlConfig = machinePath(v['crictl-config'], '--crictl-config');
  if (v.shim !== undefined) {
    if (v.shim !== 'auto' && v.shim !== 'runsc' && v.shim !== 'runc') throw new UsageError(`--shim must be auto, runsc or runc, not "${v.shim}"`);
    o.shim = v.shim;
  }
  if (v['service-manager'] !== undefined) {
    const s = v['service-manager'];
    if (s !== 'auto' && s !== 'systemd' && s !== 'none') throw new UsageError(`--service-manager must be auto, systemd or none, not "${s}"`);
    o.serviceManager = s;
  }
  if (v['check-timeout'] !== undefined) {
    const n = /^\d+$/.test(v['check-timeout']) ? Number(v['check-timeout']) : NaN;
    if (!Number.isInteger(n) || n < 10 || n > 3600) throw new UsageError(`--check-timeout must be whole seconds from 10 to 3600, not "${v['check-timeout']}"`);
    o.checkTimeoutSeconds = n;
  }
  parseContainerdExtras(v, o);
  parseKubernetes(v, o, command);
  if (v.root !== undefined) o.root = absolute(v.root, '--root');
  // --practice: its own DIR (reused across runs so rerun, undo and report find it).
  if (v.practice && v.root === undefined) o.root = defaultPracticeRoot();
  if (v.practice && o.root === '/') throw new UsageError('--practice needs a folder of its own: pass --root DIR (not /) or leave --root out');
  // Under --root the wizard's own files live there too: nothing outside DIR is written.
  const underRoot = (p: string) => (o.root === '/' ? p : join(o.root, p));
  o.stateDir = v['state-dir'] !== undefined ? absolute(v['state-dir'], '--state-dir') : underRoot(o.stateDir);
  o.logDir = v['log-dir'] !== undefined ? absolute(v['log-dir'], '--log-dir') : underRoot(o.logDir);

  if (v.format !== undefined && v.format !== 'md' && v.format !== 'json') throw new UsageError(`--format must be md or json, not "${v.format}"`);
  if (v.step !== undefined && command !== 'undo') throw new UsageError('--step belongs to undo (gvisor-wizard undo --step ID); to rerun one step use gvisor-wizard run ID');
  if (v.output !== undefined && !v.output.startsWith('/')) v.output = join(process.cwd(), v.output);
  if (v.answers !== undefined && !v.answers.startsWith('/')) v.answers = join(process.cwd(), v.answers);
  if (v['save-answers'] !== undefined && !v['save-answers'].startsWith('/')) v['save-answers'] = join(process.cwd(), v['save-answers']);

  return {
    command,
    options: o,
    yes: Boolean(v.yes),
    json: Boolean(v.json),
    help: Boolean(v.help),
    version: Boolean(v.version),
    noColor: Boolean(v['no-color']) || 'NO_COLOR' in process.env,
    verbose: Boolean(v.verbose),
    explicit: new Set(Object.keys(v)),
    target,
    answersFile: v.answers,
    saveAnswers: v['save-answers'],
    undoStep: v.step,
    force: Boolean(v.force),
    last: Boolean(v.last),
    lab: Boolean(v.lab),
    dryRun: Boolean(v['dry-run']),
    format: (v.format as 'md' | 'json' | undefined) ?? 'md',
    output: v.output,
    practice: Boolean(v.practice),
  };
}

/** The optional containerd pieces: --sandbox-image, --registry-mirror, and nerdctl (+ CNI plugins). */
function parseContainerdExtras(
  v: { 'sandbox-image'?: string; 'registry-mirror'?: string; 'nerdctl-version'?: string; 'cni-version'?: string; 'nerdctl-mirror'?: string },
  o: WizardOptions,
): void {
  const httpUrl = /^https?:\/\/[^/\s?#"'\\]+[^\s"'\\]*$/i;
  if (v['sandbox-image'] !== undefined) {
    const img = v['sandbox-image'];
    if (!img || /[\s"'\\]/.test(img) || /^[a-z]+:\/\//i.test(img)) throw new UsageError(`--sandbox-image "${img}" is not an image reference (for example registry.k8s.io/pause:3.10)`);
    o.sandboxImage = img;
  }
  if (v['registry-mirror'] !== undefined) {
    const raw = v['registry-mirror'];
    const eq = raw.indexOf('=');
    const registry = eq > 0 ? raw.slice(0, eq) : '';
    const endpoint = eq > 0 ? raw.slice(eq + 1) : '';
    if (!registry || !endpoint) throw new UsageError(`--registry-mirror must be REGISTRY=URL (for example docker.io=https://mirror.example:5000), not "${raw}"`);
    if (registry !== '*' && !/^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::\d{1,5})?$/.test(registry)) {
      throw new UsageError(`--registry-mirror: "${registry}" is not a registry host name (for example docker.io or registry.example:5000)`);
    }
    if (!httpUrl.test(endpoint)) throw new UsageError(`--registry-mirror: the mirror URL must be http(s), not "${endpoint}"`);
    o.registryMirror = { registry, endpoint };
  }
  const version = (flag: string, val: string): string => {
    if (!/^v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?$/.test(val)) throw new UsageError(`${flag} must be a release version like 2.0.4, not "${val}"`);
    return val.replace(/^v/, '');
  };
  if (v['nerdctl-version'] !== undefined) o.nerdctlVersion = version('--nerdctl-version', v['nerdctl-version']);
  if (v['cni-version'] !== undefined) {
    if (o.nerdctlVersion === undefined) throw new UsageError('--cni-version needs --nerdctl-version: the CNI plugins are installed together with nerdctl');
    o.cniVersion = version('--cni-version', v['cni-version']);
  }
  if (v['nerdctl-mirror'] !== undefined) {
    if (o.nerdctlVersion === undefined) throw new UsageError('--nerdctl-mirror needs --nerdctl-version: nerdctl is only installed when its version is given');
    if (!httpUrl.test(v['nerdctl-mirror'])) throw new UsageError(`--nerdctl-mirror must be an http(s) URL, not "${v['nerdctl-mirror']}"`);
    o.nerdctlMirror = v['nerdctl-mirror'];
  }
}

/** Reads `--join -` from standard input (kept out of argv, which every user can read in /proc). */
export function readJoinFromStdin(): string {
  return readFileSync(0, 'utf8');
}

/** The Kubernetes path: --kubernetes and what only makes sense with it. */
function parseKubernetes(
  v: { kubernetes?: boolean; join?: string; kubeconfig?: string; 'node-label'?: string; 'node-taint'?: string; 'runtime-class'?: string; 'control-plane-host'?: string; 'kube-root'?: string; runtime?: string },
  o: WizardOptions,
  command: Command,
): void {
  const kubeFlags = ['join', 'kubeconfig', 'node-label', 'node-taint', 'runtime-class', 'control-plane-host', 'kube-root'] as const;
  const given = kubeFlags.filter((f) => v[f] !== undefined);
  if (!v.kubernetes) {
    // The TUI asks whether to go on to Kubernetes: its flags are answers for that case.
    if (given.length && command !== 'tui') throw new UsageError(`--${given[0]} needs --kubernetes`);
    if (!given.length) return;
  } else {
    if (o.engine !== 'containerd') throw new UsageError('--kubernetes needs --runtime containerd: the kubelet talks to containerd through its CRI plugin');
    o.kubernetes = true;
  }
  if (v.join !== undefined) {
    const line = v.join === '-' ? readJoinFromStdin() : v.join;
    const masker = new SecretMasker();
    for (const s of secretLookingWords(line)) masker.add(s);
    try {
      parseJoinCommand(line);
    } catch (e) {
      if (e instanceof JoinParseError) {
        const p = joinProblem(e);
        throw new UsageError(masker.mask(`--join: ${p.why}\n  ${p.next}`));
      }
      throw e;
    }
    o.join = line;
  }
  if (v.kubeconfig !== undefined) o.kubeconfig = absolute(v.kubeconfig, '--kubeconfig');
  try {
    if (v['node-label'] !== undefined) {
      validateNodeLabel(v['node-label']);
      o.nodeLabel = v['node-label'];
    }
    if (v['node-taint'] !== undefined) {
      validateTaint(v['node-taint']);
      o.nodeTaint = v['node-taint'];
    }
  } catch (e) {
    if (e instanceof NodeValueError) throw new UsageError(`${e.detail}\n  ${e.hint}`);
    throw e;
  }
  if (v['runtime-class'] !== undefined) {
    if (!/^(?=.{1,253}$)[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*$/.test(v['runtime-class'])) throw new UsageError(`--runtime-class "${v['runtime-class']}" is not a valid RuntimeClass name (lowercase letters, digits, "-" and ".")`);
    o.runtimeClass = v['runtime-class'];
  }
  if (!/^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/.test(o.runtimeName)) {
    throw new UsageError(`--runtime-name "${o.runtimeName}" cannot be a RuntimeClass handler: Kubernetes needs a DNS label (lowercase letters, digits and "-")`);
  }
  if (v['control-plane-host'] !== undefined) {
    const parts = v['control-plane-host'].trim().split(/\s+/);
    if (parts.length !== 2 || !isIP(parts[0]!)) throw new UsageError(`--control-plane-host must be "IP NAME" (e.g. "192.0.2.10 k8s-api.example"), not "${v['control-plane-host']}"`);
    o.controlPlaneHost = parts.join(' ');
  }
  if (v['kube-root'] !== undefined) o.kubeRoot = absolute(v['kube-root'], '--kube-root');
}

function base(options: WizardOptions): ParsedCli {
  return { command: 'tui', options, yes: false, json: false, help: false, version: false, noColor: false, verbose: false, explicit: new Set(), force: false, last: false, lab: false, dryRun: false, format: 'md', practice: false };
}

function absolute(p: string, flag: string): string {
  if (!p.startsWith('/')) throw new UsageError(`${flag} needs an absolute path, not "${p}"`);
  return p.replace(/\/+$/, '') || '/';
}

/** A path on the machine (under --root when given): absolute, no `..`. */
function machinePath(p: string, flag: string): string {
  const a = absolute(p, flag);
  if (a.split('/').includes('..')) throw new UsageError(`${flag} must not contain "..": "${p}"`);
  return a;
}
