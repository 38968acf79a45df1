// /etc/docker/daemon.json: strict parsing with line/column errors, and surgical edits that add or
// fix one runtime entry while every other byte of the operator's file stays as it was.
//
// Why a parser of our own: JSON.parse gives no line numbers, no source spans (needed to replace
// only one value) and silently keeps the last of duplicate keys.

export class ConfigFileError extends Error {
  constructor(
    public file: string,
    public line: number | undefined,
    public column: number | undefined,
    public detail: string,
    public hint: string,
  ) {
    const where = line === undefined ? file : `${file}:${line}:${column ?? 1}`;
    super(`${where}: ${detail}\n${hint}`);
    this.name = 'ConfigFileError';
  }
}

export interface DuplicateKey {
  /** Dotted path of the repeated member, e.g. `runtimes.runsc.path` or `hosts[1].x`. */
  key: string;
  /** Line of the repeated (later) occurrence. */
  line: number;
}

export interface ParsedDaemonJson {
  value: Record<string, unknown>;
  duplicateKeys: DuplicateKey[];
}

export interface RuntimeWanted {
  name: string;
  path: string;
  runtimeArgs?: string[];
  makeDefault?: boolean;
}

export interface MergeResult {
  text: string;
  changed: boolean;
  changes: string[];
}

export interface MergeOptions {
  file: string;
  /** Operator consented to read an empty file as {} (the caller backs the file up first). */
  treatEmptyAsObject?: boolean;
  /** Indent unit when the file shows none (new or empty file); default two spaces. */
  newFileIndent?: string;
}

const RUNTIME_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export function parseDaemonJson(text: string, file: string): ParsedDaemonJson {
  const doc = parseDocument(text, file);
  return { value: doc.value, duplicateKeys: doc.duplicateKeys };
}

import { lineColOf } from '../util/line-index.js';

// ---------------------------------------------------------------------------------------------
// Syntax tree with source offsets (end is exclusive)

type JsonNode = ObjectNode | ArrayNode | ScalarNode;

interface ObjectNode {
  kind: 'object';
  start: number;
  end: number;
  members: MemberNode[];
}

interface MemberNode {
  key: string;
  keyStart: number;
  keyEnd: number;
  value: JsonNode;
}

interface ArrayNode {
  kind: 'array';
  start: number;
  end: number;
  items: JsonNode[];
}

interface ScalarNode {
  kind: 'string' | 'number' | 'boolean' | 'null';
  start: number;
  end: number;
  value: string | number | boolean | null;
}

interface Document {
  text: string;
  root: ObjectNode;
  value: Record<string, unknown>;
  duplicateKeys: DuplicateKey[];
  lineStarts: number[];
}

const MAX_DEPTH = 512;

function parseDocument(text: string, file: string): Document {
  const parser = new Parser(text, file);
  return parser.parseDocument();
}

class Parser {
  private pos = 0;
  private readonly lineStarts: number[] = [0];
  private readonly duplicateKeys: DuplicateKey[] = [];
  /** Open '{' / '[' (innermost last), to say which one an early end of file left open. */
  private readonly open: { char: '{' | '['; offset: number }[] = [];

  constructor(private readonly text: string, private readonly file: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
  }

