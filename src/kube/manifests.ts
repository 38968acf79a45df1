// Kubernetes manifests for the gVisor path (case E6): the RuntimeClass whose handler is the runtime
// name written into containerd, the isolation-check Pod, and a checker for RuntimeClass YAML found
// elsewhere (for the doctor). Pure text in, text out.
//
// There is no YAML library in the project. The manifests are written from a fixed template with
// every value validated (Kubernetes name rules) and quoted where YAML could read it as something
// other than a string. Reading uses a small block-YAML reader (readYamlDocuments) that covers what
// Kubernetes manifests written by people use — block mappings and sequences, plain and quoted
// scalars, comments, `---` documents, `|`/`>` block scalars — and refuses the rest with a line number.

// ---------------------------------------------------------------------------------------------------
// Names and YAML scalars

const DNS_LABEL = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

export interface NodeLabel {
  key: string;
  value: string;
}

function check(ok: boolean, what: string, value: string, rule: string): void {
  if (!ok) throw new Error(`${what} ${JSON.stringify(value)} is not valid: ${rule}`);
}

/** RuntimeClass handler: a DNS label (what the API server accepts and containerd's runtime key must equal). */
export function isValidHandler(handler: string): boolean {
  return DNS_LABEL.test(handler);
}

/** Label key `[prefix/]name` as Kubernetes validates it. */
export function isValidLabelKey(key: string): boolean {
  const slash = key.lastIndexOf('/');
  if (slash === -1) return LABEL_NAME.test(key);
  return DNS_SUBDOMAIN.test(key.slice(0, slash)) && LABEL_NAME.test(key.slice(slash + 1));
}

function checkLabel(label: NodeLabel): void {
  check(isValidLabelKey(label.key), 'node label key', label.key, 'an optional DNS-subdomain prefix and "/", then up to 63 of [A-Za-z0-9-_.], starting and ending alphanumeric');
  check(LABEL_VALUE.test(label.value), 'node label value', label.value, 'up to 63 of [A-Za-z0-9-_.], starting and ending alphanumeric');
}

const YAML_SPECIAL = /^(?:true|false|yes|no|on|off|y|n|null|~)$/i;

/** A scalar YAML reads back as this same string: plain when that is unambiguous, else double-quoted. */
function scalar(value: string): string {
  if (/^[A-Za-z][A-Za-z0-9._\/-]*$/.test(value) && !YAML_SPECIAL.test(value)) return value;
  return quoted(value);
}

/** Double-quoted (JSON string escapes are valid YAML double-quoted escapes). */
const quoted = (value: string): string => JSON.stringify(value);

// ---------------------------------------------------------------------------------------------------
// Writers

export interface RuntimeClassOptions {
  /** metadata.name, what pods put in runtimeClassName (default "gvisor"). */
  name?: string;
  /** The runtime name written into containerd (…containerd.runtimes.<handler>), e.g. "runsc". */
  handler: string;
  /** The label the wizard puts on the node at registration; pods of this class only go there. */
  nodeLabel: NodeLabel;
}

/** The RuntimeClass (node.k8s.io/v1) for gVisor, with scheduling.nodeSelector on the node label. */
export function runtimeClassYaml(opts: RuntimeClassOptions): string {
  const name = opts.name ?? 'gvisor';
  check(DNS_SUBDOMAIN.test(name), 'RuntimeClass name', name, 'a DNS subdomain (lowercase letters, digits, "-" and ".")');
  check(isValidHandler(opts.handler), 'RuntimeClass handler', opts.handler, 'a DNS label (lowercase letters, digits and "-", at most 63) equal to the containerd runtime name');
  checkLabel(opts.nodeLabel);
  return [
    `# Pods with runtimeClassName: ${name} run in gVisor. The handler is the runtime name in containerd's`,
    `# config (...containerd.runtimes.${opts.handler}); the nodeSelector keeps them on nodes with that label.`,
    'apiVersion: node.k8s.io/v1',
    'kind: RuntimeClass',
    'metadata:',
    `  name: ${scalar(name)}`,
    `handler: ${scalar(opts.handler)}`,
    'scheduling:',
    '  nodeSelector:',
    `    ${scalar(opts.nodeLabel.key)}: ${quoted(opts.nodeLabel.value)}`,
    '',
  ].join('\n');
}

