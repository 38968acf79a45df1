import { lineIndexOf } from '../util/line-index.js';
// A small line scanner for TOML files that other people wrote: it finds every table header and
// key/value statement with its exact source span, so an editor can replace one value or insert a few
// lines while every other byte stays as it was.
//
// It is not a validator. Callers parse the same text with @iarna/toml first (which rejects invalid
// TOML with a line and column); the scanner then only has to be right about valid files. What it
// must never get wrong is *where* things are: a `#[plugins...]` comment, a `[table]` inside a string,
// a multi-line string or array that happens to contain a line starting with `[` — none of these is a
// header.

export type KeyQuote = 'bare' | 'basic' | 'literal';

export interface KeySegment {
  name: string;
  quote: KeyQuote;
}

export type ValueKind = 'basic' | 'literal' | 'ml-basic' | 'ml-literal' | 'array' | 'inline-table' | 'scalar';

export type LineKind = 'blank' | 'comment' | 'statement' | 'continuation';

export interface LineInfo {
  /** Offset of the first character of the line. */
  start: number;
  /** Offset just after the last character before the line ending. */
  contentEnd: number;
  /** Offset just after the line ending ('\n' or '\r\n'); equals contentEnd on a last line without one. */
  end: number;
  kind: LineKind;
  /** Leading spaces and tabs. */
  indent: string;
}

export interface HeaderStatement {
  type: 'table' | 'arrayTable';
  /** 0-based line index. */
  line: number;
  indent: string;
  key: KeySegment[];
  path: string[];
  /** Offset of '[' and just after the closing bracket(s). */
  start: number;
  end: number;
}

export interface KeyValueStatement {
  type: 'keyValue';
  /** 0-based line of the key. */
  line: number;
  /** 0-based line where the value ends (differs from `line` for multi-line strings and arrays). */
  endLine: number;
  indent: string;
  key: KeySegment[];
  /** Path of the enclosing [table] ([] for the root table). */
  table: string[];
  /** table + key. */
  fullPath: string[];
  /** Index into `headers` of the enclosing header, -1 for the root table. */
  headerIndex: number;
  /** Offset of the first key character. */
  start: number;
  /** Offset just after the key (before the spaces and '='). */
  keyEnd: number;
  valueStart: number;
  valueEnd: number;
  valueKind: ValueKind;
}

export type Statement = HeaderStatement | KeyValueStatement;

export interface ScannedToml {
  text: string;
  lines: LineInfo[];
  statements: Statement[];
  headers: HeaderStatement[];
  keyValues: KeyValueStatement[];
  /** Line ending used by most lines ('\n' when there are none). */
  eol: '\n' | '\r\n';
  /** Offset after a UTF-8 byte order mark (0 when there is none). */
  bodyStart: number;
}

export class TomlScanError extends Error {
  constructor(public offset: number, message: string) {
    super(message);
    this.name = 'TomlScanError';
  }
}

const BARE_KEY = /[A-Za-z0-9_-]+/y;

/** Scans a TOML text that is already known to parse. Throws TomlScanError where it cannot follow. */
export function scanToml(text: string): ScannedToml {
  return new Scanner(text).scan();
}

class Scanner {
  private pos: number;
  private readonly lineStarts: number[] = [0];
  private readonly kinds: LineKind[] = [];
  private readonly statements: Statement[] = [];
  private readonly headers: HeaderStatement[] = [];
  private readonly keyValues: KeyValueStatement[] = [];
  private table: string[] = [];
  private headerIndex = -1;
  private readonly bodyStart: number;

  constructor(private readonly text: string) {
    for (let i = 0; i < text.length; i++) {
      if (text.charCodeAt(i) === 10 && i + 1 < text.length) this.lineStarts.push(i + 1);
    }
    if (text.length === 0) this.lineStarts.length = 0;
    this.bodyStart = text.startsWith('\uFEFF') ? 1 : 0;
    this.pos = this.bodyStart;
  }