  parseDocument(): Document {
    const body = this.text.startsWith('\uFEFF') ? this.text.slice(1) : this.text;
    if (/^[ \t\r\n]*$/.test(body)) {
      throw new ConfigFileError(
        this.file,
        undefined,
        undefined,
        // Older dockerd dies with "unable to configure the Docker daemon with file ...: EOF"; current moby
        // returns early on a blank file. Either way a blank daemon.json is more likely damage than intent.
        'file is empty: it is not valid JSON ("unexpected end of JSON input"); older dockerd releases fail to start ' +
          'on it ("unable to configure the Docker daemon with file ...: EOF"), newer ones silently ignore it',
        'The wizard can treat the empty file as {} only with your consent (--treat-empty-as-object, or answer yes ' +
          'when asked); it backs the file up first. Or write {} into it yourself. Nothing was changed.',
      );
    }
    // dockerd 20.10 refuses a byte order mark ("invalid character 'ï'"); never write such a file.
    if (this.text.startsWith('\uFEFF')) {
      throw new ConfigFileError(this.file, 1, 1, 'file starts with a UTF-8 byte order mark, which dockerd (20.10 and older) refuses: "invalid character \'ï\' looking for beginning of value"',
        'Remove the first three bytes (for example: sed -i \'1s/^\\xEF\\xBB\\xBF//\' FILE), then rerun. Nothing was changed.');
    }

    const root = this.parseValue('');
    if (root.kind !== 'object') {
      this.fail(root.start, `top-level value must be an object ({ ... }), found ${describeKind(root)}`);
    }
    this.skipWhitespace();
    if (this.pos < this.text.length) {
      const c = this.text[this.pos];
      this.fail(
        this.pos,
        `unexpected ${describeChar(c)} after the end of the top-level object` +
          (c === '}' || c === ']' ? ' (one closing bracket too many?)' : c === '{' ? ' (a file holds exactly one object)' : ''),
      );
    }
    return {
      text: this.text,
      root,
      value: toValue(root) as Record<string, unknown>,
      duplicateKeys: this.duplicateKeys,
      lineStarts: this.lineStarts,
    };
  }

  private parseValue(path: string): JsonNode {
    this.skipWhitespace();
    if (this.pos >= this.text.length) this.failEndOfFile('a value');
    const c = this.text[this.pos]!;
    if (c === '{') return this.parseObject(path);
    if (c === '[') return this.parseArray(path);
    if (c === '"') return this.parseString();
    if (c === '-' || c === '+' || c === '.' || isDigit(c)) return this.parseNumber();
    if (/[A-Za-z_$]/.test(c)) return this.parseWord();
    if (c === "'") this.fail(this.pos, 'strings must be in double quotes ("..."), not single quotes');
    this.fail(this.pos, `expected a value, found ${describeChar(c)}`);
  }

  private parseObject(path: string): ObjectNode {
    const start = this.pos;
    this.enter('{', start);
    this.pos++;
    const members: MemberNode[] = [];
    const seen = new Set<string>();
    let lastComma: number | undefined;

    this.skipWhitespace();
    if (this.text[this.pos] === '}') return this.leave({ kind: 'object', start, end: ++this.pos, members });

    for (;;) {
      this.skipWhitespace();
      const c = this.text[this.pos];
      if (c === undefined) this.failEndOfFile('a member name');
      if (c === '}' && lastComma !== undefined) this.failTrailingComma(lastComma, '}');
      if (c !== '"') this.failKey(c);
      const keyNode = this.parseString();
      const key = keyNode.value as string;
      const memberPath = path === '' ? key : `${path}.${key}`;
      if (seen.has(key)) this.duplicateKeys.push({ key: memberPath, line: this.lineCol(keyNode.start).line });
      seen.add(key);

      this.skipWhitespace();
      if (this.pos >= this.text.length) this.failEndOfFile("':'");
      if (this.text[this.pos] !== ':') {
        this.fail(this.pos, `missing ':' after the member name "${key}" (found ${describeChar(this.text[this.pos])})`);
      }
      this.pos++;
      const value = this.parseValue(memberPath);
      members.push({ key, keyStart: keyNode.start, keyEnd: keyNode.end, value });

      this.skipWhitespace();
      const next = this.text[this.pos];
      if (next === ',') {
        lastComma = this.pos++;
        continue;
      }
      if (next === '}') return this.leave({ kind: 'object', start, end: ++this.pos, members });
      if (next === undefined) this.failEndOfFile("',' or '}'");
      if (next === '"') this.failMissingComma(value.end, 'members');
      this.fail(this.pos, `expected ',' or '}' after the value of "${key}", found ${describeChar(next)}`);
    }
  }