export interface TestPodOptions {
  name: string;
  namespace?: string;
  runtimeClassName: string;
  /** An image the node already has or can pull; imagePullPolicy is IfNotPresent. */
  image: string;
  /** Digits: the container runs `sleep <marker>`; the node-side check looks for that command line. */
  marker: string;
  nodeLabel: NodeLabel;
}

/**
 * The isolation-check Pod: runtimeClassName, nodeSelector on the gVisor node label, one container
 * running `sleep <marker>`, restartPolicy Never. Nothing privileged: no host namespaces, no
 * service-account token, no privilege escalation, all capabilities dropped, a non-root user.
 */
export function testPodYaml(opts: TestPodOptions): string {
  check(DNS_SUBDOMAIN.test(opts.name), 'pod name', opts.name, 'a DNS subdomain (lowercase letters, digits, "-" and ".")');
  if (opts.namespace !== undefined) check(DNS_LABEL.test(opts.namespace), 'namespace', opts.namespace, 'a DNS label (lowercase letters, digits and "-", at most 63)');
  check(DNS_SUBDOMAIN.test(opts.runtimeClassName), 'runtimeClassName', opts.runtimeClassName, 'a DNS subdomain');
  check(/^[0-9]{1,18}$/.test(opts.marker), 'marker', opts.marker, 'digits only (it is the argument of sleep)');
  check(/^[^\s"'\\#]+$/.test(opts.image) && opts.image.length <= 512, 'image', opts.image, 'an image reference without spaces or quotes');
  checkLabel(opts.nodeLabel);
  return [
    `# gVisor isolation check: the container runs "sleep ${opts.marker}". Under gVisor that process is`,
    '# invisible to the node\'s own process list; if the node can see it, the pod ran on the host kernel.',
    'apiVersion: v1',
    'kind: Pod',
    'metadata:',
    `  name: ${scalar(opts.name)}`,
    ...(opts.namespace !== undefined ? [`  namespace: ${scalar(opts.namespace)}`] : []),
    '  labels:',
    '    app.kubernetes.io/managed-by: gvisor-wizard',
    'spec:',
    `  runtimeClassName: ${scalar(opts.runtimeClassName)}`,
    '  nodeSelector:',
    `    ${scalar(opts.nodeLabel.key)}: ${quoted(opts.nodeLabel.value)}`,
    '  restartPolicy: Never',
    '  automountServiceAccountToken: false',
    '  terminationGracePeriodSeconds: 1',
    '  containers:',
    '  - name: check',
    `    image: ${quoted(opts.image)}`,
    '    imagePullPolicy: IfNotPresent',
    '    command:',
    '    - sleep',
    `    - ${quoted(opts.marker)}`,
    '    securityContext:',
    '      allowPrivilegeEscalation: false',
    '      runAsNonRoot: true',
    '      runAsUser: 65534',
    '      capabilities:',
    '        drop:',
    '        - ALL',
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------------
// A small block-YAML reader

export class YamlSubsetError extends Error {
  constructor(
    readonly line: number,
    readonly detail: string,
  ) {
    super(`line ${line}: ${detail}`);
    this.name = 'YamlSubsetError';
  }
}

export type YamlScalarStyle = 'plain' | 'single' | 'double' | 'literal' | 'folded' | 'flow';

export type YamlNode =
  | {
      kind: 'scalar';
      /** The string value (plain scalars are not converted: `true` stays "true"; see `style`). */
      value: string;
      style: YamlScalarStyle;
      /** 1-based line. */
      line: number;
      /** The value as written on its line (quotes included; for plain scalars with any trailing blanks). */
      raw: string;
      /** Blanks between the value and the end of the line (or its comment). */
      trailingBlanks: boolean;
    }
  | { kind: 'map'; line: number; entries: Map<string, { keyLine: number; value: YamlNode }> }
  | { kind: 'seq'; line: number; items: YamlNode[] }
  | { kind: 'empty'; line: number };

export interface YamlDocument {
  /** 1-based position in the file (documents before the first `---` included). */
  index: number;
  /** 1-based line of the document's first line (after its `---`). */
  startLine: number;
  /** null: the document holds only comments and blank lines. */
  root: YamlNode | null;
}

interface RawLine {
  text: string;
  line: number;
}

/** Offset where a comment starts (`#` at the start or after a blank, outside quoted scalars), or -1. */
function commentStart(text: string): number {
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote === '"') {
      if (c === '\\') i++;
      else if (c === '"') quote = null;
      continue;
    }
    if (quote === "'") {
      if (c === "'" && text[i + 1] === "'") i++;
      else if (c === "'") quote = null;
      continue;
    }
    if (c === '#' && (i === 0 || text[i - 1] === ' ' || text[i - 1] === '\t')) return i;
    if (c === '"' || c === "'") {
      // Quotes open a scalar only where one starts (after ": ", "- ", "[", "{", "," or at the start).
      const before = text.slice(0, i).trimEnd();
      if (before === '' || /(?:^|[\s])-$|:$|[[{,]$/.test(before)) quote = c;
    }
  }
  return -1;
}

function unquoteDouble(body: string, line: number): string {
  try {
    return JSON.parse(`"${body.replace(/\\x([0-9a-fA-F]{2})/g, '\\u00$1').replace(/\\\//g, '/').replace(/\t/g, '\\t')}"`) as string;
  } catch {
    throw new YamlSubsetError(line, `double-quoted string not understood: "${body}"`);
  }
}

class Reader {
  private pos = 0;
  /** Replaces the text of the line at `pos` (the rest of a `- key: value` sequence entry). */
  private virtual: { indent: number; text: string; raw: string } | null = null;

  constructor(private readonly lines: RawLine[]) {}

  /** The next line with content: its indent and text without comment and trailing blanks. */
  private peek(): { indent: number; text: string; line: number; raw: string } | null {
    if (this.virtual) {
      return { ...this.virtual, line: this.lines[this.pos]!.line };
    }
    while (this.pos < this.lines.length) {
      const l = this.lines[this.pos]!;
      const c = commentStart(l.text);
      const content = (c === -1 ? l.text : l.text.slice(0, c)).trimEnd();
      if (content.trim() !== '') {
        const indent = /^ */.exec(content)![0].length;
        if (content[indent] === '\t') throw new YamlSubsetError(l.line, 'a tab used for indentation (YAML allows only spaces)');
        return { indent, text: content.slice(indent), line: l.line, raw: l.text.slice(indent) };
      }
      this.pos++;
    }
    return null;
  }

  private advance(): void {
    this.virtual = null;
    this.pos++;
  }

  parseDocument(): YamlNode | null {
    const first = this.peek();
    if (!first) return null;
    const node = this.parseBlock(first.indent);
    const rest = this.peek();
    if (rest) throw new YamlSubsetError(rest.line, 'unexpected indentation');
    return node;
  }

  private parseBlock(indent: number): YamlNode {
    const l = this.peek()!;
    if (l.text === '-' || l.text.startsWith('- ')) return this.parseSeq(indent);
    return this.parseMap(indent);
  }

  private parseSeq(indent: number): YamlNode {
    const node: YamlNode = { kind: 'seq', line: this.peek()!.line, items: [] };
    for (;;) {
      const l = this.peek();
      if (!l || l.indent !== indent || !(l.text === '-' || l.text.startsWith('- '))) break;
      if (l.text === '-') {
        this.advance();
        const next = this.peek();
        if (next && next.indent > indent) node.items.push(this.parseBlock(next.indent));
        else node.items.push({ kind: 'empty', line: l.line });
        continue;
      }
      const after = l.text.slice(1);
      const offset = 1 + (/^ */.exec(after)![0].length);
      const rest = l.text.slice(offset);
      if (this.mappingKey(rest) !== null || rest === '-' || rest.startsWith('- ')) {
        // `- key: value` (a mapping whose first key sits on the dash line) or a nested `- - x`.
        this.virtual = { indent: indent + offset, text: rest, raw: l.raw.slice(offset) };
        node.items.push(this.parseBlock(indent + offset));
      } else {
        node.items.push(this.parseValue(rest, l.raw.slice(offset), l.line, indent));
      }
    }
    return node;
  }

  /** The key of a `key: value` / `key:` line and where its value starts, or null. */
  private mappingKey(text: string): { key: string; valueAt: number } | null {
    let m: RegExpExecArray | null;
    if ((m = /^"((?:[^"\\]|\\.)*)"[ \t]*:(?:[ \t]|$)/.exec(text))) return { key: unquoteDouble(m[1]!, 0), valueAt: m[0].length };
    if ((m = /^'((?:[^']|'')*)'[ \t]*:(?:[ \t]|$)/.exec(text))) return { key: m[1]!.replace(/''/g, "'"), valueAt: m[0].length };
    if ((m = /^([^\s#'"[\]{},&*!|>%@`?-][^:]*?|-[^\s:][^:]*?)[ \t]*:(?:[ \t]|$)/.exec(text))) return { key: m[1]!, valueAt: m[0].length };
    return null;
  }

  private parseMap(indent: number): YamlNode {
    const node: YamlNode & { kind: 'map' } = { kind: 'map', line: this.peek()!.line, entries: new Map() };
    for (;;) {
      const l = this.peek();
      if (!l || l.indent !== indent || l.text === '-' || l.text.startsWith('- ')) break;
      if (l.text.startsWith('? ')) throw new YamlSubsetError(l.line, 'complex mapping keys ("? ") are not supported');
      const k = this.mappingKey(l.text);
      if (!k) throw new YamlSubsetError(l.line, `expected "key: value", found ${JSON.stringify(l.text)}`);
      if (node.entries.has(k.key)) throw new YamlSubsetError(l.line, `duplicate key ${JSON.stringify(k.key)}`);
      const valueText = l.text.slice(k.valueAt).trim();
      const rawOffset = l.raw.length - l.raw.slice(k.valueAt).trimStart().length;
      node.entries.set(k.key, { keyLine: l.line, value: this.parseValue(valueText, l.raw.slice(rawOffset), l.line, indent, true) });
    }
    return node;
  }

  /**
   * The value after "key:" or "- " on line `line` (the cursor is still on that line). `raw` is the rest
   * of the line as written (with any trailing blanks and comment).
   */
  private parseValue(text: string, raw: string, line: number, parentIndent: number, inMap = false): YamlNode {
    if (/^[&*!]/.test(text)) throw new YamlSubsetError(line, 'anchors, aliases and tags are not supported');
    if (text === '') {
      this.advance();
      const next = this.peek();
      if (next && (next.indent > parentIndent || (inMap && next.indent === parentIndent && (next.text === '-' || next.text.startsWith('- '))))) {
        return this.parseBlock(next.indent);
      }
      return { kind: 'empty', line };
    }
    // Blanks before a comment separate it; only blanks that end the line are "trailing".
    const c = commentStart(raw);
    const rawValue = c === -1 ? raw : raw.slice(0, c).trimEnd();
    const trailingBlanks = c === -1 && /[ \t]$/.test(raw);
    const base = { line, raw: rawValue, trailingBlanks };
    if (/^[|>]/.test(text)) {
      if (!/^[|>][-+]?[1-9]?$|^[|>][1-9][-+]$/.test(text)) throw new YamlSubsetError(line, `block scalar header not understood: ${text}`);
      this.advance();
      return { kind: 'scalar', value: this.blockScalar(text, parentIndent), style: text[0] === '|' ? 'literal' : 'folded', ...base, raw: text };
    }
    this.advance();
    if (text.startsWith('"')) {
      const m = /^"((?:[^"\\]|\\.)*)"$/.exec(text);
      if (!m) throw new YamlSubsetError(line, 'a double-quoted string must end on the same line here');
      return { kind: 'scalar', value: unquoteDouble(m[1]!, line), style: 'double', ...base };
    }
    if (text.startsWith("'")) {
      const m = /^'((?:[^']|'')*)'$/.exec(text);
      if (!m) throw new YamlSubsetError(line, 'a single-quoted string must end on the same line here');
      return { kind: 'scalar', value: m[1]!.replace(/''/g, "'"), style: 'single', ...base };
    }
    if (text.startsWith('[') || text.startsWith('{')) {
      const close = text[0] === '[' ? ']' : '}';
      if (!text.endsWith(close)) throw new YamlSubsetError(line, 'a flow collection must end on the same line here');
      return { kind: 'scalar', value: text, style: 'flow', ...base };
    }
    const next = this.peek();
    if (next && next.indent > parentIndent) {
      throw new YamlSubsetError(next.line, 'a plain value continued on the next line is not supported');
    }
    return { kind: 'scalar', value: text, style: 'plain', ...base };
  }

  /** Consumes the lines of a `|`/`>` block scalar (more indented than the parent, blank lines included). */
  private blockScalar(header: string, parentIndent: number): string {
    const body: string[] = [];
    while (this.pos < this.lines.length) {
      const t = this.lines[this.pos]!.text;
      const indent = /^ */.exec(t)![0].length;
      if (t.trim() !== '' && indent <= parentIndent) break;
      body.push(t);
      this.pos++;
    }
    const explicit = /[1-9]/.exec(header);
    const firstContent = body.find((b) => b.trim() !== '');
    const indent = explicit ? parentIndent + Number(explicit[0]) : firstContent ? /^ */.exec(firstContent)![0].length : parentIndent + 1;
    const lines = body.map((b) => b.slice(Math.min(indent, /^ */.exec(b)![0].length)));
    while (lines.length > 0 && lines[lines.length - 1]!.trim() === '' && !header.includes('+')) lines.pop();
    // Folded (>): lines joined with spaces, a blank line a newline (more-indented lines: approximate).
    let value = '';
    if (header[0] === '|') value = lines.join('\n');
    else {
      let prevContent = false;
      for (const l of lines) {
        if (l === '') {
          value += '\n';
          prevContent = false;
        } else {
          value += (prevContent ? ' ' : '') + l;
          prevContent = true;
        }
      }
    }
    if (header.includes('-')) return value;
    if (value !== '') value += '\n';
    return value;
  }
}