  scan(): ScannedToml {
    const t = this.text;
    for (let i = 0; i < this.lineStarts.length; i++) this.kinds.push('blank');
    while (this.pos < t.length) {
      this.skipSpaces();
      if (this.pos >= t.length) break;
      const c = t[this.pos]!;
      if (c === '\n') {
        this.pos++;
        continue;
      }
      if (c === '\r' && t[this.pos + 1] === '\n') {
        this.pos += 2;
        continue;
      }
      if (c === '#') {
        const line = this.lineOf(this.pos);
        if (this.kinds[line] === 'blank') this.kinds[line] = 'comment';
        this.pos = this.endOfLine(this.pos);
        continue;
      }
      if (c === '[') this.scanHeader();
      else this.scanKeyValue();
      this.finishLine();
    }
    const lines = this.buildLines();
    return {
      text: t,
      lines,
      statements: this.statements,
      headers: this.headers,
      keyValues: this.keyValues,
      eol: dominantEol(t),
      bodyStart: this.bodyStart,
    };
  }

  private scanHeader(): void {
    const start = this.pos;
    const array = this.text[this.pos + 1] === '[';
    this.pos += array ? 2 : 1;
    const key = this.scanKey();
    this.skipSpaces();
    const close = array ? ']]' : ']';
    if (!this.text.startsWith(close, this.pos)) throw new TomlScanError(this.pos, `expected '${close}' to close the table header`);
    this.pos += close.length;
    const line = this.lineOf(start);
    const header: HeaderStatement = {
      type: array ? 'arrayTable' : 'table',
      line,
      indent: this.indentOf(line),
      key,
      path: key.map((k) => k.name),
      start,
      end: this.pos,
    };
    this.kinds[line] = 'statement';
    this.statements.push(header);
    this.headers.push(header);
    this.table = header.path;
    this.headerIndex = this.headers.length - 1;
  }

  private scanKeyValue(): void {
    const start = this.pos;
    const key = this.scanKey();
    const keyEnd = this.keyEnd;
    this.skipSpaces();
    if (this.text[this.pos] !== '=') throw new TomlScanError(this.pos, "expected '=' after a key");
    this.pos++;
    this.skipSpaces();
    const valueStart = this.pos;
    const valueKind = this.skipValue();
    const valueEnd = this.pos;
    const line = this.lineOf(start);
    const endLine = this.lineOf(Math.max(valueStart, valueEnd - 1));
    const path = key.map((k) => k.name);
    const stmt: KeyValueStatement = {
      type: 'keyValue',
      line,
      endLine,
      indent: this.indentOf(line),
      key,
      table: this.table,
      fullPath: [...this.table, ...path],
      headerIndex: this.headerIndex,
      start,
      keyEnd,
      valueStart,
      valueEnd,
      valueKind,
    };
    this.kinds[line] = 'statement';
    for (let l = line + 1; l <= endLine; l++) this.kinds[l] = 'continuation';
    this.statements.push(stmt);
    this.keyValues.push(stmt);
  }

  /** After a statement: spaces, an optional comment, then the end of the line or file. */
  private finishLine(): void {
    this.skipSpaces();
    if (this.text[this.pos] === '#') this.pos = this.endOfLine(this.pos);
    if (this.pos >= this.text.length) return;
    const c = this.text[this.pos];
    if (c === '\n') this.pos++;
    else if (c === '\r' && this.text[this.pos + 1] === '\n') this.pos += 2;
    else throw new TomlScanError(this.pos, 'expected the end of the line after a statement');
  }

  /** Offset just after the last segment of the key scanned last. */
  private keyEnd = 0;

  private scanKey(): KeySegment[] {
    const segments: KeySegment[] = [];
    for (;;) {
      this.skipSpaces();
      segments.push(this.scanKeySegment());
      this.keyEnd = this.pos;
      this.skipSpaces();
      if (this.text[this.pos] === '.') {
        this.pos++;
        continue;
      }
      return segments;
    }
  }