  private parseArray(path: string): ArrayNode {
    const start = this.pos;
    this.enter('[', start);
    this.pos++;
    const items: JsonNode[] = [];
    let lastComma: number | undefined;

    this.skipWhitespace();
    if (this.text[this.pos] === ']') return this.leave({ kind: 'array', start, end: ++this.pos, items });

    for (;;) {
      this.skipWhitespace();
      if (this.text[this.pos] === ']' && lastComma !== undefined) this.failTrailingComma(lastComma, ']');
      const item = this.parseValue(`${path}[${items.length}]`);
      items.push(item);

      this.skipWhitespace();
      const next = this.text[this.pos];
      if (next === ',') {
        lastComma = this.pos++;
        continue;
      }
      if (next === ']') return this.leave({ kind: 'array', start, end: ++this.pos, items });
      if (next === undefined) this.failEndOfFile("',' or ']'");
      if (/["{[\-0-9tfn]/.test(next)) this.failMissingComma(item.end, 'array elements');
      this.fail(this.pos, `expected ',' or ']' after an array element, found ${describeChar(next)}`);
    }
  }

  private parseString(): ScalarNode {
    const start = this.pos;
    this.pos++; // opening quote
    for (;;) {
      if (this.pos >= this.text.length) {
        this.fail(start, 'string is not closed: the closing \'"\' is missing', 'Add the missing \'"\'.');
      }
      const code = this.text.charCodeAt(this.pos);
      if (code === 0x22) break;
      if (code === 0x5c) {
        const esc = this.text[this.pos + 1];
        if (esc === 'u') {
          if (!/^[0-9A-Fa-f]{4}$/.test(this.text.slice(this.pos + 2, this.pos + 6))) {
            this.fail(this.pos, 'invalid \\u escape in string: it needs exactly four hex digits');
          }
          this.pos += 6;
          continue;
        }
        if (esc === undefined || !'"\\/bfnrt'.includes(esc)) {
          this.fail(this.pos, `invalid escape ${describeChar('\\' + (esc ?? ''))} in string (a Windows path needs '\\\\')`);
        }
        this.pos += 2;
        continue;
      }
      if (code === 0x0a || code === 0x0d) {
        this.fail(start, 'string is not closed before the end of the line (a string cannot span lines)');
      }
      if (code < 0x20) {
        this.fail(this.pos, `raw control character ${describeChar(this.text[this.pos])} inside a string (write it as an escape such as \\t)`);
      }
      this.pos++;
    }
    const end = ++this.pos;
    // The literal is valid JSON now, so JSON.parse decodes the escapes exactly.
    return { kind: 'string', start, end, value: JSON.parse(this.text.slice(start, end)) as string };
  }

  private parseNumber(): ScalarNode {
    const start = this.pos;
    const m = /[-+.0-9eE]+/y;
    m.lastIndex = start;
    const raw = m.exec(this.text)?.[0] ?? '';
    if (!/^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?$/.test(raw)) {
      this.fail(start, `invalid number ${describeChar(raw)} (JSON numbers have no leading '+' or zeros and need digits around '.')`);
    }
    this.pos = start + raw.length;
    return { kind: 'number', start, end: this.pos, value: Number(raw) };
  }

  private parseWord(): ScalarNode {
    const start = this.pos;
    const m = /[A-Za-z0-9_$.\-]+/y;
    m.lastIndex = start;
    const word = m.exec(this.text)?.[0] ?? '';
    this.pos = start + word.length;
    if (word === 'true' || word === 'false') return { kind: 'boolean', start, end: this.pos, value: word === 'true' };
    if (word === 'null') return { kind: 'null', start, end: this.pos, value: null };
    if (['true', 'false', 'null'].includes(word.toLowerCase())) {
      this.fail(start, `'${word}' is not a JSON value: write ${word.toLowerCase()} in lower case`);
    }
    if (word === 'NaN' || word === 'Infinity') this.fail(start, `${word} is not allowed in JSON`);
    this.fail(start, `unquoted text '${word}': strings must be in double quotes`);
  }

  private skipWhitespace(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t[this.pos];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
        this.pos++;
      } else if ((c === '/' && (t[this.pos + 1] === '/' || t[this.pos + 1] === '*')) || c === '#') {
        this.fail(
          this.pos,
          'comments are not allowed in JSON (dockerd refuses them)',
          `Delete the comment from ${this.file} (keep notes in another file), then run the wizard again. Nothing was changed.`,
        );
      } else {
        return;
      }
    }
  }