/**
 * Reads the documents of a Kubernetes-style YAML file. Throws YamlSubsetError (with a line) on what
 * it does not support: anchors/aliases/tags, multi-line quoted or flow values, complex keys. Flow
 * collections (`["all"]`, `{}`) are kept as their text (style 'flow').
 */
export function readYamlDocuments(text: string): YamlDocument[] {
  const all = text.replace(/^\uFEFF/, '').split(/\r?\n/).map((t, i): RawLine => ({ text: t, line: i + 1 }));
  const segments: { startLine: number; lines: RawLine[]; afterMarker: boolean }[] = [{ startLine: 1, lines: [], afterMarker: false }];
  for (const l of all) {
    if (/^---(?:[ \t]|$)/.test(l.text)) {
      const after = l.text.slice(3);
      const c = commentStart(after);
      if ((c === -1 ? after : after.slice(0, c)).trim() !== '') throw new YamlSubsetError(l.line, 'content on a "---" line is not supported');
      segments.push({ startLine: l.line + 1, lines: [], afterMarker: true });
      continue;
    }
    if (/^\.\.\.(?:[ \t]|$)/.test(l.text)) continue;
    if (l.text.startsWith('%')) throw new YamlSubsetError(l.line, 'YAML directives are not supported');
    segments[segments.length - 1]!.lines.push(l);
  }
  const docs: YamlDocument[] = [];
  for (const seg of segments) {
    const root = new Reader(seg.lines).parseDocument();
    // Comments before the first `---` are not a document of their own (in a file with markers).
    if (root === null && !seg.afterMarker && segments.length > 1) continue;
    docs.push({ index: docs.length + 1, startLine: seg.startLine, root });
  }
  return docs;
}