  private scanKeySegment(): KeySegment {
    const c = this.text[this.pos];
    if (c === '"') {
      const end = this.skipBasicString(this.pos);
      const name = decodeBasic(this.text.slice(this.pos + 1, end - 1));
      this.pos = end;
      return { name, quote: 'basic' };
    }
    if (c === "'") {
      const end = this.text.indexOf("'", this.pos + 1);
      if (end < 0) throw new TomlScanError(this.pos, 'unterminated literal key');
      const name = this.text.slice(this.pos + 1, end);
      this.pos = end + 1;
      return { name, quote: 'literal' };
    }
    BARE_KEY.lastIndex = this.pos;
    const m = BARE_KEY.exec(this.text);
    if (!m) throw new TomlScanError(this.pos, 'expected a key');
    this.pos += m[0].length;
    return { name: m[0], quote: 'bare' };
  }

  private skipValue(): ValueKind {
    const t = this.text;
    const p = this.pos;
    if (t.startsWith('"""', p)) {
      this.pos = this.skipMultiline(p, '"""', true);
      return 'ml-basic';
    }
    if (t.startsWith("'''", p)) {
      this.pos = this.skipMultiline(p, "'''", false);
      return 'ml-literal';
    }
    if (t[p] === '"') {
      this.pos = this.skipBasicString(p);
      return 'basic';
    }
    if (t[p] === "'") {
      const end = t.indexOf("'", p + 1);
      if (end < 0) throw new TomlScanError(p, 'unterminated literal string');
      this.pos = end + 1;
      return 'literal';
    }
    if (t[p] === '[') {
      this.pos = this.skipBracketed(p, '[', ']');
      return 'array';
    }
    if (t[p] === '{') {
      this.pos = this.skipBracketed(p, '{', '}');
      return 'inline-table';
    }
    this.pos = this.skipScalar(p);
    if (this.pos === p) throw new TomlScanError(p, 'expected a value');
    return 'scalar';
  }

