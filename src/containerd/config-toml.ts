// containerd's config.toml (and the runsc.toml shim options file): analysis of what containerd will
// make of the file, and surgical edits that add the runsc runtime while every other byte — comments,
// indentation, quote style, key order, line endings — stays as the operator left it.
//
// @iarna/toml is used to parse and verify only (its stringify drops comments and reformats). The
// edits themselves are line insertions and value replacements located by ./toml-lines.ts; every
// result is parsed again and compared with the old value: only the intended keys may differ.

import { parseTomlText } from './toml-parse.js';

import { ConfigFileError } from '../docker/daemon-json.js';
import {
  applyOps,
  blankBeforeHeader,
  blockEndLine,
  blockKeyValues,
  formatKeyPath,
  headerFollowsContent,
  formatKeySegment,
  formatScalar,
  insertLinesAfter,
  insertLinesBefore,
  samePath,
  scanToml,
  startsWithPath,
  TomlScanError,
  type HeaderStatement,
  type KeyValueStatement,
  type ScannedToml,
  type TextOp,
  type TomlScalar,
} from './toml-lines.js';

export type ContainerdConfigVersion = 1 | 2 | 3;

export type ProblemKind =
  | 'short-plugin-name'
  | 'v2-cri-table-in-v3'
  | 'runtime-wrong-schema'
  | 'runtime-differs'
  | 'runtime-without-type'
  | 'full-uri-in-version-1'
  | 'cri-disabled'
  | 'imports'
  | 'generated-file';

export interface ConfigProblem {
  kind: ProblemKind;
  /** 'error': containerd refuses the file (the wizard refuses to edit it); 'warning': it loads, but not as meant. */
  severity: 'error' | 'warning';
  /** severity === 'error': the editors refuse the file. */
  blocking: boolean;
  /** 1-based line. */
  line: number;
  message: string;
}

export interface TableHeaderInfo {
  path: string[];
  /** 1-based line. */
  line: number;
  /** The header line without indentation and line ending. */
  text: string;
  /** `[[...]]` array-of-tables header. */
  array: boolean;
}

export interface RuntimeInfo {
  name: string;
  /** Config layout the table belongs to: 2 = plugins."io.containerd.grpc.v1.cri", 3 = plugins."io.containerd.cri.v1.runtime". */
  schema: 2 | 3;
  /** 1-based line of its header (or of its first sub-table when it has no header of its own). */
  line: number;
  runtimeType?: string;
  options?: Record<string, unknown>;
}

export interface ConfigAnalysis {
  file: string;
  /** `version = N`; 1 for a non-empty file without one; 'empty' for no statements at all (all defaults). */
  version: ContainerdConfigVersion | 'empty';
  /** 1-based line of `version = N`. */
  versionLine?: number;
  /** The parsed file (@iarna/toml). */
  value: Record<string, unknown>;
  headers: TableHeaderInfo[];
  imports: string[];
  disabledPlugins?: { value: string[]; line: number };
  runtimes: RuntimeInfo[];
  problems: ConfigProblem[];
  generatedBy?: 'k3s' | 'rke2';
  lineEnding: '\n' | '\r\n';
}

export interface EditWarning {
  /** 1-based line in the input text. */
  line: number;
  message: string;
}

export interface EditResult {
  text: string;
  changed: boolean;
  changes: string[];
  warnings: EditWarning[];
}

export interface RuntimeWant {
  version: 2 | 3;
  name: string;
  runtimeType: string;
  options: Record<string, string | boolean>;
  /**
   * When the runtime is new and the file defines no table for the default runtime `runc`, also write
   * `runtimes.runc` with `runtime_type = "io.containerd.runc.v2"` (default true): containerd 1.x
   * replaces its whole built-in runtime list with the runtimes a file names, so a file that only
   * names runsc would lose runc — and the CRI plugin would then fail on `default_runtime_name = "runc"`.
   */
  keepDefaultRuntime?: boolean;
}

export const CRI_PLUGIN_V2 = 'io.containerd.grpc.v1.cri';
export const CRI_RUNTIME_PLUGIN_V3 = 'io.containerd.cri.v1.runtime';
export const CRI_IMAGES_PLUGIN_V3 = 'io.containerd.cri.v1.images';
export const RUNC_RUNTIME_TYPE = 'io.containerd.runc.v2';

/** Keys that stay in plugins."io.containerd.grpc.v1.cri" in a version 3 file (everything else moved). */
const V3_GRPC_CRI_KEYS = new Set([
  'disable_tcp_service',
  'stream_server_address',
  'stream_server_port',
  'stream_idle_timeout',
  'enable_tls_streaming',
  'x509_key_pair_streaming',
]);

export function runtimeTablePath(version: 2 | 3, name: string): string[] {
  return ['plugins', version === 2 ? CRI_PLUGIN_V2 : CRI_RUNTIME_PLUGIN_V3, 'containerd', 'runtimes', name];
}

// ---------------------------------------------------------------------------------------------
// Parsing and analysis

interface Loaded {
  file: string;
  text: string;
  doc: ScannedToml;
  value: Record<string, unknown>;
}

function load(text: string, file: string): Loaded {
  let value: Record<string, unknown>;
  try {
    value = parseTomlText(text);
  } catch (err) {
    const e = err as { line?: number; col?: number; message?: string };
    const detail = String(e.message ?? err).split('\n')[0]!.replace(/ at row \d+, col \d+, pos \d+:?$/, '');
    throw new ConfigFileError(
      file,
      typeof e.line === 'number' ? e.line + 1 : undefined,
      typeof e.col === 'number' ? e.col + 1 : undefined,
      `invalid TOML: ${detail}`,
      'containerd cannot read this file either (it refuses to start). Fix it by hand, then run the wizard again. Nothing was changed.',
    );
  }
  let doc: ScannedToml;
  try {
    doc = scanToml(text);
  } catch (err) {
    if (!(err instanceof TomlScanError)) throw err;
    throw new Error(`internal error: ${file} parses but the line scanner cannot follow it at offset ${err.offset}: ${err.message}`);
  }
  return { file, text, doc, value };
}

/** Reads containerd's config.toml: schema version, tables, imports, and what containerd will do wrong with it. */
export function analyseContainerdConfig(text: string, file: string, want?: RuntimeWant): ConfigAnalysis {
  return analyseLoaded(load(text, file), want);
}