/** The node at a path of mapping keys (undefined when any step is missing or not a mapping). */
export function yamlGet(node: YamlNode | null | undefined, path: readonly string[]): YamlNode | undefined {
  let n: YamlNode | null | undefined = node;
  for (const k of path) {
    if (!n || n.kind !== 'map') return undefined;
    n = n.entries.get(k)?.value;
  }
  return n ?? undefined;
}

/** Plain JavaScript for a node: scalars as strings (no type conversion), empty as null. */
export function yamlToJs(node: YamlNode | null | undefined): unknown {
  if (!node || node.kind === 'empty') return null;
  if (node.kind === 'scalar') return node.value;
  if (node.kind === 'seq') return node.items.map(yamlToJs);
  return Object.fromEntries([...node.entries].map(([k, v]) => [k, yamlToJs(v.value)]));
}

const scalarValue = (n: YamlNode | undefined): string | null => (n && n.kind === 'scalar' ? n.value : null);

// ---------------------------------------------------------------------------------------------------
// Checking an existing RuntimeClass

export interface RuntimeClassInfo {
  /** 1-based document in the file. */
  document: number;
  name: string | null;
  apiVersion: string | null;
  /** The handler as Kubernetes reads it (a plain YAML value ends before trailing blanks), or null. */
  handler: string | null;
  /** The value as written on the line, trailing blanks included (e.g. "runc "). */
  handlerRaw: string | null;
  handlerLine: number | null;
  /** Blanks after the handler value on its line (harmless for a plain value; a trap when copied). */
  handlerTrailingBlanks: boolean;
  /** scheduling.nodeSelector (values as strings), or null. */
  nodeSelector: Record<string, string> | null;
  /** Whether the handler equals the wanted one (null when no handler was asked for). */
  matches: boolean | null;
  /** What makes this RuntimeClass wrong (for the wanted handler or for the API server). */
  problems: string[];
  /** Worth saying, not wrong. */
  notes: string[];
}