  /** Numbers, booleans, dates (a date and time may be separated by one space). */
  private skipScalar(p: number): number {
    const word = /[^\s#,\]}]+/y;
    word.lastIndex = p;
    const m = word.exec(this.text);
    if (!m) return p;
    let end = p + m[0].length;
    if (/^\d{4}-\d{2}-\d{2}$/.test(m[0]) && /^ \d{2}:/.test(this.text.slice(end, end + 4))) {
      word.lastIndex = end + 1;
      const time = word.exec(this.text);
      if (time) end = end + 1 + time[0].length;
    }
    return end;
  }

  private skipBasicString(p: number): number {
    const t = this.text;
    for (let i = p + 1; i < t.length; i++) {
      const c = t[i];
      if (c === '\\') i++;
      else if (c === '"') return i + 1;
      else if (c === '\n') break;
    }
    throw new TomlScanError(p, 'unterminated string');
  }

  private skipMultiline(p: number, delim: string, escapes: boolean): number {
    const t = this.text;
    for (let i = p + 3; i < t.length; i++) {
      if (escapes && t[i] === '\\') {
        i++;
        continue;
      }
      if (t.startsWith(delim, i)) {
        let end = i + 3;
        // Up to two quotes right before the closing delimiter belong to the string.
        while (end < t.length && t[end] === delim[0] && end - i < 5) end++;
        return end;
      }
    }
    throw new TomlScanError(p, 'unterminated multi-line string');
  }

  /** Arrays and inline tables: nested brackets, strings and (in arrays) comments. */
  private skipBracketed(p: number, open: string, close: string): number {
    const t = this.text;
    let i = p + 1;
    while (i < t.length) {
      const c = t[i]!;
      if (c === close) return i + 1;
      if (c === '#') {
        i = this.endOfLine(i);
        continue;
      }
      if (c === '[' || c === '{') {
        i = this.skipBracketed(i, c, c === '[' ? ']' : '}');
        continue;
      }
      if (t.startsWith('"""', i)) {
        i = this.skipMultiline(i, '"""', true);
        continue;
      }
      if (t.startsWith("'''", i)) {
        i = this.skipMultiline(i, "'''", false);
        continue;
      }
      if (c === '"') {
        i = this.skipBasicString(i);
        continue;
      }
      if (c === "'") {
        const end = t.indexOf("'", i + 1);
        if (end < 0) throw new TomlScanError(i, 'unterminated literal string');
        i = end + 1;
        continue;
      }
      i++;
    }
    throw new TomlScanError(p, `'${open}' is never closed`);
  }

  private skipSpaces(): void {
    while (this.pos < this.text.length && (this.text[this.pos] === ' ' || this.text[this.pos] === '\t')) this.pos++;
  }

  /** Offset of the '\r\n' or '\n' that ends the line holding `p` (or the end of the text). */
  private endOfLine(p: number): number {
    const nl = this.text.indexOf('\n', p);
    if (nl < 0) return this.text.length;
    return nl > 0 && this.text[nl - 1] === '\r' ? nl - 1 : nl;
  }

  private lineOf(offset: number): number {
    return lineIndexOf(this.lineStarts, offset);
  }

  private indentOf(line: number): string {
    const start = this.lineStarts[line]!;
    const from = line === 0 ? Math.max(start, this.bodyStart) : start;
    return /^[ \t]*/.exec(this.text.slice(from, from + 200))![0];
  }

  private buildLines(): LineInfo[] {
    const t = this.text;
    return this.lineStarts.map((start, i) => {
      const end = this.lineStarts[i + 1] ?? t.length;
      let contentEnd = end;
      if (contentEnd > start && t[contentEnd - 1] === '\n') contentEnd--;
      if (contentEnd > start && t[contentEnd - 1] === '\r' && contentEnd < end) contentEnd--;
      return { start, contentEnd, end, kind: this.kinds[i] ?? 'blank', indent: this.indentOf(i) };
    });
  }
}

export { lineIndexOf };

function dominantEol(text: string): '\n' | '\r\n' {
  const all = (text.match(/\n/g) ?? []).length;
  const crlf = (text.match(/\r\n/g) ?? []).length;
  return crlf > all - crlf ? '\r\n' : '\n';
}

function decodeBasic(body: string): string {
  return body.replace(/\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)/g, (_m, esc: string) => {
    switch (esc[0]) {
      case 'b': return '\b';
      case 't': return '\t';
      case 'n': return '\n';
      case 'f': return '\f';
      case 'r': return '\r';
      case 'e': return '\x1b';
      case '"': return '"';
      case '\\': return '\\';
      case 'u':
      case 'U': return String.fromCodePoint(parseInt(esc.slice(1), 16));
      default: return esc;
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Blocks: which lines belong to a table

/** Key/value statements directly inside the table opened by headers[index]. */
export function blockKeyValues(doc: ScannedToml, headerIndex: number): KeyValueStatement[] {
  return doc.keyValues.filter((s) => s.headerIndex === headerIndex);
}

/**
 * Last line that belongs to the table opened by headers[index]: its header, its keys, and comment
 * lines that follow the last key without a blank line in between and are indented at least as deep
 * as the keys (so `#SystemdCgroup = false` under runc.options stays with it, while a column-0
 * comment introducing the next table does not, nor do comments directly above the next header
 * that are indented no deeper than it).
 */
export function blockEndLine(doc: ScannedToml, headerIndex: number): number {
  const header = doc.headers[headerIndex]!;
  const keys = blockKeyValues(doc, headerIndex);
  let last = header.line;
  for (const k of keys) last = Math.max(last, k.endLine);
  const next = doc.headers[headerIndex + 1];
  const limit = next ? next.line : doc.lines.length;
  const minIndent = keys[0] ? keys[0].indent.length : header.indent.length + 1;
  const contentEnd = last;
  let maxCommentIndent = -1;
  for (let l = last + 1; l < limit; l++) {
    const info = doc.lines[l]!;
    if (info.kind !== 'comment' || info.indent.length < minIndent) break;
    maxCommentIndent = Math.max(maxCommentIndent, info.indent.length);
    last = l;
  }
  // Comments right above the next header, no deeper than it, introduce that header instead.
  if (next && last > contentEnd && last + 1 === next.line && maxCommentIndent <= next.indent.length) return contentEnd;
  return last;
}

/**
 * Whether the header directly follows a table's content (a key line, perhaps after blank and comment
 * lines) rather than another header or the start of the file.
 */
export function headerFollowsContent(doc: ScannedToml, header: HeaderStatement): boolean {
  let l = header.line - 1;
  while (l >= 0 && (doc.lines[l]!.kind === 'comment' || doc.lines[l]!.kind === 'blank')) l--;
  if (l < 0) return false;
  const prev = doc.statements.filter((s) => s.line <= l).pop();
  return prev !== undefined && prev.type === 'keyValue';
}

/** Whether the header (after any comment lines directly above it) is preceded by a blank line. */
export function blankBeforeHeader(doc: ScannedToml, header: HeaderStatement): boolean {
  let l = header.line - 1;
  while (l >= 0 && doc.lines[l]!.kind === 'comment') l--;
  return l >= 0 && doc.lines[l]!.kind === 'blank';
}

// ---------------------------------------------------------------------------------------------
// Writing TOML text

export function isBareKey(name: string): boolean {
  return /^[A-Za-z0-9_-]+$/.test(name);
}

export function formatKeySegment(name: string, quote: '"' | "'"): string {
  if (isBareKey(name)) return name;
  return quote === "'" && canBeLiteral(name) ? `'${name}'` : basicString(name);
}

export function formatKeyPath(path: string[], quote: '"' | "'"): string {
  return path.map((p) => formatKeySegment(p, quote)).join('.');
}

export function canBeLiteral(s: string): boolean {
  return !/['\n\r]/.test(s) && !/[\x00-\x08\x0b-\x1f\x7f]/.test(s);
}

export function basicString(s: string): string {
  // JSON's escapes are all valid TOML basic-string escapes; TOML also forbids a raw DEL.
  return JSON.stringify(s).replace(/\x7f/g, '\\u007f');
}

export type TomlScalar = string | boolean | number;

export function formatScalar(value: TomlScalar, quote: '"' | "'"): string {
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new Error(`only integers are written, not ${value}`);
    return String(value);
  }
  return quote === "'" && canBeLiteral(value) ? `'${value}'` : basicString(value);
}

// ---------------------------------------------------------------------------------------------
// Text operations on the original offsets

export interface TextOp {
  at: number;
  /** Characters removed at `at`. */
  remove: number;
  insert: string;
}

/** Applies operations given in original-text offsets; at the same offset they apply in list order. */
export function applyOps(text: string, ops: TextOp[]): string {
  const indexed = ops.map((op, i) => ({ op, i }));
  indexed.sort((a, b) => a.op.at - b.op.at || a.i - b.i);
  let out = '';
  let cursor = 0;
  for (const { op } of indexed) {
    if (op.at < cursor) throw new Error('internal error: overlapping text edits');
    out += text.slice(cursor, op.at) + op.insert;
    cursor = op.at + op.remove;
  }
  return out + text.slice(cursor);
}

/**
 * Inserts whole lines after line `line` (-1: at the start of the file). A last line without a
 * line ending keeps the file without one: the new lines go after a separating line ending.
 */
export function insertLinesAfter(doc: ScannedToml, line: number, newLines: string[]): TextOp {
  const eol = doc.eol;
  if (doc.lines.length === 0) {
    return { at: doc.text.length, remove: 0, insert: newLines.map((l) => l + eol).join('') };
  }
  if (line < 0) return { at: doc.bodyStart, remove: 0, insert: newLines.map((l) => l + eol).join('') };
  const info = doc.lines[line]!;
  if (info.end > info.contentEnd) return { at: info.end, remove: 0, insert: newLines.map((l) => l + eol).join('') };
  return { at: info.end, remove: 0, insert: eol + newLines.join(eol) };
}

export function insertLinesBefore(doc: ScannedToml, line: number, newLines: string[]): TextOp {
  const info = doc.lines[line]!;
  const at = line === 0 ? doc.bodyStart : info.start;
  return { at, remove: 0, insert: newLines.map((l) => l + doc.eol).join('') };
}

export function startsWithPath(path: readonly string[], prefix: readonly string[]): boolean {
  return prefix.length <= path.length && prefix.every((p, i) => path[i] === p);
}

export function samePath(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && startsWithPath(a, b);
}