function analyseLoaded(l: Loaded, want?: RuntimeWant): ConfigAnalysis {
  const { doc, value, file } = l;
  const problems: ConfigProblem[] = [];
  const line1 = (zeroBased: number): number => zeroBased + 1;

  // --- version
  const versionStmt = doc.keyValues.find((s) => s.table.length === 0 && samePath(s.key.map((k) => k.name), ['version']));
  let version: ConfigAnalysis['version'];
  if (value.version === undefined) {
    version = doc.statements.length === 0 ? 'empty' : 1;
  } else if (value.version === 1 || value.version === 2 || value.version === 3) {
    version = value.version;
  } else {
    throw new ConfigFileError(
      file,
      versionStmt ? line1(versionStmt.line) : undefined,
      1,
      `unsupported config version ${JSON.stringify(value.version)} (the wizard knows versions 1, 2 and 3)`,
      'Check the file against `containerd config default` of the installed containerd. Nothing was changed.',
    );
  }

  const headers: TableHeaderInfo[] = doc.headers.map((h) => ({
    path: h.path,
    line: line1(h.line),
    text: doc.text.slice(h.start, doc.lines[h.line]!.contentEnd).trimEnd(),
    array: h.type === 'arrayTable',
  }));

  const lineOfPath = (path: string[]): number | undefined => firstLineOfPath(doc, path);

  // --- imports, disabled plugins
  const imports = Array.isArray(value.imports) ? value.imports.filter((x): x is string => typeof x === 'string') : [];
  const importsLine = lineOfPath(['imports']);
  const disabledLine = lineOfPath(['disabled_plugins']);
  const disabledPlugins =
    Array.isArray(value.disabled_plugins) && disabledLine !== undefined
      ? { value: value.disabled_plugins.map(String), line: line1(disabledLine) }
      : undefined;

  // --- short (version 1) plugin names
  const shortNames = shortPluginNames(l);
  if (version === 2 || version === 3) {
    for (const s of shortNames) {
      problems.push({
        kind: 'short-plugin-name',
        severity: 'error',
        blocking: true,
        line: line1(s.line),
        message:
          s.where === 'plugins'
            ? `short plugin name "${s.name}" (version 1 naming) in a version ${version} file: ` +
              (version === 2 ? 'containerd refuses the whole file ' : 'containerd 2.x ignores the table, 1.x refuses the whole file ') +
              `("invalid plugin key URI \\"${s.name}\\" expect io.containerd.x.vx")` +
              (V1_PLUGIN_NAMES[s.name] ? `; the version ${version} name is "${V1_PLUGIN_NAMES[s.name]}"` : '')
            : `short plugin name "${s.name}" in ${s.where} of a version ${version} file: containerd refuses the whole file ` +
              `("invalid ${s.where === 'disabled_plugins' ? 'disabled' : 'required'} plugin URI \\"${s.name}\\" expect io.containerd.x.vx")` +
              (V1_PLUGIN_NAMES[s.name] ? `; the full id is "${V1_PLUGIN_NAMES[s.name]}"` : ''),
      });
    }
  }

  // --- runtimes under either layout
  const runtimes = collectRuntimes(l);
  for (const r of runtimes) {
    if (version === 1) continue;
    if (version !== 'empty' && r.schema !== (version === 3 ? 3 : 2)) {
      problems.push({
        kind: 'runtime-wrong-schema',
        severity: 'warning',
        blocking: false,
        line: r.line,
        message:
          `runtime "${r.name}" at line ${r.line} is written in the version ${r.schema} layout ` +
          `(plugins."${r.schema === 2 ? CRI_PLUGIN_V2 : CRI_RUNTIME_PLUGIN_V3}"), but this is a version ${version} file: ` +
          `containerd ignores that table` +
          (version === 3 ? ` (version 3 reads runtimes from plugins.'${CRI_RUNTIME_PLUGIN_V3}'.containerd.runtimes)` : ''),
      });
    }
  }
  if (version === 2) {
    for (const r of runtimes) {
      if (r.schema === 2 && r.runtimeType === undefined) {
        problems.push({
          kind: 'runtime-without-type',
          severity: 'warning',
        blocking: false,
          line: r.line,
          message:
            `runtime "${r.name}" (line ${r.line}) has no runtime_type: containerd 1.x then runs it with an empty runtime type ` +
            `(a table for a runtime replaces the built-in one; containerd/containerd#6964) — add runtime_type = "${RUNC_RUNTIME_TYPE}" if it is runc`,
        });
      }
    }
  }
  if (want) {
    const existing = runtimes.find((r) => r.name === want.name && r.schema === want.version);
    if (existing) {
      const diffs: string[] = [];
      if (existing.runtimeType !== want.runtimeType) diffs.push(`runtime_type is ${describe(existing.runtimeType)}, wanted ${describe(want.runtimeType)}`);
      for (const [k, v] of Object.entries(want.options)) {
        const have = existing.options?.[k];
        if (!sameValue(have, v)) diffs.push(`options.${k} is ${describe(have)}, wanted ${describe(v)}`);
      }
      if (diffs.length > 0) {
        problems.push({
          kind: 'runtime-differs',
          severity: 'warning',
        blocking: false,
          line: existing.line,
          message: `runtime "${want.name}" already exists at line ${existing.line} with other values: ${diffs.join('; ')}`,
        });
      }
    }
  }

  // --- v2 CRI sections in a version 3 file (silently ignored)
  if (version === 3) {
    for (const h of doc.headers) {
      if (h.path[0] !== 'plugins' || h.path[1] !== CRI_PLUGIN_V2 || h.path.length < 3) continue;
      if (V3_GRPC_CRI_KEYS.has(h.path[2]!)) continue;
      if (h.path[2] === 'containerd' && h.path[3] === 'runtimes' && h.path.length >= 5) continue; // reported as runtime-wrong-schema
      problems.push({
        kind: 'v2-cri-table-in-v3',
        severity: 'warning',
        blocking: false,
        line: line1(h.line),
        message:
          `[${h.path.join('.')}] at line ${line1(h.line)} uses the version 2 layout: in a version 3 file containerd ignores it ` +
          `(CRI settings moved to plugins.'${CRI_RUNTIME_PLUGIN_V3}' and plugins.'${CRI_IMAGES_PLUGIN_V3}')`,
      });
    }
    for (const s of doc.keyValues) {
      if (s.fullPath[0] !== 'plugins' || s.fullPath[1] !== CRI_PLUGIN_V2 || s.fullPath.length !== 3) continue;
      if (V3_GRPC_CRI_KEYS.has(s.fullPath[2]!)) continue;
      problems.push({
        kind: 'v2-cri-table-in-v3',
        severity: 'warning',
        blocking: false,
        line: line1(s.line),
        message: `${s.fullPath[2]} at line ${line1(s.line)} is a version 2 setting of plugins."${CRI_PLUGIN_V2}": in a version 3 file containerd ignores it`,
      });
    }
  }

  // --- full plugin ids in a version 1 file (case B5)
  if (version === 1) {
    const full = doc.statements.find((s) => {
      const p = s.type === 'keyValue' ? s.fullPath : s.path;
      return p[0] === 'plugins' && p.length >= 2 && p[1]!.split('.').length >= 4;
    });
    if (full) {
      problems.push({
        kind: 'full-uri-in-version-1',
        severity: 'warning',
        blocking: false,
        line: line1(full.line),
        message:
          `the file has no "version" line, so containerd reads it as version 1; tables with full plugin ids such as ` +
          `line ${line1(full.line)} belong to version 2 and are ignored` +
          (shortNames.length === 0 ? ' (all plugin names here are full ids: adding "version = 2" is safe)' : ''),
      });
    }
  }

  // --- CRI disabled (case B3)
  if (disabledPlugins) {
    const cri = disabledPlugins.value.filter((p) => CRI_PLUGIN_IDS.has(p));
    if (cri.length > 0) {
      problems.push({
        kind: 'cri-disabled',
        severity: 'warning',
        blocking: false,
        line: disabledPlugins.line,
        message:
          `disabled_plugins at line ${disabledPlugins.line} turns off the CRI plugin (${cri.map((c) => `"${c}"`).join(', ')}), ` +
          'as Docker\'s containerd.io package ships it: Kubernetes cannot use containerd and no CRI runtime (runsc included) takes effect',
      });
    }
  }

  // --- imports (case B6)
  if (imports.length > 0) {
    problems.push({
      kind: 'imports',
      severity: 'warning',
        blocking: false,
      line: importsLine !== undefined ? line1(importsLine) : 1,
      message:
        `imports ${imports.map((i) => JSON.stringify(i)).join(', ')}: on containerd < 2.0 an imported file that touches the CRI plugin ` +
        'replaces its whole section (a runtime added here can silently vanish); judge the result with `containerd config dump`',
    });
  }

  // --- k3s / rke2
  const generatedBy = detectGenerator(l.text);
  if (generatedBy) {
    problems.push({
      kind: 'generated-file',
      severity: 'warning',
        blocking: false,
      line: 1,
      message:
        `this file is generated by ${generatedBy} and rewritten when ${generatedBy} restarts: edits here are lost; ` +
        `put them into config.toml.tmpl (config-v3.toml.tmpl for version 3) next to it`,
    });
  }

  problems.sort((a, b) => a.line - b.line);
  return {
    file,
    version,
    versionLine: versionStmt ? line1(versionStmt.line) : undefined,
    value,
    headers,
    imports,
    disabledPlugins,
    runtimes,
    problems,
    generatedBy,
    lineEnding: doc.eol,
  };
}