  private enter(char: '{' | '[', offset: number): void {
    if (this.open.length >= MAX_DEPTH) this.fail(offset, `nesting deeper than ${MAX_DEPTH} levels`);
    this.open.push({ char, offset });
  }

  private leave<T>(node: T): T {
    this.open.pop();
    return node;
  }

  private lineCol(offset: number): { line: number; column: number } {
    return lineColOf(this.lineStarts, offset);
  }

  private fail(offset: number, detail: string, hint?: string): never {
    const { line, column } = this.lineCol(offset);
    throw new ConfigFileError(this.file, line, column, detail, hint ?? defaultHint(this.file));
  }

  private failEndOfFile(expected: string): never {
    const inner = this.open[this.open.length - 1];
    if (inner) {
      const opened = this.lineCol(inner.offset);
      const closer = inner.char === '{' ? '}' : ']';
      this.fail(
        this.text.length,
        `unexpected end of file: expected ${expected}; the '${inner.char}' opened at line ${opened.line}, column ${opened.column} is never closed`,
        `Add the missing '${closer}' (or restore the file from a backup). Nothing was changed.`,
      );
    }
    this.fail(this.text.length, `unexpected end of file: expected ${expected}`);
  }

  private failTrailingComma(commaOffset: number, closer: '}' | ']'): never {
    const { line, column } = this.lineCol(commaOffset);
    this.fail(
      commaOffset,
      `trailing comma before '${closer}'`,
      `Remove the ',' at line ${line}, column ${column} of ${this.file} (JSON allows no comma after the last ` +
        `${closer === '}' ? 'member' : 'element'}; dockerd refuses the file as it is). Nothing was changed.`,
    );
  }

  private failMissingComma(previousEnd: number, what: 'members' | 'array elements'): never {
    const here = this.lineCol(previousEnd);
    const nextLine = this.lineCol(this.pos).line;
    const keyMatch = /"(?:[^"\\\n]|\\.)*"/y;
    keyMatch.lastIndex = this.pos;
    const nextText = what === 'members' ? keyMatch.exec(this.text)?.[0] : undefined;
    this.fail(
      previousEnd,
      `missing ',' between ${what}` + (nextText ? ` (before ${nextText} on line ${nextLine})` : ` (before line ${nextLine})`),
      `Add a ',' at line ${here.line}, column ${here.column} of ${this.file}; dockerd refuses the file as it is. Nothing was changed.`,
    );
  }

  private failKey(c: string): never {
    if (c === "'") this.fail(this.pos, 'member names must be in double quotes ("name"), not single quotes');
    if (/[A-Za-z_$]/.test(c)) {
      const word = /[A-Za-z0-9_$.\-]*/y;
      word.lastIndex = this.pos;
      this.fail(this.pos, `member names must be in double quotes (found '${word.exec(this.text)?.[0] ?? c}')`);
    }
    this.fail(this.pos, `expected a member name in double quotes, found ${describeChar(c)}`);
  }
}

function defaultHint(file: string): string {
  return (
    `dockerd cannot read this file either. Fix it by hand, check it with \`python3 -m json.tool ${file}\` ` +
    '(or `jq .`), then run the wizard again. Nothing was changed.'
  );
}

function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}