export interface RuntimeClassCheck {
  runtimeClasses: RuntimeClassInfo[];
  /** File-level problems (unreadable YAML, no RuntimeClass, the wanted name missing). */
  problems: string[];
  /** At least one RuntimeClass (the named one, if asked) and no problems. */
  ok: boolean;
}

export interface RuntimeClassWant {
  /** The runtime name written into containerd (…runtimes.<handler>). */
  handler?: string;
  /** Only check the RuntimeClass with this metadata.name. */
  name?: string;
}

/**
 * Reads RuntimeClass YAML found on a cluster or in a file and reports each class's handler (as
 * Kubernetes reads it, and as written, noting trailing blanks) and whether it names the runtime the
 * wizard configured — for the doctor's "RuntimeClass handler missing on the node".
 */
export function checkRuntimeClassFixture(text: string, want: RuntimeClassWant = {}): RuntimeClassCheck {
  let docs: YamlDocument[];
  try {
    docs = readYamlDocuments(text);
  } catch (err) {
    const detail = err instanceof YamlSubsetError ? err.message : String(err);
    return { runtimeClasses: [], problems: [`cannot read the YAML: ${detail}`], ok: false };
  }
  const classes: RuntimeClassInfo[] = [];
  for (const doc of docs) {
    if (scalarValue(yamlGet(doc.root, ['kind'])) !== 'RuntimeClass') continue;
    const name = scalarValue(yamlGet(doc.root, ['metadata', 'name']));
    if (want.name !== undefined && name !== want.name) continue;
    classes.push(inspectRuntimeClass(doc, name, want.handler));
  }
  const problems: string[] = [];
  if (classes.length === 0) {
    problems.push(want.name !== undefined ? `no RuntimeClass named ${JSON.stringify(want.name)}` : 'no RuntimeClass in the text');
  }
  return { runtimeClasses: classes, problems, ok: problems.length === 0 && classes.every((c) => c.problems.length === 0) };
}