const V1_PLUGIN_NAMES: Record<string, string> = {
  cri: CRI_PLUGIN_V2,
  cgroups: 'io.containerd.monitor.v1.cgroups',
  linux: 'io.containerd.runtime.v1.linux',
  scheduler: 'io.containerd.gc.v1.scheduler',
  bolt: 'io.containerd.metadata.v1.bolt',
  task: 'io.containerd.runtime.v2.task',
  opt: 'io.containerd.internal.v1.opt',
  restart: 'io.containerd.internal.v1.restart',
  tracing: 'io.containerd.internal.v1.tracing',
  otlp: 'io.containerd.tracing.processor.v1.otlp',
  aufs: 'io.containerd.snapshotter.v1.aufs',
  btrfs: 'io.containerd.snapshotter.v1.btrfs',
  devmapper: 'io.containerd.snapshotter.v1.devmapper',
  native: 'io.containerd.snapshotter.v1.native',
  overlayfs: 'io.containerd.snapshotter.v1.overlayfs',
  zfs: 'io.containerd.snapshotter.v1.zfs',
  'diff-service': 'io.containerd.service.v1.diff-service',
};

const CRI_PLUGIN_IDS = new Set(['cri', CRI_PLUGIN_V2, CRI_RUNTIME_PLUGIN_V3, CRI_IMAGES_PLUGIN_V3]);

interface ShortName {
  name: string;
  line: number;
  where: 'plugins' | 'disabled_plugins' | 'required_plugins';
}

/** Plugin ids with fewer than four dot-separated parts (what containerd 1.x rejects in a version 2 file). */
function shortPluginNames(l: Loaded): ShortName[] {
  const out: ShortName[] = [];
  const seen = new Set<string>();
  const isShort = (id: string): boolean => id.split('.').length < 4;
  const plugins = l.value.plugins;
  if (isPlainObject(plugins)) {
    for (const id of Object.keys(plugins)) {
      if (!isShort(id)) continue;
      const line = firstLineOfPath(l.doc, ['plugins', id]) ?? firstLineOfPath(l.doc, ['plugins']) ?? 0;
      out.push({ name: id, line, where: 'plugins' });
      seen.add(id);
    }
  }
  for (const key of ['disabled_plugins', 'required_plugins'] as const) {
    const list = l.value[key];
    if (!Array.isArray(list)) continue;
    for (const id of list) {
      if (typeof id === 'string' && isShort(id)) out.push({ name: id, line: firstLineOfPath(l.doc, [key]) ?? 0, where: key });
    }
  }
  return out.sort((a, b) => a.line - b.line);
}

/** 0-based line of the first statement that defines `path` or something inside it. */
function firstLineOfPath(doc: ScannedToml, path: string[]): number | undefined {
  for (const s of doc.statements) {
    const p = s.type === 'keyValue' ? s.fullPath : s.path;
    if (startsWithPath(p, path) || (s.type === 'keyValue' && s.valueKind === 'inline-table' && startsWithPath(path, p))) return s.line;
  }
  return undefined;
}

function collectRuntimes(l: Loaded): RuntimeInfo[] {
  const out: RuntimeInfo[] = [];
  for (const schema of [2, 3] as const) {
    const base = runtimeTablePath(schema, '').slice(0, -1);
    const table = getPath(l.value, base);
    if (!isPlainObject(table)) continue;
    for (const [name, rt] of Object.entries(table)) {
      if (!isPlainObject(rt)) continue;
      const line = firstLineOfPath(l.doc, [...base, name]) ?? 0;
      out.push({
        name,
        schema,
        line: line + 1,
        runtimeType: typeof rt.runtime_type === 'string' ? rt.runtime_type : undefined,
        options: isPlainObject(rt.options) ? rt.options : undefined,
      });
    }
  }
  return out.sort((a, b) => a.line - b.line);
}