function describeChar(c: string | undefined): string {
  if (c === undefined) return 'end of file';
  if (c === '\n' || c === '\r') return 'end of line';
  if (c.length === 1 && (c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) {
    return `U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
  }
  return `'${c}'`;
}

function describeKind(node: JsonNode): string {
  if (node.kind === 'object') return 'an object';
  if (node.kind === 'array') return 'an array';
  if (node.kind === 'null') return 'null';
  return `a ${node.kind}`;
}

function toValue(node: JsonNode): unknown {
  if (node.kind === 'object') {
    // Last duplicate wins (as in JSON.parse); fromEntries also keeps a "__proto__" key as plain data.
    const entries = new Map<string, unknown>();
    for (const m of node.members) entries.set(m.key, toValue(m.value));
    return Object.fromEntries(entries);
  }
  if (node.kind === 'array') return node.items.map(toValue);
  return node.value;
}

// ---------------------------------------------------------------------------------------------
// Merge

/** A value the wizard writes: strings, string arrays, objects of those (insertion order kept). */
type NewValue = string | string[] | { [key: string]: NewValue };

interface PendingMember {
  key: string;
  value: NewValue;
}

interface Edit {
  start: number;
  end: number;
  text: string;
}

interface Style {
  nl: string;
  /** One indentation step, as the file uses it most. */
  unit: string;
  /** Text between a member name and its value, e.g. ': '. */
  colon: string;
  /** Text after ',' when the next member stays on the same line, e.g. ' '. */
  sep: string;
}

export function mergeDockerRuntime(text: string, want: RuntimeWanted, opts: MergeOptions): MergeResult {
  validateWant(want);
  const changes: string[] = [];

  let base = text;
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  if (/^[ \t\r\n]*$/.test(body)) {
    // Throws the "file is empty" error unless the operator agreed to read it as {}.
    if (!opts.treatEmptyAsObject) parseDaemonJson(text, opts.file);
    base = '{}\n';
    changes.push('treated the empty file as {}');
  }

  const doc = parseDocument(base, opts.file);
  const style = detectStyle(doc, opts.newFileIndent ?? '  ');
  const ed = new EditPlan(doc, style, opts.file);
  const name = want.name;
  const root = doc.root;

  const runtimes = ed.uniqueMember(root, 'runtimes', 'runtimes');
  if (!runtimes) {
    ed.insert(root, 'runtimes', { [name]: newRuntime(want) });
    changes.push(`added runtimes.${name}`);
  } else {
    const runtimesObj = ed.requireObject(runtimes.value, 'runtimes', 'a map from runtime name to {"path": ...}');
    const entry = ed.uniqueMember(runtimesObj, name, `runtimes.${name}`);
    if (!entry) {
      ed.insert(runtimesObj, name, newRuntime(want), runtimes);
      changes.push(`added runtimes.${name}`);
    } else {
      const entryObj = ed.requireObject(entry.value, `runtimes.${name}`, 'an object such as {"path": "/usr/local/bin/runsc"}');
      const pathMember = ed.uniqueMember(entryObj, 'path', `runtimes.${name}.path`);
      if (!pathMember) {
        ed.insert(entryObj, 'path', want.path, entry);
        changes.push(`added runtimes.${name}.path: ${formatValue(want.path)}`);
      } else if (!sameValue(toValue(pathMember.value), want.path)) {
        ed.replace(pathMember.value, want.path);
        changes.push(`runtimes.${name}.path: ${formatValue(toValue(pathMember.value))} -> ${formatValue(want.path)}`);
      }
      if (want.runtimeArgs !== undefined) {
        const argsMember = ed.uniqueMember(entryObj, 'runtimeArgs', `runtimes.${name}.runtimeArgs`);
        if (!argsMember) {
          ed.insert(entryObj, 'runtimeArgs', want.runtimeArgs, entry);
          changes.push(`added runtimes.${name}.runtimeArgs: ${formatValue(want.runtimeArgs)}`);
        } else if (!sameValue(toValue(argsMember.value), want.runtimeArgs)) {
          ed.replace(argsMember.value, want.runtimeArgs);
          changes.push(
            `runtimes.${name}.runtimeArgs: ${formatValue(toValue(argsMember.value))} -> ${formatValue(want.runtimeArgs)}`,
          );
        }
      }
    }
  }

  if (want.makeDefault) {
    const current = ed.uniqueMember(root, 'default-runtime', 'default-runtime');
    if (!current) {
      ed.insert(root, 'default-runtime', name);
      changes.push(`added default-runtime: ${formatValue(name)}`);
    } else if (!sameValue(toValue(current.value), name)) {
      ed.replace(current.value, name);
      changes.push(`default-runtime: ${formatValue(toValue(current.value))} -> ${formatValue(name)}`);
    }
  }

  if (changes.length === 0) return { text, changed: false, changes };

  const newText = ed.apply();
  verifyOnlyIntendedChanges(doc.value, newText, want, opts.file);
  return { text: newText, changed: true, changes };
}

function validateWant(want: RuntimeWanted): void {
  if (!RUNTIME_NAME.test(want.name)) {
    throw new Error(
      `invalid runtime name ${JSON.stringify(want.name)}: use letters, digits, '_', '.' or '-', starting with a letter or digit`,
    );
  }
  if (typeof want.path !== 'string' || want.path.trim() === '') {
    throw new Error(`runtime ${want.name}: path must be a non-empty string`);
  }
  if (want.runtimeArgs !== undefined && !(Array.isArray(want.runtimeArgs) && want.runtimeArgs.every((a) => typeof a === 'string'))) {
    throw new Error(`runtime ${want.name}: runtimeArgs must be an array of strings`);
  }
}

function newRuntime(want: RuntimeWanted): NewValue {
  const entry: { [key: string]: NewValue } = { path: want.path };
  if (want.runtimeArgs !== undefined) entry.runtimeArgs = [...want.runtimeArgs];
  return entry;
}

/** Collects edits against offsets of the original text and applies them at once. */
class EditPlan {
  private readonly replacements: Edit[] = [];
  private readonly inserts = new Map<ObjectNode, { members: PendingMember[]; owner?: MemberNode }>();

  constructor(
    private readonly doc: Document,
    private readonly style: Style,
    private readonly fileName: string,
  ) {}

  /**
   * The member `key` of `obj`. A key that appears twice on the path the wizard edits is refused:
   * dockerd (Go) merges or overrides such repeats in ways that are easy to misread.
   */
  uniqueMember(obj: ObjectNode, key: string, path: string): MemberNode | undefined {
    const found = obj.members.filter((m) => m.key === key);
    if (found.length > 1) {
      const lines = found.map((m) => this.lineCol(m.keyStart).line);
      const second = this.lineCol(found[1]!.keyStart);
      throw new ConfigFileError(
        this.fileName,
        second.line,
        second.column,
        `"${path}" appears ${found.length} times (lines ${lines.join(', ')}); the wizard will not guess which one dockerd uses`,
        `Merge them into one "${key}" entry by hand, then run the wizard again. Nothing was changed.`,
      );
    }
    return found[0];
  }

  requireObject(node: JsonNode, path: string, expected: string): ObjectNode {
    if (node.kind === 'object') return node;
    const { line, column } = this.lineCol(node.start);
    throw new ConfigFileError(
      this.fileName,
      line,
      column,
      `"${path}" must be ${expected}, found ${describeKind(node)}`,
      `dockerd cannot use this either. Fix "${path}" by hand, then run the wizard again. Nothing was changed.`,
    );
  }

  replace(node: JsonNode, value: NewValue): void {
    // Replacements are strings or arrays, which are written on one line.
    this.replacements.push({ start: node.start, end: node.end, text: renderInline(value, this.style, '') });
  }

  /** Adds a member at the end of `obj`; `owner` is the member whose value `obj` is (absent for the root). */
  insert(obj: ObjectNode, key: string, value: NewValue, owner?: MemberNode): void {
    const pending = this.inserts.get(obj) ?? { members: [], owner };
    pending.members.push({ key, value });
    this.inserts.set(obj, pending);
  }

  apply(): string {
    const edits = [...this.replacements];
    for (const [obj, { members, owner }] of this.inserts) edits.push(this.insertionEdit(obj, members, owner));
    // Apply from the end so earlier offsets stay valid; edits never overlap (checked).
    edits.sort((x, y) => y.start - x.start || y.end - x.end);
    let text = this.doc.text;
    let limit = Infinity;
    for (const e of edits) {
      if (e.end > limit) throw new Error('internal error: overlapping edits of daemon.json');
      text = text.slice(0, e.start) + e.text + text.slice(e.end);
      limit = e.start;
    }
    return text;
  }

  private insertionEdit(obj: ObjectNode, members: PendingMember[], owner: MemberNode | undefined): Edit {
    const { text } = this.doc;
    const { nl, colon } = this.style;
    const last = obj.members[obj.members.length - 1];

    if (!last) {
      // Empty object: written over several lines unless it sits inside a one-line object.
      const inner = text.slice(obj.start + 1, obj.end - 1);
      const multiline = owner === undefined || inner.includes('\n') || this.startsLine(owner.keyStart);
      if (!multiline) {
        const body = members.map((m) => `${JSON.stringify(m.key)}${colon}${renderInline(m.value, this.style, '')}`);
        return { start: obj.start + 1, end: obj.end - 1, text: body.join(`,${this.style.sep}`) };
      }
      const outer = this.lineIndent(obj.start);
      const indent = outer + this.style.unit;
      const body = members.map((m) => `${indent}${JSON.stringify(m.key)}${colon}${this.renderBlock(m.value, indent, this.style.unit)}`);
      return { start: obj.start + 1, end: obj.end - 1, text: nl + body.join(`,${nl}`) + nl + outer };
    }

    if (this.startsLine(last.keyStart)) {
      // Members on their own lines: copy the last sibling's indentation.
      const indent = this.lineIndent(last.keyStart);
      const outer = this.lineIndent(obj.start);
      const unit = indent.startsWith(outer) && indent.length > outer.length ? indent.slice(outer.length) : this.style.unit;
      const body = members.map(
        (m) => `,${nl}${indent}${JSON.stringify(m.key)}${colon}${this.renderBlock(m.value, indent, unit)}`,
      );
      return { start: last.value.end, end: last.value.end, text: body.join('') };
    }

    // One-line object: stay on that line, with its spacing.
    const previous = obj.members[obj.members.length - 2];
    const between = previous ? text.slice(previous.value.end, last.keyStart).replace(/^[ \t]*,/, '') : this.style.sep;
    const sep = /^[ \t]*$/.test(between) ? between : this.style.sep;
    const pad = text[obj.start + 1] === ' ' ? ' ' : '';
    const body = members.map((m) => `,${sep}${JSON.stringify(m.key)}${colon}${renderInline(m.value, this.style, pad)}`);
    return { start: last.value.end, end: last.value.end, text: body.join('') };
  }

  /** Objects over several lines (members one step deeper than `indent`); strings and arrays inline. */
  private renderBlock(value: NewValue, indent: string, unit: string): string {
    if (typeof value === 'string' || Array.isArray(value)) return renderInline(value, this.style, '');
    const { nl, colon } = this.style;
    const inner = indent + unit;
    const body = Object.entries(value).map(([k, v]) => `${inner}${JSON.stringify(k)}${colon}${this.renderBlock(v, inner, unit)}`);
    return `{${nl}${body.join(`,${nl}`)}${nl}${indent}}`;
  }

  private startsLine(offset: number): boolean {
    const lineStart = this.doc.lineStarts[this.lineCol(offset).line - 1]!;
    return /^[ \t]*$/.test(this.doc.text.slice(lineStart, offset));
  }

  private lineIndent(offset: number): string {
    const lineStart = this.doc.lineStarts[this.lineCol(offset).line - 1]!;
    return /^[ \t]*/.exec(this.doc.text.slice(lineStart, offset))![0];
  }

  private lineCol(offset: number): { line: number; column: number } {
    return lineColOf(this.doc.lineStarts, offset);
  }

}

function renderInline(value: NewValue, style: Style, pad: string): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => JSON.stringify(v)).join(', ')}]`;
  const body = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}${style.colon}${renderInline(v, style, pad)}`);
  return `{${pad}${body.join(`,${style.sep}`)}${pad}}`;
}


/** Line ending, indentation step and ': ' spacing the file already uses. */
function detectStyle(doc: Document, fallbackIndent: string): Style {
  const { text } = doc;
  const crlf = (text.match(/\r\n/g) ?? []).length;
  const lf = (text.match(/\n/g) ?? []).length - crlf;
  const nl = crlf > lf ? '\r\n' : '\n';

  const units = new Map<string, number>();
  const colons = new Map<string, number>();
  const seps = new Map<string, number>();
  const indentAt = (offset: number): string | undefined => {
    const lineStart = doc.lineStarts[lineColOf(doc.lineStarts, offset).line - 1]!;
    const before = text.slice(lineStart, offset);
    return /^[ \t]*$/.test(before) ? before : undefined;
  };
  const lineIndent = (offset: number): string => {
    const lineStart = doc.lineStarts[lineColOf(doc.lineStarts, offset).line - 1]!;
    return /^[ \t]*/.exec(text.slice(lineStart))![0];
  };
  const count = (map: Map<string, number>, key: string): void => {
    map.set(key, (map.get(key) ?? 0) + 1);
  };
  // Spacing after a comma that keeps the next member or element on the same line.
  const countSep = (from: number, to: number): void => {
    const after = text.slice(from, to).replace(/^[ \t]*,/, '');
    if (/^[ \t]*$/.test(after)) count(seps, after);
  };
  const visit = (node: JsonNode): void => {
    if (node.kind !== 'object' && node.kind !== 'array') return;
    const children = node.kind === 'object' ? node.members.map((m) => m.value) : node.items;
    const firstStart = node.kind === 'object' ? node.members[0]?.keyStart : node.items[0]?.start;
    if (firstStart !== undefined) {
      const child = indentAt(firstStart);
      const outer = lineIndent(node.start);
      if (child !== undefined && child.startsWith(outer) && child.length > outer.length) count(units, child.slice(outer.length));
    }
    if (node.kind === 'object') {
      node.members.forEach((m, i) => {
        const colon = text.slice(m.keyEnd, m.value.start);
        if (!colon.includes('\n')) count(colons, colon);
        const prev = node.members[i - 1];
        if (prev) countSep(prev.value.end, m.keyStart);
      });
    } else {
      node.items.forEach((item, i) => {
        const prev = node.items[i - 1];
        if (prev) countSep(prev.end, item.start);
      });
    }
    children.forEach(visit);
  };
  visit(doc.root);

  return { nl, unit: mostCommon(units) ?? fallbackIndent, colon: mostCommon(colons) ?? ': ', sep: mostCommon(seps) ?? ' ' };
}

function mostCommon(map: Map<string, number>): string | undefined {
  let best: string | undefined;
  let bestCount = 0;
  for (const [k, n] of map) {
    if (n > bestCount) {
      best = k;
      bestCount = n;
    }
  }
  return best;
}

/** Re-parses the result and demands: old value + exactly the wanted runtime changes, nothing else. */
function verifyOnlyIntendedChanges(oldValue: Record<string, unknown>, newText: string, want: RuntimeWanted, file: string): void {
  const expected = structuredClone(oldValue);
  const runtimes = isPlainObject(expected.runtimes) ? expected.runtimes : (expected.runtimes = {});
  const entry = isPlainObject((runtimes as Record<string, unknown>)[want.name])
    ? ((runtimes as Record<string, unknown>)[want.name] as Record<string, unknown>)
    : ((runtimes as Record<string, unknown>)[want.name] = {});
  entry.path = want.path;
  if (want.runtimeArgs !== undefined) entry.runtimeArgs = [...want.runtimeArgs];
  if (want.makeDefault) expected['default-runtime'] = want.name;

  let actual: unknown;
  try {
    actual = parseDaemonJson(newText, file).value;
  } catch (err) {
    throw new Error(`internal error: the edited ${file} would not parse (${(err as Error).message}); nothing was written`);
  }
  if (!sameValue(actual, expected)) {
    throw new Error(`internal error: the edit of ${file} would change more than the runtime entry; nothing was written`);
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep equality that also compares the order of object keys. */
function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  }
  if (isPlainObject(a) || isPlainObject(b)) {
    if (!isPlainObject(a) || !isPlainObject(b)) return false;
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k, i) => k === kb[i] && sameValue(a[k], b[k]));
  }
  return Object.is(a, b);
}

/** Compact one-line JSON for change lines: `["--a", "--b"]`, `"x"`, `{"path": "y"}`. */
function formatValue(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(formatValue).join(', ')}]`;
  if (isPlainObject(v)) return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${formatValue(x)}`).join(', ')}}`;
  return JSON.stringify(v) ?? String(v);
}