function inspectRuntimeClass(doc: YamlDocument, name: string | null, wanted: string | undefined): RuntimeClassInfo {
  const root = doc.root!;
  const problems: string[] = [];
  const notes: string[] = [];
  const label = `RuntimeClass ${name === null ? '(no name)' : JSON.stringify(name)}`;
  const apiVersion = scalarValue(yamlGet(root, ['apiVersion']));
  if (apiVersion !== 'node.k8s.io/v1') {
    notes.push(`${label}: apiVersion ${apiVersion ?? '(none)'}; clusters since Kubernetes 1.20 serve node.k8s.io/v1 (v1beta1 was removed in 1.25)`);
  }
  const h = yamlGet(root, ['handler']);
  let handler: string | null = null;
  let handlerRaw: string | null = null;
  let handlerLine: number | null = null;
  let trailing = false;
  if (h && h.kind === 'scalar') {
    handler = h.value;
    handlerRaw = h.raw;
    handlerLine = h.line;
    trailing = h.trailingBlanks;
    if (trailing && h.style === 'plain') {
      notes.push(`${label}: line ${h.line}: trailing blanks after the handler ${JSON.stringify(h.raw)}; Kubernetes reads ${JSON.stringify(h.value)}`);
    }
    if (!isValidHandler(h.value)) {
      problems.push(`${label}: line ${h.line}: handler ${JSON.stringify(h.value)} is not a DNS label (lowercase letters, digits, "-"): the API server refuses it`);
    }
  } else {
    problems.push(`${label}: no handler (it is required and must equal the containerd runtime name)`);
  }
  let matches: boolean | null = null;
  if (wanted !== undefined && handler !== null) {
    matches = handler === wanted;
    // A handler the API server refuses is reported once (above), not again as a mismatch.
    if (!matches && isValidHandler(handler)) {
      const where = handlerLine === null ? '' : `line ${handlerLine}: `;
      const effect =
        handler === 'runc'
          ? 'pods of this class run with runc, on the host kernel — not in gVisor'
          : `unless a node's containerd has a runtime named ${JSON.stringify(handler)}, its pods fail with 'no runtime for "${handler}" is configured'`;
      problems.push(`${label}: ${where}handler ${JSON.stringify(handler)} is not the runtime configured in containerd (${JSON.stringify(wanted)}): ${effect}`);
    }
  }
  let nodeSelector: Record<string, string> | null = null;
  const sel = yamlGet(root, ['scheduling', 'nodeSelector']);
  if (sel && sel.kind === 'map') {
    nodeSelector = {};
    for (const [k, v] of sel.entries) {
      const s = v.value;
      if (s.kind !== 'scalar') {
        problems.push(`${label}: line ${v.keyLine}: nodeSelector ${k} has no string value`);
        continue;
      }
      nodeSelector[k] = s.value;
      if (s.style === 'plain' && (YAML_SPECIAL.test(s.value) || /^[-+]?[0-9.]/.test(s.value))) {
        problems.push(`${label}: line ${s.line}: nodeSelector ${k}: ${s.value} is read as a ${YAML_SPECIAL.test(s.value) ? 'boolean/null' : 'number'}, not a string: quote it (${quoted(s.value)})`);
      }
    }
  } else {
    notes.push(`${label}: no scheduling.nodeSelector: pods of this class may land on nodes without gVisor`);
  }
  return { document: doc.index, name, apiVersion, handler, handlerRaw, handlerLine, handlerTrailingBlanks: trailing, nodeSelector, matches, problems, notes };
}