function detectGenerator(text: string): 'k3s' | 'rke2' | undefined {
  const header = /^\s*#\s*File generated by (k3s|rke2)\b/im.exec(text);
  if (header) return header[1]!.toLowerCase() as 'k3s' | 'rke2';
  if (text.includes('/var/lib/rancher/rke2/')) return 'rke2';
  if (text.includes('/var/lib/rancher/k3s/')) return 'k3s';
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Refusals shared by the editors

function refuseBlocking(a: ConfigAnalysis, file: string): void {
  const blocking = a.problems.filter((p) => p.severity === 'error');
  const first = blocking[0];
  if (!first) return;
  const more = blocking.length > 1 ? ` (and ${blocking.length - 1} more: lines ${blocking.slice(1).map((p) => p.line).join(', ')})` : '';
  throw new ConfigFileError(
    file,
    first.line,
    1,
    first.message + more,
    'Rename the table to the full plugin id shown (or delete it), check the file with `containerd config dump`, then run the wizard again. ' +
      'Nothing was changed.',
  );
}

/** The layout to write: the file's own version; refuses version 1 and a layout that does not match the file. */
function resolveVersion(a: ConfigAnalysis, l: Loaded, wanted: 2 | 3, file: string): 2 | 3 {
  if (a.version === 'empty') return wanted;
  if (a.version === 1) {
    const safe = shortPluginNames(l).length === 0;
    const firstStmt = l.doc.statements[0];
    throw new ConfigFileError(
      file,
      firstStmt ? firstStmt.line + 1 : undefined,
      1,
      'the file has no "version" line, so containerd reads it as configuration version 1 (plugin names like plugins.cri); ' +
        'a runtime written in the version 2 or 3 layout would be ignored',
      safe
        ? 'All plugin names in it are already full ids, so the wizard can add "version = 2" safely (it says so in a comment) ' +
            'and then add the runtime. Nothing was changed yet.'
        : 'It uses version 1 short plugin names, so "version = 2" cannot simply be added: migrate it first (rename plugins.cri to ' +
            `plugins."${CRI_PLUGIN_V2}" and so on, or start from \`containerd config default\`; containerd 2.x prints a migrated file with ` +
            '`containerd config migrate`), then run the wizard again. Nothing was changed.',
    );
  }
  if (a.version !== wanted) {
    throw new ConfigFileError(
      file,
      a.versionLine,
      1,
      `the file is version ${a.version}, but the runtime was asked for in the version ${wanted} layout: containerd would ignore that table`,
      `Write the runtime in the version ${a.version} layout (${runtimeTablePath(a.version, '<name>').join('.')}). Nothing was changed.`,
    );
  }
  return a.version;
}

// ---------------------------------------------------------------------------------------------
// The edit engine: make tables hold given keys

/** A value the editors write: a scalar, or an array of strings (a mirror's `endpoint`). */
type PlanValue = TomlScalar | readonly string[];

interface TablePlan {
  path: string[];
  keys: [string, PlanValue][];
}

function formatPlanValue(v: PlanValue, quote: '"' | "'"): string {
  if (typeof v === 'object') return `[${v.map((x) => formatScalar(x, quote)).join(', ')}]`;
  return formatScalar(v, quote);
}

interface EngineResult {
  ops: TextOp[];
  changes: string[];
}

interface Style {
  eol: string;
  keyStep: string;
  headerStep: string;
  stringQuote: '"' | "'";
  keyQuote: '"' | "'";
  eq: string;
  /** Whether a header that follows a table's keys usually has a blank line before it. */
  blankAfterContent: boolean;
}

function mostCommon<T>(items: T[]): T | undefined {
  const counts = new Map<T, number>();
  let best: T | undefined;
  let bestCount = 0;
  for (const it of items) {
    const n = (counts.get(it) ?? 0) + 1;
    counts.set(it, n);
    if (n > bestCount) {
      best = it;
      bestCount = n;
    }
  }
  return best;
}

function detectStyle(doc: ScannedToml, defaultQuote: '"' | "'"): Style {
  const keySteps: string[] = [];
  const headerSteps: string[] = [];
  const blanks: boolean[] = [];
  doc.headers.forEach((h, i) => {
    const first = blockKeyValues(doc, i)[0];
    if (first && first.indent.startsWith(h.indent)) keySteps.push(first.indent.slice(h.indent.length));
    const ancestor = nearestAncestorHeader(doc, h.path, h);
    if (ancestor && h.indent.startsWith(ancestor.indent)) headerSteps.push(h.indent.slice(ancestor.indent.length));
    if (headerFollowsContent(doc, h)) blanks.push(blankBeforeHeader(doc, h));
  });
  const stringQuotes: ('"' | "'")[] = [];
  for (const s of doc.keyValues) {
    if (s.valueKind === 'basic') stringQuotes.push('"');
    else if (s.valueKind === 'literal') stringQuotes.push("'");
  }
  const keyQuotes: ('"' | "'")[] = [];
  for (const h of doc.headers) {
    for (const seg of h.key) {
      if (seg.quote === 'basic') keyQuotes.push('"');
      else if (seg.quote === 'literal') keyQuotes.push("'");
    }
  }
  const eqs = doc.keyValues.map((s) => doc.text.slice(s.keyEnd, s.valueStart)).filter((e) => !e.includes('\n'));
  const keyStep = mostCommon(keySteps);
  return {
    eol: doc.eol,
    keyStep: keyStep ?? '  ',
    // Without nested headers to learn from, nest by the file's key indentation (tabs stay tabs).
    headerStep: mostCommon(headerSteps) ?? keyStep ?? '  ',
    stringQuote: mostCommon(stringQuotes) ?? defaultQuote,
    keyQuote: mostCommon(keyQuotes) ?? mostCommon(stringQuotes) ?? defaultQuote,
    eq: mostCommon(eqs) ?? ' = ',
    blankAfterContent: blanks.filter(Boolean).length > blanks.length / 2,
  };
}

function nearestAncestorHeader(doc: ScannedToml, path: string[], except?: HeaderStatement): HeaderStatement | undefined {
  let best: HeaderStatement | undefined;
  for (const h of doc.headers) {
    if (h === except || h.type !== 'table' || h.path.length >= path.length || !startsWithPath(path, h.path)) continue;
    if (!best || h.path.length > best.path.length) best = h;
  }
  return best;
}

function findTableHeader(doc: ScannedToml, path: string[]): number {
  return doc.headers.findIndex((h) => h.type === 'table' && samePath(h.path, path));
}

/** Last line of everything under `prefix`: all headers whose path starts with it, and their blocks. */
function subtreeEndLine(doc: ScannedToml, prefix: string[]): number {
  let end = -1;
  doc.headers.forEach((h, i) => {
    if (startsWithPath(h.path, prefix)) end = Math.max(end, blockEndLine(doc, i));
  });
  return end;
}

/**
 * Among the other children of `parent` (the other runtimes next to a new one), the one whose tables
 * end last: where a new sibling goes. `top` is its own header (or its first sub-table's header).
 */
function lastSibling(doc: ScannedToml, parent: string[], name: string): { end: number; top: HeaderStatement } | undefined {
  const groups = new Map<string, { end: number; top: HeaderStatement }>();
  doc.headers.forEach((h, i) => {
    if (h.path.length <= parent.length || !startsWithPath(h.path, parent)) return;
    const child = h.path[parent.length]!;
    if (child === name) return;
    const g = groups.get(child);
    const end = blockEndLine(doc, i);
    if (!g) groups.set(child, { end, top: h });
    else {
      g.end = Math.max(g.end, end);
      if (h.path.length < g.top.path.length) g.top = h;
    }
  });
  let best: { end: number; top: HeaderStatement } | undefined;
  for (const g of groups.values()) if (!best || g.end > best.end) best = g;
  return best;
}

/**
 * Another existing table like `path`, differing only at position `vary` (runtimes.runc for
 * runtimes.runsc; runtimes.runc.options for runtimes.runsc.options) — the model for indentation.
 */
function analogHeader(doc: ScannedToml, path: string[], vary: number): { header: HeaderStatement; index: number } | undefined {
  for (let i = 0; i < doc.headers.length; i++) {
    const h = doc.headers[i]!;
    if (h.type !== 'table' || h.path.length !== path.length || h.path[vary] === path[vary]) continue;
    if (h.path.every((p, j) => j === vary || p === path[j])) return { header: h, index: i };
  }
  return undefined;
}

function pathText(path: string[]): string {
  return path.map((p) => (/^[A-Za-z0-9_-]+$/.test(p) ? p : JSON.stringify(p))).join('.');
}

function describe(v: unknown): string {
  if (v === undefined) return '(not set)';
  if (Array.isArray(v)) return `[${v.map(describe).join(', ')}]`;
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

/**
 * Text operations that make each planned table hold its keys: existing values are replaced in place
 * (the rest of the line — quote style, trailing comment — stays), missing keys go right after the
 * table header, missing tables are inserted next to their siblings (or under their nearest existing
 * parent, or at the end of the file). Refuses what it will not guess at: inline tables, dotted keys
 * and arrays of tables on the way to a planned table.
 */
function planTables(l: Loaded, plans: TablePlan[], style: Style): EngineResult {
  const { doc, value, file } = l;
  const ops: TextOp[] = [];
  const changes: string[] = [];
  /** Tables created in this run, by path, with the lines of their chunk. */
  const created = new Map<string, { indent: string; lines: string[] }>();
  const keyOf = (p: string[]): string => JSON.stringify(p);
  /** New chunks: their line lists keep growing while sub-tables are planned, so the ops are built at the end. */
  const deferred: { op: TextOp; line: number; before: boolean; lines: string[] }[] = [];
  const defer = (line: number, before: boolean, lines: string[]): void => {
    const op: TextOp = { at: 0, remove: 0, insert: '' };
    ops.push(op);
    deferred.push({ op, line, before, lines });
  };

  const renderKey = (k: string): string => formatKeySegment(k, style.keyQuote);
  const renderHeader = (indent: string, path: string[]): string => `${indent}[${formatKeyPath(path, style.keyQuote)}]`;
  const renderKv = (indent: string, k: string, v: PlanValue, quote = style.stringQuote): string =>
    `${indent}${renderKey(k)}${style.eq}${formatPlanValue(v, quote)}`;

  for (const plan of plans) {
    refuseOtherForms(l, plan.path);
    const idx = findTableHeader(doc, plan.path);

    if (idx >= 0) {
      // ---- existing table: replace differing values, add missing keys after the header
      const header = doc.headers[idx]!;
      const kvs = blockKeyValues(doc, idx);
      const missing: string[] = [];
      const indent = kvs[0]?.indent ?? header.indent + style.keyStep;
      for (const [k, v] of plan.keys) {
        const stmt = kvs.find((s) => s.key.length === 1 && s.key[0]!.name === k);
        const current = getPath(value, [...plan.path, k]);
        if (stmt) {
          if (sameValue(current, v)) continue;
          const quote = stmt.valueKind === 'literal' || stmt.valueKind === 'ml-literal' ? "'" : stmt.valueKind === 'basic' || stmt.valueKind === 'ml-basic' ? '"' : style.stringQuote;
          ops.push({ at: stmt.valueStart, remove: stmt.valueEnd - stmt.valueStart, insert: formatPlanValue(v, quote) });
          changes.push(`line ${stmt.line + 1}: [${pathText(plan.path)}] ${k} = ${describe(current)} → ${describe(v)}`);
        } else {
          if (current !== undefined) {
            throw refusal(file, firstLineOfPath(doc, [...plan.path, k]), `${pathText([...plan.path, k])} is set in a form the wizard does not edit (a dotted key)`);
          }
          missing.push(renderKv(indent, k, v));
          changes.push(`line ${header.line + 1}: [${pathText(plan.path)}] added ${k} = ${describe(v)}`);
        }
      }
      if (missing.length > 0) ops.push(insertLinesAfter(doc, header.line, missing));
      continue;
    }

    const parentKey = keyOf(plan.path.slice(0, -1));
    const parentChunk = created.get(parentKey);
    if (parentChunk) {
      // ---- sub-table of a table created in this run (runsc.options under a new runsc)
      const analog = analogHeader(doc, plan.path, runtimeNameIndex(plan.path));
      const indent = analog ? analog.header.indent : parentChunk.indent + style.headerStep;
      const analogKeys = analog ? blockKeyValues(doc, analog.index) : [];
      const keyIndent = analogKeys[0]?.indent ?? indent + style.keyStep;
      if (analog && blankBeforeHeader(doc, analog.header)) parentChunk.lines.push('');
      parentChunk.lines.push(renderHeader(indent, plan.path), ...plan.keys.map(([k, v]) => renderKv(keyIndent, k, v)));
      created.set(keyOf(plan.path), { indent, lines: parentChunk.lines });
      changes.push(`added [${pathText(plan.path)}] with ${plan.keys.map(([k, v]) => `${k} = ${describe(v)}`).join(', ')}`);
      continue;
    }

    // ---- a new table (or one that exists only through its sub-tables' headers)
    const vary = runtimeNameIndex(plan.path);
    const analog = analogHeader(doc, plan.path, vary);
    const ancestor = nearestAncestorHeader(doc, plan.path);
    const indent = analog ? analog.header.indent : ancestor ? ancestor.indent + style.headerStep : '';
    const analogKeys = analog ? blockKeyValues(doc, analog.index) : [];
    const keyIndent = analogKeys[0]?.indent ?? indent + style.keyStep;
    const lines: string[] = [renderHeader(indent, plan.path), ...plan.keys.map(([k, v]) => renderKv(keyIndent, k, v))];

    const implicitChild = doc.headers.findIndex((h) => startsWithPath(h.path, plan.path));
    if (getPath(value, plan.path) !== undefined && implicitChild >= 0) {
      // [a.b.options] exists without [a.b]: a header for a.b may come before it.
      const child = doc.headers[implicitChild]!;
      defer(child.line, true, lines);
      changes.push(`line ${child.line + 1}: added [${pathText(plan.path)}] with ${plan.keys.map(([k, v]) => `${k} = ${describe(v)}`).join(', ')}`);
      created.set(keyOf(plan.path), { indent, lines });
      continue;
    }

    const parent = plan.path.slice(0, -1);
    const sibling = parent.length > 0 ? lastSibling(doc, parent, plan.path[parent.length]!) : undefined;
    let after: number;
    let blank: boolean;
    if (sibling) {
      after = sibling.end;
      // Separate it like the sibling when that one follows other keys too; else as the file usually does.
      blank = headerFollowsContent(doc, sibling.top) ? blankBeforeHeader(doc, sibling.top) : style.blankAfterContent;
    } else if (ancestor) {
      after = subtreeEndLine(doc, ancestor.path);
      blank = style.blankAfterContent;
    } else {
      after = doc.lines.length - 1;
      blank = after >= 0 && doc.lines[after]!.kind !== 'blank';
    }
    const chunk = blank ? ['', ...lines] : lines;
    defer(after, false, chunk);
    created.set(keyOf(plan.path), { indent, lines: chunk });
    changes.push(
      `${after >= 0 ? `after line ${after + 1}` : 'at the start'}: added [${pathText(plan.path)}] with ` +
        plan.keys.map(([k, v]) => `${k} = ${describe(v)}`).join(', '),
    );
  }

  for (const d of deferred) Object.assign(d.op, d.before ? insertLinesBefore(doc, d.line, d.lines) : insertLinesAfter(doc, d.line, d.lines));
  return { ops, changes };
}

/** Position of the runtime name in a runtimes path (the segment after "runtimes"), else the last segment. */
function runtimeNameIndex(path: string[]): number {
  const i = path.indexOf('runtimes');
  return i >= 0 && i + 1 < path.length ? i + 1 : path.length - 1;
}

function refusal(file: string, zeroBasedLine: number | undefined, detail: string): ConfigFileError {
  return new ConfigFileError(
    file,
    zeroBasedLine === undefined ? undefined : zeroBasedLine + 1,
    1,
    detail,
    'Rewrite that part as [table] sections with one key per line (as `containerd config default` prints them), then run the wizard ' +
      'again. Nothing was changed.',
  );
}

/** Inline tables, dotted keys or arrays of tables on the way to `path`: refuse instead of guessing. */
function refuseOtherForms(l: Loaded, path: string[]): void {
  const { doc, file } = l;
  for (const h of doc.headers) {
    if (h.type === 'arrayTable' && startsWithPath(path, h.path)) {
      throw refusal(file, h.line, `[[${pathText(h.path)}]] is an array of tables on the way to [${pathText(path)}]`);
    }
  }
  for (const s of doc.keyValues) {
    if (startsWithPath(path, s.fullPath)) {
      throw refusal(
        file,
        s.line,
        `${pathText(s.fullPath)} is written as ${s.valueKind === 'inline-table' ? 'an inline table ({ ... })' : 'a value'} at line ${s.line + 1}; ` +
          `the wizard needs [${pathText(path)}] as a table of its own and will not rewrite an inline table`,
      );
    }
    if (s.key.length > 1 && startsWithPath(s.fullPath, path) && s.table.length < path.length) {
      throw refusal(file, s.line, `[${pathText(path)}] is partly written with dotted keys (${s.key.map((k) => k.name).join('.')} at line ${s.line + 1})`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Verification

function verify(l: Loaded, newText: string, expected: Record<string, unknown>, what: string): void {
  let actual: unknown;
  try {
    actual = parseTomlText(newText);
  } catch (err) {
    throw new Error(`internal error: the edited ${l.file} would not parse (${String((err as Error).message).split('\n')[0]}); nothing was written`);
  }
  if (!sameValue(actual, expected)) {
    throw new Error(`internal error: the edit of ${l.file} would change more than ${what}; nothing was written`);
  }
}

function withKeys(value: Record<string, unknown>, plans: TablePlan[]): Record<string, unknown> {
  const out = cloneValue(value) as Record<string, unknown>;
  for (const plan of plans) {
    let t: Record<string, unknown> = out;
    for (const seg of plan.path) {
      if (!isPlainObject(t[seg])) t[seg] = {};
      t = t[seg] as Record<string, unknown>;
    }
    for (const [k, v] of plan.keys) t[k] = v;
  }
  return out;
}

export function getPath(value: unknown, path: string[]): unknown {
  let v: unknown = value;
  for (const seg of path) {
    if (!isPlainObject(v)) return undefined;
    v = v[seg];
  }
  return v;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

function cloneValue(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(cloneValue);
  if (v instanceof Date) return v;
  if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, cloneValue(x)]));
  return v;
}

/** Deep equality of parsed TOML values; table key order does not matter (TOML tables are unordered). */
function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Date || b instanceof Date) {
    return a instanceof Date && b instanceof Date && a.getTime() === b.getTime() && String(a) === String(b);
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  }
  if (isPlainObject(a) || isPlainObject(b)) {
    if (!isPlainObject(a) || !isPlainObject(b)) return false;
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && sameValue(a[k], b[k]));
  }
  return Object.is(a, b);
}

function result(l: Loaded, text: string, changes: string[], warnings: EditWarning[]): EditResult {
  return { text, changed: text !== l.text, changes: text === l.text ? [] : changes, warnings };
}

function warningsOf(a: ConfigAnalysis, kinds?: ProblemKind[]): EditWarning[] {
  return a.problems
    .filter((p) => p.severity === 'warning' && (kinds === undefined || kinds.includes(p.kind)))
    .map((p) => ({ line: p.line, message: p.message }));
}

// ---------------------------------------------------------------------------------------------
// Public editors

/** Adds `version = N` to an empty (or comments-only) file; the rest of the edit then runs on the result. */
function withVersionLine(l: Loaded, version: 2 | 3): { text: string; change: string } {
  const style = detectStyle(l.doc, version === 3 ? "'" : '"');
  const op = insertLinesAfter(l.doc, l.doc.lines.length - 1, [`version${style.eq}${version}`]);
  return { text: applyOps(l.text, [op]), change: `added version = ${version} (the file was empty: all defaults)` };
}

/**
 * Makes the file hold `plugins.<cri>.containerd.runtimes.<name>` with runtime_type and options, by
 * minimal text edits. Refuses (ConfigFileError) files containerd itself refuses, version 1 files,
 * a layout that does not match the file's version, and forms it will not rewrite.
 */
export function ensureRuntime(text: string, want: RuntimeWant, file: string): EditResult {
  if (!/^[A-Za-z0-9_.-]+$/.test(want.name)) throw new Error(`invalid runtime name ${JSON.stringify(want.name)}`);
  const original = load(text, file);
  const a = analyseLoaded(original, want);
  refuseBlocking(a, file);
  const version = resolveVersion(a, original, want.version, file);

  const pre: string[] = [];
  let l = original;
  if (a.version === 'empty') {
    const v = withVersionLine(original, version);
    pre.push(v.change);
    l = load(v.text, file);
  }

  const P = runtimeTablePath(version, want.name);
  const plans: TablePlan[] = [];
  const warnings = warningsOf(a).filter((w) => !a.problems.some((p) => p.kind === 'runtime-differs' && p.line === w.line));

  const runtimes = getPath(l.value, P.slice(0, -1));
  const defaultName = getPath(l.value, [...P.slice(0, -2), 'default_runtime_name']);
  const effectiveDefault = typeof defaultName === 'string' ? defaultName : 'runc';
  const runtimeIsNew = getPath(l.value, P) === undefined;
  const defaultDefined = isPlainObject(runtimes) && isPlainObject(runtimes[effectiveDefault]);
  if (runtimeIsNew && !defaultDefined && effectiveDefault !== want.name) {
    if (effectiveDefault === 'runc' && want.keepDefaultRuntime !== false) {
      plans.push({ path: runtimeTablePath(version, 'runc'), keys: [['runtime_type', RUNC_RUNTIME_TYPE]] });
    } else {
      const at = firstLineOfPath(l.doc, [...P.slice(0, -2), 'default_runtime_name']);
      warnings.push({
        line: at === undefined ? 1 : at + 1,
        message: `default_runtime_name is "${effectiveDefault}" but the file defines no such runtime; containerd's CRI plugin will refuse that`,
      });
    }
  }
  plans.push({ path: P, keys: [['runtime_type', want.runtimeType]] });
  const optionKeys = Object.entries(want.options) as [string, TomlScalar][];
  if (optionKeys.length > 0) plans.push({ path: [...P, 'options'], keys: optionKeys });

  const style = detectStyle(l.doc, version === 3 ? "'" : '"');
  const { ops, changes } = planTables(l, plans, style);
  const newText = applyOps(l.text, ops);
  const expected = withKeys(original.value, [...(a.version === 'empty' ? [{ path: [], keys: [['version', version]] as [string, TomlScalar][] }] : []), ...plans]);
  verify(original, newText, expected, `runtime "${want.name}"`);
  return result(original, newText, [...pre, ...changes], warnings);
}

/**
 * Case B5: a file without a `version` line whose plugin tables already use full ids (plugins."io.containerd.grpc.v1.cri")
 * is marked `version = 2`. Returns null when that is not safe (version 1 short names such as plugins.cri,
 * or disabled_plugins = ["cri"]); unchanged when the file already has a version (or is empty).
 */
export function upgradeVersion1To2(text: string, file: string): EditResult | null {
  const l = load(text, file);
  const a = analyseLoaded(l);
  if (a.version !== 1) return result(l, text, [], []);
  if (shortPluginNames(l).length > 0) return null;
  const first = l.doc.statements[0]!;
  const lines = ['# version = 2 added by gvisor-wizard: the tables below use version-2 plugin names', 'version = 2'];
  if (first.type !== 'keyValue') lines.push('');
  const newText = applyOps(text, [insertLinesBefore(l.doc, first.line, lines)]);
  verify(l, newText, withKeys(l.value, [{ path: [], keys: [['version', 2]] }]), 'the version line');
  return result(l, newText, [`line ${first.line + 1}: added version = 2 (all plugin names are full ids)`], warningsOf(a, ['cri-disabled', 'imports', 'generated-file']));
}

/** Sets `SystemdCgroup` in the runc runtime's options (creating the options table, or the runc table, when missing). */
export function setRuncSystemdCgroup(text: string, version: 2 | 3, value: boolean, file: string): EditResult {
  const original = load(text, file);
  const a = analyseLoaded(original);
  refuseBlocking(a, file);
  const v = resolveVersion(a, original, version, file);
  const pre: string[] = [];
  let l = original;
  if (a.version === 'empty') {
    const withVersion = withVersionLine(original, v);
    pre.push(withVersion.change);
    l = load(withVersion.text, file);
  }
  const runc = runtimeTablePath(v, 'runc');
  const plans: TablePlan[] = [];
  if (getPath(l.value, runc) === undefined) plans.push({ path: runc, keys: [['runtime_type', RUNC_RUNTIME_TYPE]] });
  plans.push({ path: [...runc, 'options'], keys: [['SystemdCgroup', value]] });

  const warnings = warningsOf(a, ['runtime-without-type', 'imports', 'generated-file', 'runtime-wrong-schema', 'v2-cri-table-in-v3']);
  const runtimes = getPath(l.value, runc.slice(0, -1));
  if (isPlainObject(runtimes)) {
    for (const [name, rt] of Object.entries(runtimes)) {
      if (name === 'runc' || !isPlainObject(rt) || rt.runtime_type !== RUNC_RUNTIME_TYPE) continue;
      const have = getPath(rt, ['options', 'SystemdCgroup']);
      if (have !== value) {
        warnings.push({
          line: (firstLineOfPath(l.doc, [...runc.slice(0, -1), name]) ?? 0) + 1,
          message: `runtime "${name}" also runs runc (${RUNC_RUNTIME_TYPE}) and has SystemdCgroup ${describe(have)}, not ${value}: containers using it get the other cgroup driver`,
        });
      }
    }
  }

  const style = detectStyle(l.doc, v === 3 ? "'" : '"');
  const { ops, changes } = planTables(l, plans, style);
  const newText = applyOps(l.text, ops);
  const expected = withKeys(original.value, [...(a.version === 'empty' ? [{ path: [], keys: [['version', v]] as [string, TomlScalar][] }] : []), ...plans]);
  verify(original, newText, expected, 'SystemdCgroup of runc');
  return result(original, newText, [...pre, ...changes], warnings);
}

// ---------------------------------------------------------------------------------------------
// Optional CRI image settings: the pause (sandbox) image and a registry mirror

/** `sandbox_image` (version 2) or `pinned_images.sandbox` (version 3): where the pause image is configured. */
export function sandboxImageKeyPath(version: 2 | 3): string[] {
  return version === 2 ? ['plugins', CRI_PLUGIN_V2, 'sandbox_image'] : ['plugins', CRI_IMAGES_PLUGIN_V3, 'pinned_images', 'sandbox'];
}

/** Whether `image` can be an image reference (no spaces or control characters, no scheme). */
export function isImageReference(image: string): boolean {
  return image.length > 0 && image.length <= 512 && !/[\s\x00-\x1f\x7f"'\\]/.test(image) && !/^[a-z]+:\/\//i.test(image);
}

/**
 * Sets the pause (sandbox) image the CRI plugin uses for every pod: version 2
 * `plugins."io.containerd.grpc.v1.cri".sandbox_image`, version 3
 * `plugins.'io.containerd.cri.v1.images'.pinned_images.sandbox` (where `containerd config default` of 2.x
 * puts it). The value is replaced in place (quote style and comment kept) or added under the table's header.
 */
export function setSandboxImage(text: string, version: 2 | 3, image: string, file: string): EditResult {
  if (!isImageReference(image)) throw new Error(`invalid sandbox image ${JSON.stringify(image)}: expected an image reference like registry.k8s.io/pause:3.10`);
  const original = load(text, file);
  const a = analyseLoaded(original);
  refuseBlocking(a, file);
  const v = resolveVersion(a, original, version, file);
  const pre: string[] = [];
  let l = original;
  if (a.version === 'empty') {
    const withVersion = withVersionLine(original, v);
    pre.push(withVersion.change);
    l = load(withVersion.text, file);
  }
  const key = sandboxImageKeyPath(v);
  const plans: TablePlan[] = [{ path: key.slice(0, -1), keys: [[key.at(-1)!, image]] }];
  const style = detectStyle(l.doc, v === 3 ? "'" : '"');
  const { ops, changes } = planTables(l, plans, style);
  const newText = applyOps(l.text, ops);
  const expected = withKeys(original.value, [...(a.version === 'empty' ? [{ path: [], keys: [['version', v]] as [string, PlanValue][] }] : []), ...plans]);
  verify(original, newText, expected, `the sandbox image (${pathText(key)})`);
  return result(original, newText, [...pre, ...changes], warningsOf(a, ['imports', 'generated-file', 'cri-disabled', 'v2-cri-table-in-v3']));
}

/** A registry host as containerd names it in `mirrors."<host>"`: docker.io, registry.example:5000, or `*` (every registry). */
export function isRegistryHost(registry: string): boolean {
  return registry === '*' || /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::\d{1,5})?$/.test(registry);
}

/** An http(s) URL with a host, no spaces or quotes: what containerd accepts as a mirror endpoint. */
export function isMirrorEndpoint(endpoint: string): boolean {
  if (!/^https?:\/\/[^/\s?#]+/i.test(endpoint) || /[\s"'\\\x00-\x1f\x7f]/.test(endpoint)) return false;
  try {
    const u = new URL(endpoint);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}

function hostsTomlHint(dir: string, registry: string, endpoint: string): string {
  return (
    `put the mirror into ${dir.replace(/\/+$/, '')}/${registry === '*' ? '_default' : registry}/hosts.toml instead ` +
    `(containerd reads it without a restart; see containerd's docs/hosts.md), for example:\n` +
    `  [host."${endpoint}"]\n    capabilities = ["pull", "resolve"]`
  );
}

/**
 * Version 2 only: makes `plugins."io.containerd.grpc.v1.cri".registry.mirrors."<registry>".endpoint` start with
 * `endpoint` (an existing list keeps its other entries after it; containerd still falls back to the registry
 * itself). Refuses a file that sets `registry.config_path` (containerd 1.x refuses `mirrors` together with it:
 * hosts.toml files under config_path are the place then), and version 3 files (containerd 2.x has no
 * `mirrors` setting: registries are configured with hosts.toml files under config_path).
 */
export function setRegistryMirror(text: string, version: 2 | 3, registry: string, endpoint: string, file: string): EditResult {
  if (!isRegistryHost(registry)) throw new Error(`invalid registry ${JSON.stringify(registry)}: expected a host name like docker.io or registry.example:5000`);
  if (!isMirrorEndpoint(endpoint)) throw new Error(`invalid mirror endpoint ${JSON.stringify(endpoint)}: expected an http:// or https:// URL`);
  const original = load(text, file);
  const a = analyseLoaded(original);
  refuseBlocking(a, file);
  const v = resolveVersion(a, original, version, file);
  if (v === 3) {
    const cfg = getPath(original.value, ['plugins', CRI_IMAGES_PLUGIN_V3, 'registry', 'config_path']);
    const dir = typeof cfg === 'string' && cfg !== '' ? cfg : '/etc/containerd/certs.d';
    throw new ConfigFileError(
      file,
      a.versionLine,
      1,
      'this is a version 3 file (containerd 2.x), which has no registry mirrors setting in config.toml: containerd 2.0 removed ' +
        '`registry.mirrors`; registries and their mirrors are configured with hosts.toml files in the directory named by ' +
        `plugins.'${CRI_IMAGES_PLUGIN_V3}'.registry.config_path`,
      (typeof cfg === 'string' && cfg !== ''
        ? `config_path is "${cfg}": `
        : `Set config_path = '${dir}' in [plugins.'${CRI_IMAGES_PLUGIN_V3}'.registry], then `) +
        hostsTomlHint(dir, registry, endpoint) +
        '\nNothing was changed.',
    );
  }
  const registryPath = ['plugins', CRI_PLUGIN_V2, 'registry'];
  const configPath = getPath(original.value, [...registryPath, 'config_path']);
  if (typeof configPath === 'string' && configPath !== '') {
    const at = firstLineOfPath(original.doc, [...registryPath, 'config_path']);
    throw new ConfigFileError(
      file,
      at === undefined ? undefined : at + 1,
      1,
      `registry.config_path is set to "${configPath}" (hosts.toml style registry configuration): containerd refuses ` +
        '`mirrors` together with it ("`mirrors` cannot be set when `config_path` is provided"), so no mirror is added to config.toml',
      `Use config_path's hosts.toml instead: ${hostsTomlHint(configPath, registry, endpoint)}\nNothing was changed.`,
    );
  }

  const pre: string[] = [];
  let l = original;
  if (a.version === 'empty') {
    const withVersion = withVersionLine(original, v);
    pre.push(withVersion.change);
    l = load(withVersion.text, file);
  }
  const mirror = [...registryPath, 'mirrors', registry];
  refuseOtherForms(l, mirror);
  const warnings = warningsOf(a, ['imports', 'generated-file', 'cri-disabled']);
  const current = getPath(l.value, [...mirror, 'endpoint']);
  const style = detectStyle(l.doc, '"');
  let newText: string;
  let changes: string[];
  let wanted: string[];
  if (current === undefined) {
    wanted = [endpoint];
    const plans: TablePlan[] = [{ path: mirror, keys: [['endpoint', wanted]] }];
    const planned = planTables(l, plans, style);
    newText = applyOps(l.text, planned.ops);
    changes = planned.changes;
  } else {
    const idx = findTableHeader(l.doc, mirror);
    const stmt = idx < 0 ? undefined : blockKeyValues(l.doc, idx).find((s) => s.key.length === 1 && s.key[0]!.name === 'endpoint');
    const at = firstLineOfPath(l.doc, [...mirror, 'endpoint']);
    if (!stmt || stmt.valueKind !== 'array' || !Array.isArray(current) || !current.every((x) => typeof x === 'string')) {
      throw refusal(file, stmt?.line ?? at, `${pathText([...mirror, 'endpoint'])} is not written as endpoint = ["URL", ...] in its own [table]`);
    }
    if (current.includes(endpoint)) {
      if (current[0] !== endpoint) {
        warnings.push({ line: stmt.line + 1, message: `the mirror ${endpoint} is already in endpoint for "${registry}", but not first: containerd tries ${describe(current[0])} before it (left as it is)` });
      }
      return result(original, original.text, [], warnings);
    }
    wanted = [endpoint, ...(current as string[])];
    const quote = /^\[\s*'/.test(l.text.slice(stmt.valueStart, stmt.valueEnd)) ? "'" : /^\[\s*"/.test(l.text.slice(stmt.valueStart, stmt.valueEnd)) ? '"' : style.stringQuote;
    newText = applyOps(l.text, [{ at: stmt.valueStart + 1, remove: 0, insert: formatScalar(endpoint, quote) + (current.length > 0 ? ', ' : '') }]);
    changes = [`line ${stmt.line + 1}: [${pathText(mirror)}] endpoint ${describe(current)} → ${describe(wanted)} (the mirror first; containerd falls back to the next entries and to the registry itself)`];
  }
  const expected = withKeys(original.value, [
    ...(a.version === 'empty' ? [{ path: [], keys: [['version', v]] as [string, PlanValue][] }] : []),
    { path: mirror, keys: [['endpoint', wanted]] },
  ]);
  verify(original, newText, expected, `the mirror of ${registry}`);
  return result(original, newText, [...pre, ...changes], warnings);
}

/**
 * Case B3: removes the given plugin ids from the top-level `disabled_plugins = [...]`, keeping the other
 * entries and every comment; `disabled_plugins = []` when nothing is left.
 */
export function removeDisabledPlugin(text: string, pluginIds: string[], file: string): EditResult {
  const l = load(text, file);
  const a = analyseLoaded(l);
  const stmt = l.doc.keyValues.find((s) => s.table.length === 0 && s.key.length === 1 && s.key[0]!.name === 'disabled_plugins');
  const list = l.value.disabled_plugins;
  if (!stmt || !Array.isArray(list) || !list.some((p) => typeof p === 'string' && pluginIds.includes(p))) {
    return result(l, text, [], []);
  }
  if (stmt.valueKind !== 'array') throw refusal(l.file, stmt.line, 'disabled_plugins is not written as an array');

  const elements = arrayElements(text, stmt.valueStart, stmt.valueEnd);
  const ops: TextOp[] = [];
  const removed: string[] = [];
  const keep = elements.filter((e) => !(typeof e.value === 'string' && pluginIds.includes(e.value)));
  const hasComments = /#/.test(stripStrings(text.slice(stmt.valueStart, stmt.valueEnd)));
  if (keep.length === 0 && !hasComments) {
    ops.push({ at: stmt.valueStart, remove: stmt.valueEnd - stmt.valueStart, insert: '[]' });
    removed.push(...elements.map((e) => String(e.value)));
  } else {
    const ranges: [number, number][] = [];
    elements.forEach((e, i) => {
      if (keep.includes(e)) return;
      removed.push(String(e.value));
      if (e.commaEnd !== undefined) {
        let to = e.commaEnd;
        while (text[to] === ' ' || text[to] === '\t') to++;
        ranges.push([e.start, to]);
        return;
      }
      // The last element, without a trailing comma: the comma of the kept element before it goes too.
      const prevKept = elements.slice(0, i).reverse().find((x) => keep.includes(x));
      ranges.push([prevKept?.commaAt ?? e.start, e.end]);
    });
    ranges.sort((x, y) => x[0] - y[0]);
    const merged: [number, number][] = [];
    for (const r of ranges) {
      const last = merged[merged.length - 1];
      if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
      else merged.push([...r]);
    }
    for (let [from, to] of merged) {
      // A line that held only removed elements goes as a whole.
      const lineStart = text.lastIndexOf('\n', from - 1) + 1;
      const nl = text.indexOf('\n', to);
      const lineEnd = nl < 0 ? text.length : nl + 1;
      if (lineStart > stmt.valueStart && /^[ \t]*$/.test(text.slice(lineStart, from)) && /^[ \t]*\r?\n?$/.test(text.slice(to, lineEnd))) {
        from = lineStart;
        to = lineEnd;
      }
      ops.push({ at: from, remove: to - from, insert: '' });
    }
  }
  const newText = applyOps(text, ops);
  const expected = cloneValue(l.value) as Record<string, unknown>;
  expected.disabled_plugins = list.filter((p) => !(typeof p === 'string' && pluginIds.includes(p)));
  verify(l, newText, expected, 'disabled_plugins');
  return result(
    l,
    newText,
    [`line ${stmt.line + 1}: removed ${removed.map((r) => JSON.stringify(r)).join(', ')} from disabled_plugins`],
    warningsOf(a, ['imports', 'generated-file']),
  );
}

interface ArrayElement {
  start: number;
  end: number;
  value: string | undefined;
  /** Offset of the ',' after the element, and just after it. */
  commaAt?: number;
  commaEnd?: number;
}

/** Elements of a single-level array of scalars, with their spans and commas (comments skipped). */
function arrayElements(text: string, start: number, end: number): ArrayElement[] {
  const out: ArrayElement[] = [];
  let i = start + 1;
  const close = end - 1;
  while (i < close) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      i++;
      continue;
    }
    if (c === '#') {
      const nl = text.indexOf('\n', i);
      i = nl < 0 || nl > close ? close : nl;
      continue;
    }
    if (c === ',') {
      const last = out[out.length - 1];
      if (last && last.commaAt === undefined) {
        last.commaAt = i;
        last.commaEnd = i + 1;
      }
      i++;
      continue;
    }
    let e = i;
    let value: string | undefined;
    if (c === '"') {
      e = i + 1;
      while (e < close && text[e] !== '"') e += text[e] === '\\' ? 2 : 1;
      e++;
      value = JSON.parse(text.slice(i, e).replace(/\\U([0-9A-Fa-f]{8})/g, (_m, h: string) => JSON.stringify(String.fromCodePoint(parseInt(h, 16))).slice(1, -1))) as string;
    } else if (c === "'") {
      e = text.indexOf("'", i + 1) + 1;
      value = text.slice(i + 1, e - 1);
    } else if (c === '[' || c === '{') {
      throw new Error('internal error: nested arrays in disabled_plugins');
    } else {
      while (e < close && !/[\s,#]/.test(text[e]!)) e++;
    }
    out.push({ start: i, end: e, value });
    i = e;
  }
  return out;
}

function stripStrings(s: string): string {
  return s.replace(/"(?:[^"\\\n]|\\.)*"|'[^'\n]*'/g, '""');
}

export interface RunscTomlOptions {
  platform?: string;
  network?: string;
  debug?: boolean;
  debugLog?: string;
  systemdCgroup?: boolean;
}

/**
 * The shim options file (ConfigPath of the runsc runtime, usually /etc/containerd/runsc.toml) with
 * runsc flags as strings under [runsc_config]. With `existing`, edits it surgically: comments and
 * other keys (binary_name, log_level, other flags) stay.
 */
export function runscTomlText(opts: RunscTomlOptions, existing?: string, file = '/etc/containerd/runsc.toml'): EditResult {
  const keys: [string, TomlScalar][] = [];
  if (opts.platform !== undefined) keys.push(['platform', opts.platform]);
  if (opts.network !== undefined) keys.push(['network', opts.network]);
  if (opts.systemdCgroup !== undefined) keys.push(['systemd-cgroup', String(opts.systemdCgroup)]);
  if (opts.debug !== undefined) keys.push(['debug', String(opts.debug)]);
  if (opts.debugLog !== undefined) keys.push(['debug-log', opts.debugLog]);

  if (existing === undefined || existing.trim() === '') {
    const lines = [
      '# runsc flags for containerd-shim-runsc-v1 (the ConfigPath of the runsc runtime in containerd\'s config.toml).',
      '# Written by gvisor-wizard; values are strings, as runsc flags.',
      '[runsc_config]',
      ...keys.map(([k, v]) => `  ${formatKeySegment(k, '"')} = ${formatScalar(v, '"')}`),
    ];
    const text = lines.join('\n') + '\n';
    return {
      text,
      changed: text !== (existing ?? ''),
      changes: [`new ${file} with [runsc_config] ${keys.map(([k, v]) => `${k} = ${describe(v)}`).join(', ') || '(no flags)'}`],
      warnings: [],
    };
  }

  const l = load(existing, file);
  const plans: TablePlan[] = [{ path: ['runsc_config'], keys }];
  const style = detectStyle(l.doc, '"');
  const { ops, changes } = planTables(l, plans, style);
  const newText = applyOps(existing, ops);
  verify(l, newText, withKeys(l.value, plans), '[runsc_config]');
  return result(l, newText, changes, []);
}
