// `kubeadm join`: the line an operator pastes from `kubeadm token create --print-join-command`,
// turned into argv without any shell, validated strictly, and rebuilt with the CRI socket of the
// engine the wizard configured (case E2). Plus node label / taint syntax and the meaning of the
// kubeadm errors an operator is most likely to meet (case E3).
//
// Secrets: the bootstrap token's secret half (and the whole token), the CA hash pins and a pasted
// --certificate-key never appear in an error: tokens are shown as `abcdef.****`, hashes as
// `sha256:****`, any other long hex run as `****`.
//
// What normalisation may fix, and what must stay an error (case E4). The rule: normalise only what
// has exactly one meaning, never guess at a credential.
//   - No-break and other unicode spaces become ' '. They render like a space, and no kubeadm
//     argument can contain one, so the operator meant a space.
//   - `\` at the end of a line (even with invisible spaces after it) joins the lines, exactly as a
//     shell would; CR LF counts as a line end.
//   - A line break WITHOUT `\` is an error. In a shell it ends the command, so what follows would
//     run as a second command; when a terminal wraps a long token or hash and the copy turns the
//     wrap into a hard break (join-command-nbsp-wrapped.txt: `...abcde` / `f`), we cannot tell a
//     wrap inside a word (join without a space) from a break between words (join with one). Gluing
//     the pieces could produce a well-formed but different credential, so we point at the break.
//   - A lost separator (`192.0.2.10:6443--token`) or a stray character (`.--discovery-...`,
//     join-command-stray-dot.txt) is an error pointing at that word: splitting or deleting
//     characters would be a guess, even when the guess looks obvious.
//   - The single repair: the value of --discovery-token-ca-cert-hash when it was quoted and the
//     quotes hold stray whitespace (join-command-space-in-hash.txt: `" sha256:..."`). The quotes
//     delimit exactly one value, `sha256:<hex>` cannot contain whitespace, and the result is then
//     validated strictly (64 lowercase hex digits), so removing the whitespace cannot change which
//     value was meant or let a damaged one through. The token is deliberately not repaired the same
//     way: the case list allows exactly this one repair.
//   - No shell syntax: `$`, backticks, `;`, `|`, `&`, `<`, `>`, `(`, `)`, a `#` comment and backslash
//     escapes are refused where they stand (also inside quotes: nothing is ever expanded, so such a
//     paste cannot mean what it says).

export interface JoinCommand {
  /** `host:port`: DNS name, IPv4 or [IPv6]. */
  endpoint: string;
  /** `[a-z0-9]{6}.[a-z0-9]{16}` (secret: never log it). */
  token: string;
  /** One or more `sha256:<64 lowercase hex>` (the CA public key pins). */
  caCertHashes: string[];
  nodeName?: string;
  /** Value of --v (klog verbosity), digits only. */
  verbosity?: string;
  /** What the parser repaired or will replace, for the screen and the log (no secrets). */
  notes?: string[];
}

export interface JoinProblem {
  /** The offending text as it may be shown (secrets masked). */
  part: string;
  /** Offset of the offending text in the normalised text (see normalizeJoinText); text length when something is missing. */
  index: number;
  /** Its length in the normalised text (0 when something is missing). */
  length: number;
  message: string;
  hint: string;
}

export class JoinParseError extends Error {
  /** The offending text as it may be shown (secrets masked); '' when something is missing. */
  readonly part: string;
  /** Offset of the offending text in the normalised text (see normalizeJoinText). */
  readonly index: number;
  readonly length: number;
  /** What to do about it. */
  readonly hint: string;
  /** Further problems found in the same text, in text order (the first one is this error). */
  readonly others: JoinProblem[];

  constructor(
    first: JoinProblem,
    others: JoinProblem[],
    /** 1-based line and column of the problem in the text as pasted. */
    public readonly line: number,
    public readonly column: number,
  ) {
    super(first.message);
    this.name = 'JoinParseError';
    this.part = first.part;
    this.index = first.index;
    this.length = first.length;
    this.hint = first.hint;
    this.others = others;
  }
}

/** A node label or taint the kubelet would refuse (or that NodeRestriction forbids the kubelet to set). */
export class NodeValueError extends Error {
  constructor(
    /** The label or taint as given. */
    public readonly input: string,
    public readonly detail: string,
    public readonly hint: string,
  ) {
    super(`${detail}\n${hint}`);
    this.name = 'NodeValueError';
  }
}

export const TOKEN_PATTERN = /^[a-z0-9]{6}\.[a-z0-9]{16}$/;
export const CA_HASH_PATTERN = /^sha256:[0-9a-f]{64}$/;

// ---------------------------------------------------------------------------------------------
// Normalisation

interface Normalised {
  text: string;
  /** orig[i] = offset in the pasted text of normalised character i; orig[text.length] = pasted length. */
  orig: number[];
}

/** Spaces that render like ' ' but are not ' ' (U+0009 tab stays a tab; both separate words). */
const UNICODE_SPACES = /[\u00A0\u1680\u2000-\u200A\u202F\u205F\u3000]/;
const LINE_SEPARATORS = /[\u0085\u2028\u2029]/;

function normalise(input: string): Normalised {
  const chars: string[] = [];
  const orig: number[] = [];
  const start = input.startsWith('\uFEFF') ? 1 : 0;
  for (let i = start; i < input.length; i++) {
    const c = input[i]!;
    if (c === '\r') {
      if (input[i + 1] === '\n') continue; // CR LF: keep the LF
      chars.push('\n');
    } else if (UNICODE_SPACES.test(c)) chars.push(' ');
    else if (LINE_SEPARATORS.test(c)) chars.push('\n');
    else chars.push(c);
    orig.push(i);
  }
  // `\` + optional spaces/tabs + line break: a continuation, replaced by one space.
  const outChars: string[] = [];
  const outOrig: number[] = [];
  for (let i = 0; i < chars.length; i++) {
    if (chars[i] === '\\') {
      let j = i + 1;
      while (j < chars.length && (chars[j] === ' ' || chars[j] === '\t')) j++;
      if (chars[j] === '\n') {
        outChars.push(' ');
        outOrig.push(orig[i]!);
        i = j;
        continue;
      }
    }
    outChars.push(chars[i]!);
    outOrig.push(orig[i]!);
  }
  outOrig.push(input.length);
  return { text: outChars.join(''), orig: outOrig };
}

/** The text the parser works on (indexes in JoinParseError refer to it): unicode spaces → ' ', CR LF → LF, `\`-continuations joined. */
export function normalizeJoinText(text: string): string {
  return normalise(text).text;
}

// ---------------------------------------------------------------------------------------------
// Masking

const TOKEN_LIKE = /\b([a-z0-9]{6})\.[A-Za-z0-9]{4,}(?![\w.:-])/g;

/** `abcdef.****` (the id stays, the secret half goes); `****` when there is no ".". */
export function maskToken(token: string): string {
  const dot = token.indexOf('.');
  return dot === -1 ? '****' : `${token.slice(0, dot)}.****`;
}

/** Mask what may be secret in a text that is about to be shown. `extra`: known secret strings. */
export function redactJoinText(text: string, extra: readonly string[] = []): string {
  let out = text;
  for (const s of [...extra].filter((x) => x.length >= 4).sort((a, b) => b.length - a.length)) {
    out = out.split(s).join(s.includes('.') ? maskToken(s) : s.startsWith('sha256:') ? 'sha256:****' : '****');
  }
  out = out.replace(/sha256:[ \t]*[0-9A-Za-z]+/gi, 'sha256:****');
  out = out.replace(TOKEN_LIKE, '$1.****');
  out = out.replace(/[0-9a-fA-F]{12,}/g, '****');
  return out;
}

// ---------------------------------------------------------------------------------------------
// Tokenizer: words with their spans; no expansion of any kind

interface Word {
  value: string;
  /** Span in the normalised text. */
  start: number;
  end: number;
  /** Some part of it was inside quotes. */
  quoted: boolean;
  /** It holds something already reported (shell syntax, a bad character, an open quote): not validated again. */
  broken?: boolean;
  /** The line ends right after it without "\\" and more text follows. */
  cutAfter?: boolean;
}

const CHAR_HINTS: { test: RegExp; name: string; hint: string }[] = [
  { test: /[\u2010-\u2015\u2212]/, name: 'a typographic dash', hint: 'An editor or chat program turned "--" into a dash character; type the two hyphens again.' },
  { test: /[\u2018-\u201F\u00AB\u00BB]/, name: 'a typographic quote', hint: 'An editor or chat program replaced a plain quote; use plain \' or " (or none: kubeadm values need no quotes).' },
  { test: /[\u200B-\u200D\u2060\uFEFF]/, name: 'an invisible zero-width character', hint: 'It came with the copy (web page or chat); delete it or copy the command again from the terminal.' },
];

function describeChar(c: string): { name: string; hint: string } {
  for (const h of CHAR_HINTS) if (h.test.test(c)) return h;
  const code = `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
  if (c < ' ' || c === '\x7f') return { name: `a control character (${code})`, hint: 'Copy the command again from the terminal where kubeadm printed it.' };
  return { name: `a non-ASCII character (${code})`, hint: 'A kubeadm join command is plain ASCII; copy it again from the terminal where kubeadm printed it.' };
}

class Scanner {
  readonly words: Word[] = [];
  private cur: Word | null = null;

  constructor(private readonly text: string, private readonly problem: (index: number, length: number, message: string, hint: string) => void) {}

  private add(ch: string, at: number, quoted: boolean): void {
    if (!this.cur) this.cur = { value: '', start: at, end: at, quoted: false };
    this.cur.value += ch;
    this.cur.end = at + 1;
    if (quoted) this.cur.quoted = true;
  }

  private endWord(): void {
    if (this.cur) this.words.push(this.cur);
    this.cur = null;
  }

  run(): Word[] {
    const t = this.text;
    let i = 0;
    while (i < t.length) {
      const c = t[i]!;
      if (c === ' ' || c === '\t') {
        this.endWord();
        i++;
      } else if (c === '\n') {
        const last = this.cur ?? this.words[this.words.length - 1];
        this.endWord();
        if (last && /\S/.test(t.slice(i + 1))) {
          if (/^[ \t]*$/.test(t.slice(last.end, i))) last.cutAfter = true;
          const lineNo = t.slice(0, i).split('\n').length;
          this.problem(
            i,
            1,
            `line ${lineNo} ends without "\\": a shell would run the next line as a separate command`,
            'The terminal probably wrapped the command and the copy turned the wrap into a line break; the wizard ' +
              'does not guess whether a word was cut in two. Paste the command as one line (or with "\\" at the end ' +
              'of each line), or print it again on the control plane with `kubeadm token create --print-join-command`.',
          );
        }
        i++;
      } else if (c === "'" || c === '"') {
        const close = this.findClose(i, c);
        if (close === -1) {
          this.problem(i, 1, `the ${c === "'" ? 'single' : 'double'} quote here is never closed`, 'Remove the quote or close it; kubeadm values need no quotes.');
          if (!this.cur) this.cur = { value: '', start: i, end: i, quoted: true };
          this.cur.value += t.slice(i + 1);
          this.cur.end = t.length;
          this.cur.broken = true;
          this.endWord();
          return this.words;
        }
        if (!this.cur) this.cur = { value: '', start: i, end: i, quoted: true };
        for (let k = i + 1; k < close; k++) {
          const q = t[k]!;
          if (q !== '\n' && q !== ' ' && q !== '\t' && (q < ' ' || q > '~')) this.badChar(k);
          else if (c === '"' && (q === '$' || q === '`' || q === '\\')) this.shellSyntax(k);
          else if (c === "'" && (q === '$' || q === '`')) this.shellSyntax(k);
          this.add(q, k, true);
        }
        this.cur.end = close + 1;
        this.cur.quoted = true;
        i = close + 1;
      } else if ('$`;|&<>()'.includes(c) || (c === '#' && !this.cur)) {
        i = this.shellSyntax(i);
      } else if (c === '\\') {
        this.problem(i, Math.min(2, t.length - i), 'a backslash escape; only "\\" at the end of a line is understood', 'Remove the backslash; kubeadm values never need escaping.');
        i++;
      } else if (c < ' ' || c > '~') {
        this.badChar(i);
        i++;
      } else {
        this.add(c, i, false);
        i++;
      }
    }
    this.endWord();
    return this.words;
  }

  private findClose(open: number, q: string): number {
    return this.text.indexOf(q, open + 1);
  }

  private badChar(i: number): void {
    const d = describeChar(this.text[i]!);
    this.problem(i, 1, `${d.name} at this place`, d.hint);
    // The character stays out of the value; the word it sits in is not validated again.
    if (!this.cur) this.cur = { value: '', start: i, end: i + 1, quoted: false };
    this.cur.broken = true;
    this.cur.end = Math.max(this.cur.end, i + 1);
  }

  /** Report the shell construct starting at i; returns the offset after it. */
  private shellSyntax(i: number): number {
    const t = this.text;
    const c = t[i]!;
    const no = 'The wizard runs kubeadm directly, never through a shell, so nothing is expanded, chained or redirected. ';
    const paste = 'Paste only the `kubeadm join ...` line that `kubeadm token create --print-join-command` printed.';
    let end = i + 1;
    let what: string;
    if (c === '$' && t[i + 1] === '(') {
      const close = t.indexOf(')', i);
      end = close === -1 ? t.length : close + 1;
      what = 'command substitution "$(...)"';
    } else if (c === '$' && t[i + 1] === '{') {
      const close = t.indexOf('}', i);
      end = close === -1 ? t.length : close + 1;
      what = 'a variable "${...}"';
    } else if (c === '$') {
      const m = /^\$[A-Za-z_][A-Za-z0-9_]*/.exec(t.slice(i));
      end = m ? i + m[0].length : i + 1;
      what = m ? `a variable "${m[0]}"` : 'a "$" (shell prompt or expansion)';
    } else if (c === '`') {
      const close = t.indexOf('`', i + 1);
      end = close === -1 ? t.length : close + 1;
      what = 'command substitution with backticks';
    } else if (c === '#') {
      end = t.indexOf('\n', i) === -1 ? t.length : t.indexOf('\n', i);
      what = 'a "#" (a shell comment or prompt)';
    } else if ((c === '&' || c === '|' || c === '>' || c === '<') && t[i + 1] === c) {
      end = i + 2;
      what = c === '&' || c === '|' ? `"${c}${c}" (a second command)` : `a redirection "${c}${c}"`;
    } else if (c === ';' || c === '&' || c === '|') {
      what = c === ';' ? '";" (a second command)' : c === '|' ? 'a pipe "|"' : 'a background "&"';
    } else if (c === '<' || c === '>') {
      what = `a redirection "${c}"`;
    } else {
      what = `"${c}" (shell syntax)`;
    }
    this.problem(i, end - i, `${what} is not part of a kubeadm join command`, no + paste);
    // The construct stands as one word of its own (e.g. the value of --node-name), already reported.
    this.endWord();
    this.words.push({ value: t.slice(i, end), start: i, end, quoted: false, broken: true });
    return end;
  }
}

// ---------------------------------------------------------------------------------------------
// Validation

type FlagKind = 'value' | 'bool';

interface FlagSpec {
  kind: FlagKind;
  /** Refuse with this message and hint. */
  refuse?: { message: string; hint: string };
}

const WORKER_ONLY_HINT =
  'This wizard joins worker nodes only. Join control-plane nodes by hand, or print a worker join command on a ' +
  'control-plane node with `kubeadm token create --print-join-command`.';

const FLAGS: Record<string, FlagSpec> = {
  token: { kind: 'value' },
  'discovery-token-ca-cert-hash': { kind: 'value' },
  'cri-socket': { kind: 'value' },
  'node-name': { kind: 'value' },
  v: { kind: 'value' },
  'discovery-token-unsafe-skip-ca-verification': {
    kind: 'bool',
    refuse: {
      message: '--discovery-token-unsafe-skip-ca-verification turns off CA pinning: the node would trust whatever API server answers at the endpoint',
      hint: 'Use the --discovery-token-ca-cert-hash that `kubeadm token create --print-join-command` prints on a control-plane node.',
    },
  },
  'control-plane': { kind: 'bool', refuse: { message: '--control-plane joins a control-plane node', hint: WORKER_ONLY_HINT } },
  'certificate-key': { kind: 'value', refuse: { message: '--certificate-key is only used to join control-plane nodes (it decrypts the uploaded cluster certificates)', hint: WORKER_ONLY_HINT } },
  'apiserver-advertise-address': { kind: 'value', refuse: { message: '--apiserver-advertise-address only applies to control-plane nodes', hint: WORKER_ONLY_HINT } },
  'apiserver-bind-port': { kind: 'value', refuse: { message: '--apiserver-bind-port only applies to control-plane nodes', hint: WORKER_ONLY_HINT } },
};

const KNOWN_FLAGS_TEXT = '--token, --discovery-token-ca-cert-hash, --node-name, --cri-socket (replaced by the wizard) and --v';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function isDnsSubdomain(s: string, allowUpper = false): boolean {
  const v = allowUpper ? s.toLowerCase() : s;
  return v.length > 0 && v.length <= 253 && v.split('.').every((l) => l.length <= 63 && DNS_LABEL.test(l));
}

function isIPv4(s: string): boolean {
  const parts = s.split('.');
  return parts.length === 4 && parts.every((p) => /^(0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255);
}

function isIPv6(s: string): boolean {
  if (!/^[0-9A-Fa-f:.]+$/.test(s) || s.length < 2) return false;
  const dbl = s.split('::');
  if (dbl.length > 2) return false;
  const groups = (x: string): string[] => (x === '' ? [] : x.split(':'));
  const head = groups(dbl[0]!);
  const tail = dbl.length === 2 ? groups(dbl[1]!) : [];
  const all = [...head, ...tail];
  let count = 0;
  for (let k = 0; k < all.length; k++) {
    const g = all[k]!;
    if (k === all.length - 1 && g.includes('.')) {
      if (!isIPv4(g)) return false;
      count += 2;
    } else if (/^[0-9A-Fa-f]{1,4}$/.test(g)) count += 1;
    else return false;
  }
  return dbl.length === 2 ? count < 8 : count === 8;
}

/** Why `value` is not a `host:port` endpoint, or undefined when it is one. */
function endpointProblem(value: string): { message: string; hint: string } | undefined {
  const glued = /^(.*:[0-9]+)(-{1,2}[A-Za-z].*)$/.exec(value);
  if (glued) {
    return {
      message: `the endpoint "${glued[1]}" runs into "${glued[2]}": the space between them is missing`,
      hint: `Put a space between "${glued[1]}" and "${glued[2]}" (the copy lost it), or print the command again on the control plane.`,
    };
  }
  if (/^[a-z]+:\/\//i.test(value)) return { message: `the endpoint "${value}" has a URL scheme`, hint: 'kubeadm wants host:port without "https://", e.g. 192.0.2.10:6443.' };
  let host: string;
  let port: string;
  const v6 = /^\[([^\]]*)\]:(.*)$/.exec(value);
  if (v6) {
    host = v6[1]!;
    port = v6[2]!;
    if (!isIPv6(host)) return { message: `"[${host}]" is not an IPv6 address`, hint: 'Use host:port, e.g. [2001:db8::10]:6443.' };
  } else {
    const colon = value.lastIndexOf(':');
    if (colon === -1) return { message: `the endpoint "${value}" has no port`, hint: 'kubeadm wants host:port, e.g. 192.0.2.10:6443 (6443 is the usual API server port).' };
    host = value.slice(0, colon);
    port = value.slice(colon + 1);
    if (host.includes(':')) return { message: `the endpoint "${value}" looks like an IPv6 address without brackets`, hint: 'Write IPv6 endpoints as [address]:port, e.g. [2001:db8::10]:6443.' };
    if (/^[0-9.]+$/.test(host)) {
      if (!isIPv4(host)) return { message: `"${host}" is not a valid IPv4 address`, hint: 'Check the address against the control-plane node (for example `ip -br addr` there).' };
    } else if (!isDnsSubdomain(host, true)) {
      return { message: `"${host}" is not a valid host name`, hint: 'Use the DNS name or IP address of the API server endpoint, as kubeadm printed it.' };
    }
  }
  if (!/^[1-9][0-9]{0,4}$/.test(port) || Number(port) > 65535) {
    return { message: `"${port}" is not a port number (1-65535)`, hint: 'The API server normally listens on 6443.' };
  }
  return undefined;
}

function tokenProblem(value: string): { message: string; hint: string } | undefined {
  if (TOKEN_PATTERN.test(value)) return undefined;
  const shape = 'A bootstrap token is 6 lowercase letters or digits, a dot, then 16 more';
  const dot = value.indexOf('.');
  let detail: string;
  if (dot === -1) detail = `the token "${maskToken(value)}" has no "." (${value.length} characters)`;
  else {
    const id = value.slice(0, dot);
    const secret = value.slice(dot + 1);
    const idShown = /^[a-z0-9]{6}$/.test(id) ? id : `(${id.length} characters)`;
    if (/\s/.test(value)) detail = `the token ${idShown}.**** contains whitespace (the wizard repairs that only inside a quoted CA hash)`;
    else if (/[A-Z]/.test(value) && TOKEN_PATTERN.test(value.toLowerCase())) detail = `the token ${idShown}.**** has capital letters; kubeadm tokens are lowercase`;
    else if (!/^[a-z0-9]{6}$/.test(id)) detail = `the token id before the "." must be 6 lowercase letters or digits, not ${idShown}`;
    else if (!/^[a-z0-9]*$/.test(secret)) detail = `the token ${id}.**** has characters other than lowercase letters and digits after the "."`;
    else detail = `the token ${id}.**** has ${secret.length} characters after the "." instead of 16`;
  }
  return { message: detail, hint: `${shape}. Copy it again, or create a new join command on a control-plane node with \`kubeadm token create --print-join-command\`.` };
}

function hashProblem(value: string): { message: string; hint: string } | undefined {
  if (CA_HASH_PATTERN.test(value)) return undefined;
  const shape = 'It must be "sha256:" followed by 64 lowercase hex digits, as `kubeadm token create --print-join-command` prints it.';
  if (!value.startsWith('sha256:')) {
    const prefix = /^[a-z0-9]+:/i.exec(value)?.[0];
    if (prefix && prefix.toLowerCase() === 'sha256:') return { message: 'the CA hash prefix must be written "sha256:" in lowercase', hint: shape };
    return { message: prefix ? `the CA hash has the prefix "${prefix}" instead of "sha256:"` : 'the CA hash does not start with "sha256:"', hint: shape };
  }
  const hex = value.slice('sha256:'.length);
  if (/\s/.test(hex)) return { message: 'the CA hash sha256:**** contains whitespace', hint: shape };
  if (/^[0-9a-fA-F]+$/.test(hex) && /[A-F]/.test(hex) && hex.length === 64) return { message: 'the CA hash sha256:**** has capital hex digits', hint: shape };
  if (!/^[0-9a-fA-F]*$/.test(hex)) return { message: 'the CA hash sha256:**** contains characters that are not hex digits', hint: shape };
  return { message: `the CA hash sha256:**** has ${hex.length} hex digits instead of 64`, hint: `${shape} A short hash was usually cut off by a line break or by the copy.` };
}

function positionalHint(value: string): { message: string; hint: string } {
  const stray = /^([^A-Za-z0-9-]+)(--?[A-Za-z].*)$/.exec(value);
  if (stray) {
    return {
      message: `"${stray[1]}" stands in front of "${stray[2]}"`,
      hint: `Remove the stray "${stray[1]}" (it came with the copy): the flag must start with "--".`,
    };
  }
  if (value.startsWith('sha256:')) return { message: 'a CA hash sha256:**** without --discovery-token-ca-cert-hash in front of it', hint: 'Each hash must follow --discovery-token-ca-cert-hash; a line break or a lost flag split the command.' };
  if (/^[0-9a-fA-F]{8,}$/.test(value)) return { message: 'a run of hex digits (****) on its own: probably the rest of a CA hash that a line break cut off', hint: 'Paste the hash as one word right after --discovery-token-ca-cert-hash sha256:...' };
  if (/^[a-z0-9]{6}\./.test(value)) return { message: `a token-like value ${maskToken(value)} without --token in front of it`, hint: 'The token must follow --token; a line break or a lost space split the command.' };
  return { message: `unexpected argument "${value}" (the endpoint was already given)`, hint: `A join command has one host:port endpoint and the flags ${KNOWN_FLAGS_TEXT}.` };
}

const SECRET_FLAGS = /^--(token|certificate-key|discovery-token-ca-cert-hash|discovery-token|tls-bootstrap-token)(=|$)/;

/** Every value in the text that is or may be part of a secret, so that messages can mask it. */
function secretsIn(t: string, words: Word[]): string[] {
  const out = new Set<string>();
  const addValue = (v: string): void => {
    out.add(v);
    // The token id before the first "." is public; everything after it is not.
    const dot = v.indexOf('.');
    const rest = dot === -1 ? v : v.slice(dot + 1);
    if (dot !== -1) out.add(rest);
    for (const piece of rest.split(/[\s.,:]+/)) if (piece.length >= 4 && piece !== 'sha256' && !piece.startsWith('-')) out.add(piece);
  };
  for (const m of t.matchAll(/\b[a-z0-9]{6}\.([A-Za-z0-9]{4,})(?![\w.:-])/g)) addValue(m[0]);
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const m = SECRET_FLAGS.exec(w.value);
    let valueWord: Word | undefined;
    if (m && m[2] === '=') {
      addValue(w.value.slice(w.value.indexOf('=') + 1));
      valueWord = w;
    } else if (m && words[i + 1] && !words[i + 1]!.value.startsWith('--')) {
      valueWord = words[i + 1]!;
      addValue(valueWord.value);
    }
    // A value cut by a line break continues in the first word of the next line.
    if (valueWord?.cutAfter) {
      const cont = words[words.indexOf(valueWord) + 1];
      if (cont && !cont.value.startsWith('--')) addValue(cont.value);
    }
    if (/^[a-z0-9]{6}\.[^:]*$/i.test(w.value) || /^[0-9a-f]{8,}$/i.test(w.value)) addValue(w.value);
  }
  return [...out].filter((s) => s.length >= 4);
}

export function parseJoinCommand(text: string): JoinCommand {
  const norm = normalise(text);
  const t = norm.text;
  // Problems are collected raw and masked at the end, once every secret in the text is known.
  const problems: JoinProblem[] = [];
  const problem = (index: number, length: number, message: string, hint: string): void => {
    problems.push({ part: t.slice(index, index + length), index, length, message, hint });
  };
  const missing = (message: string, hint: string): void => {
    problems.push({ part: '', index: t.length, length: 0, message, hint });
  };
  const at = (w: Word, message: string, hint: string): void => problem(w.start, w.end - w.start, message, hint);
  const cutNote = (w: Word): string => (w.cutAfter ? '; the line ends right after it without "\\", so the copy probably cut it in two' : '');

  const words = new Scanner(t, problem).run();
  const secrets = secretsIn(t, words);
  const notes: string[] = [];

  let k = 0;
  while (words[k]?.broken) k++; // a prompt ("$ ", "# ") is reported already
  if (words[k]?.value === 'sudo') k++;
  const first = words[k];
  if (!first) {
    missing('the text holds no command', 'Paste the line that `kubeadm token create --print-join-command` printed on a control-plane node.');
  } else if (first.value !== 'kubeadm') {
    at(first, `the command must start with "kubeadm join", not "${first.value}"`, 'Paste only the `kubeadm join ...` line (an optional leading "sudo" is fine; no prompt, no path).');
    k++;
  } else {
    k++;
    const second = words[k];
    if (!second) missing('"kubeadm" is not followed by "join"', 'Paste the whole `kubeadm join ...` line.');
    else {
      if (second.value !== 'join') at(second, `expected "kubeadm join", found "kubeadm ${second.value}"`, 'Only `kubeadm join` commands are accepted here.');
      k++;
    }
  }

  let endpoint: string | undefined;
  let endpointSeen = false;
  let token: string | undefined;
  const hashes: string[] = [];
  let nodeName: string | undefined;
  let verbosity: string | undefined;
  let sawHashFlag = false;

  for (; k < words.length; k++) {
    const w = words[k]!;
    if (w.broken) {
      // Already reported; it still takes the endpoint's place if it stands there.
      if (!/^--?[A-Za-z]/.test(w.value)) endpointSeen = true;
      continue;
    }
    const isFlag = /^--?[A-Za-z]/.test(w.value) && !w.quoted;
    if (!isFlag) {
      if (!endpointSeen) {
        // The first positional is the endpoint, valid or not: later ones are extra arguments.
        endpointSeen = true;
        const p = endpointProblem(w.value);
        if (p) at(w, p.message, p.hint);
        else endpoint = w.value;
      } else {
        const p = positionalHint(w.value);
        at(w, p.message, p.hint);
      }
      continue;
    }
    const eq = w.value.indexOf('=');
    const rawName = eq === -1 ? w.value : w.value.slice(0, eq);
    const dashes = rawName.startsWith('--') ? 2 : 1;
    const name = rawName.slice(dashes);
    const spec = FLAGS[name];
    if (!spec || (dashes === 1 && name !== 'v')) {
      const hint = dashes === 1 && FLAGS[name] ? `Flags take two dashes: --${name}.` : `A worker join command takes one host:port endpoint and the flags ${KNOWN_FLAGS_TEXT}.`;
      at(w, `unknown flag "${rawName}"`, hint);
      continue;
    }
    let value: string | undefined;
    let valueWord: Word = w;
    if (spec.kind === 'value') {
      if (eq !== -1) value = w.value.slice(eq + 1);
      else {
        const next = words[k + 1];
        if (next && !(/^--?[A-Za-z]/.test(next.value) && !next.quoted)) {
          value = next.value;
          valueWord = next;
          k++;
          if (next.broken) {
            // $(...), an open quote or a bad character: reported already. The flag itself was there.
            if (name === 'token') token = token ?? '';
            if (name === 'discovery-token-ca-cert-hash') sawHashFlag = true;
            continue;
          }
        }
      }
      if (value === undefined || value === '') {
        if (spec.refuse) at(w, spec.refuse.message, spec.refuse.hint);
        else at(w, `--${name} needs a value`, name === 'token' ? 'The token follows --token: 6 lowercase letters or digits, a dot, then 16 more.' : `Give a value after --${name}.`);
        // The flag was there: do not also report it as missing.
        if (name === 'token') token = token ?? '';
        if (name === 'discovery-token-ca-cert-hash') sawHashFlag = true;
        continue;
      }
    }
    if (spec.refuse) {
      problem(w.start, valueWord.end - w.start, spec.refuse.message, spec.refuse.hint);
      continue;
    }
    const v = value!;
    switch (name) {
      case 'token': {
        if (token !== undefined) {
          problem(w.start, valueWord.end - w.start, '--token is given twice', 'Keep one --token; paste the command exactly as kubeadm printed it.');
          break;
        }
        const p = tokenProblem(v);
        if (p) at(valueWord, p.message + cutNote(valueWord), p.hint);
        token = p ? '' : v;
        break;
      }
      case 'discovery-token-ca-cert-hash': {
        sawHashFlag = true;
        // kubeadm's flag is a string slice: "h1,h2" and repeated flags both work.
        for (const piece of v.split(',')) {
          let h = piece;
          if (valueWord.quoted && /\s/.test(h)) {
            const stripped = h.replace(/\s+/g, '');
            if (CA_HASH_PATTERN.test(stripped)) {
              notes.push('removed stray whitespace inside the quoted --discovery-token-ca-cert-hash value');
              h = stripped;
            }
          }
          const p = hashProblem(h);
          if (p) at(valueWord, p.message + cutNote(valueWord), p.hint);
          else if (hashes.includes(h)) notes.push('the same CA hash was given twice; it is passed once');
          else hashes.push(h);
        }
        break;
      }
      case 'cri-socket':
        notes.push('--cri-socket from the pasted command is replaced by the socket of the engine the wizard configured');
        break;
      case 'node-name':
        if (nodeName !== undefined) at(w, '--node-name is given twice', 'Keep one --node-name.');
        else if (!isDnsSubdomain(v)) at(valueWord, `"${v}" is not a valid node name`, 'Node names are lowercase DNS names: letters, digits, "-" and ".", at most 253 characters, starting and ending with a letter or digit.');
        else nodeName = v;
        break;
      case 'v':
        if (!/^[0-9]{1,2}$/.test(v)) at(valueWord, `--v takes a log level number, not "${v}"`, 'For example --v=5.');
        else verbosity = v;
        break;
    }
  }

  if (!endpointSeen) missing('no API server endpoint (host:port) is given', 'kubeadm join needs the control-plane endpoint, e.g. `kubeadm join 192.0.2.10:6443 --token ...`.');
  if (token === undefined) missing('no --token is given', 'Print a complete join command on a control-plane node with `kubeadm token create --print-join-command`.');
  if (!sawHashFlag) {
    missing(
      'no --discovery-token-ca-cert-hash is given: without it the node cannot check that it talks to your cluster',
      'Print a complete join command on a control-plane node with `kubeadm token create --print-join-command`; it includes the hash.',
    );
  }

  if (problems.length > 0) {
    for (const p of problems) {
      p.part = redactJoinText(p.part, secrets);
      p.message = redactJoinText(p.message, secrets);
      p.hint = redactJoinText(p.hint, secrets);
    }
    problems.sort((a, b) => a.index - b.index);
    const firstProblem = problems[0]!;
    const origOffset = norm.orig[Math.min(firstProblem.index, norm.orig.length - 1)]!;
    const before = text.slice(0, origOffset);
    const line = before.split('\n').length;
    const column = origOffset - (before.lastIndexOf('\n') + 1) + 1;
    throw new JoinParseError(firstProblem, problems.slice(1), line, column);
  }

  const result: JoinCommand = { endpoint: endpoint!, token: token!, caCertHashes: hashes };
  if (nodeName !== undefined) result.nodeName = nodeName;
  if (verbosity !== undefined) result.verbosity = verbosity;
  if (words.find((w) => !w.broken)?.value === 'sudo') notes.push('the leading "sudo" is dropped: the wizard runs kubeadm with the privileges it already has');
  if (notes.length > 0) result.notes = notes;
  return result;
}

/** argv for `kubeadm join`, always with the CRI socket of the engine the wizard configured (case E2). */
export function joinArgv(j: JoinCommand, opts: { criSocket: string }): string[] {
  if (!/^(unix:\/\/)?\/[^\s]+$/.test(opts.criSocket)) {
    throw new Error(`CRI socket "${opts.criSocket}" is not an absolute unix socket path (e.g. unix:///run/containerd/containerd.sock)`);
  }
  const argv = ['kubeadm', 'join', j.endpoint, '--token', j.token];
  for (const h of j.caCertHashes) argv.push('--discovery-token-ca-cert-hash', h);
  argv.push('--cri-socket', opts.criSocket);
  if (j.nodeName !== undefined) argv.push('--node-name', j.nodeName);
  if (j.verbosity !== undefined) argv.push('--v', j.verbosity);
  return argv;
}

/** Values a SecretMasker must mask: the token, its secret half, each hash (with and without "sha256:"). */
export function joinSecrets(j: JoinCommand): string[] {
  const out: string[] = [];
  const add = (s: string | undefined): void => {
    if (s && !out.includes(s)) out.push(s);
  };
  add(j.token);
  const dot = j.token.indexOf('.');
  if (dot !== -1) add(j.token.slice(dot + 1));
  for (const h of j.caCertHashes) {
    add(h);
    if (h.startsWith('sha256:')) add(h.slice('sha256:'.length));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Node labels and taints

const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Labels NodeRestriction lets a kubelet set in the kubernetes.io / k8s.io namespaces (k8s.io/kubelet/pkg/apis). */
const KUBELET_WELL_KNOWN_LABELS = new Set([
  'kubernetes.io/hostname',
  'kubernetes.io/os',
  'kubernetes.io/arch',
  'beta.kubernetes.io/os',
  'beta.kubernetes.io/arch',
  'beta.kubernetes.io/instance-type',
  'node.kubernetes.io/instance-type',
  'failure-domain.beta.kubernetes.io/zone',
  'failure-domain.beta.kubernetes.io/region',
  'topology.kubernetes.io/zone',
  'topology.kubernetes.io/region',
]);

const SUGGESTED_LABEL = 'gvisor.example/runsc=true';

function keyProblem(key: string, what: string): { detail: string; hint: string } | undefined {
  const hint = `A ${what} key is [prefix/]name: an optional DNS prefix (lowercase, at most 253 characters) and a name of at most 63 characters from letters, digits, "-", "_" and ".", starting and ending with a letter or digit (e.g. ${SUGGESTED_LABEL.split('=')[0]}).`;
  const parts = key.split('/');
  if (parts.length > 2) return { detail: `${what} key "${key}" has more than one "/"`, hint };
  const [prefix, name] = parts.length === 2 ? [parts[0]!, parts[1]!] : [undefined, parts[0]!];
  if (prefix !== undefined && !isDnsSubdomain(prefix)) return { detail: `the prefix "${prefix}" of ${what} key "${key}" is not a lowercase DNS subdomain`, hint };
  if (name.length === 0) return { detail: `${what} key "${key}" has an empty name`, hint };
  if (name.length > 63) return { detail: `the name part of ${what} key "${key}" has ${name.length} characters (at most 63)`, hint };
  if (!QUALIFIED_NAME.test(name)) return { detail: `the name part "${name}" of ${what} key "${key}" has characters that are not allowed`, hint };
  return undefined;
}

function valueProblem(value: string, what: string, input: string): { detail: string; hint: string } | undefined {
  const hint = 'A value is empty or at most 63 characters from letters, digits, "-", "_" and ".", starting and ending with a letter or digit.';
  if (value.length > 63) return { detail: `the ${what} value in "${input}" has ${value.length} characters (at most 63)`, hint };
  if (!LABEL_VALUE.test(value)) return { detail: `the ${what} value "${value}" in "${input}" has characters that are not allowed`, hint };
  return undefined;
}

function isKubernetesNamespace(ns: string): boolean {
  return ns === 'kubernetes.io' || ns.endsWith('.kubernetes.io') || ns === 'k8s.io' || ns.endsWith('.k8s.io');
}

/** A label the kubelet may put on its own Node (NodeRestriction admission; kubelet refuses others at start-up). */
export function isKubeletSettableLabel(key: string): boolean {
  if (KUBELET_WELL_KNOWN_LABELS.has(key)) return true;
  const slash = key.indexOf('/');
  const ns = slash === -1 ? '' : key.slice(0, slash);
  if (!isKubernetesNamespace(ns)) return true;
  for (const allowed of ['kubelet.kubernetes.io', 'node.kubernetes.io']) if (ns === allowed || ns.endsWith(`.${allowed}`)) return true;
  return false;
}

/** `key=value` for --node-labels: Kubernetes label syntax and the NodeRestriction rule. Returns the parts. */
export function validateNodeLabel(label: string): { key: string; value: string } {
  const eq = label.indexOf('=');
  if (eq === -1) throw new NodeValueError(label, `node label "${label}" has no "="`, `Write labels as key=value (the value may be empty: key=), e.g. ${SUGGESTED_LABEL}.`);
  const key = label.slice(0, eq);
  const value = label.slice(eq + 1);
  const kp = keyProblem(key, 'label');
  if (kp) throw new NodeValueError(label, kp.detail, kp.hint);
  const vp = valueProblem(value, 'label', label);
  if (vp) throw new NodeValueError(label, vp.detail, vp.hint);
  if (!isKubeletSettableLabel(key)) {
    const role = key.startsWith('node-role.kubernetes.io/')
      ? ` For a role label, run \`kubectl label node NODE ${key}=${value}\` on a control-plane node after the join.`
      : '';
    throw new NodeValueError(
      label,
      `node label "${key}" is in the kubernetes.io / k8s.io namespace: the NodeRestriction admission plugin does not let a kubelet set it on its own Node, and the kubelet refuses to start with it in --node-labels`,
      `Only kubelet.kubernetes.io/* and node.kubernetes.io/* (and a few well-known labels such as topology.kubernetes.io/zone) are allowed there. Use your own prefix instead, e.g. ${SUGGESTED_LABEL}.${role}`,
    );
  }
  return { key, value };
}

export type TaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
const EFFECTS: readonly TaintEffect[] = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

/** `key=value:Effect` (or `key:Effect`) for --register-with-taints. Returns the parts. */
export function validateTaint(taint: string): { key: string; value: string; effect: TaintEffect } {
  const colon = taint.lastIndexOf(':');
  const effectHint = `Write taints as key=value:Effect with Effect one of ${EFFECTS.join(', ')}, e.g. gvisor.example/runsc=true:NoSchedule.`;
  if (colon === -1) throw new NodeValueError(taint, `taint "${taint}" has no ":Effect"`, effectHint);
  const effect = taint.slice(colon + 1);
  if (!(EFFECTS as readonly string[]).includes(effect)) {
    const close = EFFECTS.find((e) => e.toLowerCase() === effect.toLowerCase());
    throw new NodeValueError(taint, `taint effect "${effect}" is not one of ${EFFECTS.join(', ')}${close ? ` (spelled "${close}")` : ''}`, effectHint);
  }
  const kv = taint.slice(0, colon);
  const eq = kv.indexOf('=');
  const key = eq === -1 ? kv : kv.slice(0, eq);
  const value = eq === -1 ? '' : kv.slice(eq + 1);
  const kp = keyProblem(key, 'taint');
  if (kp) throw new NodeValueError(taint, kp.detail, kp.hint);
  const vp = valueProblem(value, 'taint', taint);
  if (vp) throw new NodeValueError(taint, vp.detail, vp.hint);
  return { key, value, effect: effect as TaintEffect };
}

// ---------------------------------------------------------------------------------------------
// kubeadm join failures

export type JoinFailureKind =
  | 'multiple-cri-sockets'
  | 'already-joined'
  | 'kubelet-port-in-use'
  | 'token-expired-or-unknown'
  | 'token-secret-mismatch'
  | 'ca-hash-mismatch'
  | 'api-server-unreachable';

export interface JoinFailureExplanation {
  kind: JoinFailureKind;
  what: string;
  why: string;
  next: string[];
}

const NEW_JOIN_COMMAND = 'On a control-plane node run `kubeadm token create --print-join-command` and paste the new line into the wizard.';

/**
 * Recognise the kubeadm join failures operators meet most (messages as kubeadm prints them, old and
 * new wording). Never echoes the output: only the CRI socket paths are quoted from it.
 */
export function explainJoinFailure(output: string): JoinFailureExplanation | undefined {
  const cri = /Found multiple CRI endpoints on the host\. Please define which one do you wish to use by setting the 'criSocket' field[^:\n]*:?([^\n]*)/i.exec(output);
  if (cri) {
    const sockets = (cri[1] ?? '').split(',').map((s) => s.trim()).filter((s) => /^unix:\/\/\/[^\s]+$/.test(s));
    return {
      kind: 'multiple-cri-sockets',
      what: 'kubeadm found more than one container runtime socket and would not pick one',
      why: `Several CRI runtimes listen on this host${sockets.length ? ` (${sockets.join(', ')})` : ''}, e.g. containerd next to cri-dockerd or CRI-O, and kubeadm was not told which one the kubelet must use.`,
      next: [
        'The wizard always passes --cri-socket with the socket of the engine it configured; rerun the join step from the wizard.',
        'If you run kubeadm by hand, add --cri-socket with that socket (e.g. --cri-socket unix:///run/containerd/containerd.sock).',
      ],
    };
  }
  if (/\/etc\/kubernetes\/kubelet\.conf already exists/.test(output) || /FileAvailable--etc-kubernetes-kubelet\.conf/.test(output)) {
    return {
      kind: 'already-joined',
      what: 'this machine already has a kubelet configuration: it has joined a cluster before',
      why: '/etc/kubernetes/kubelet.conf exists (a kubelet that is still running also keeps port 10250 busy). kubeadm refuses to join over an existing node setup.',
      next: [
        'If this node should stay in its cluster, there is nothing to join: check it with `kubectl get nodes` on a control-plane node.',
        'To join it again: on a control-plane node `kubectl drain NODE --ignore-daemonsets` and `kubectl delete node NODE`, then here `kubeadm reset`, then join with a fresh command.',
      ],
    };
  }
  if (/Port[- ]10250\]?:? ?Port 10250 is in use|Port 10250 is in use/.test(output)) {
    return {
      kind: 'kubelet-port-in-use',
      what: 'port 10250 (the kubelet API) is already in use',
      why: 'Another kubelet (often from an earlier join, k3s/RKE2 or a snap) or some other program listens on 10250; the new kubelet could not start.',
      next: ['Find it with `ss -ltnp "sport = :10250"`.', 'Stop that service (or run `kubeadm reset` if it is a kubelet from an earlier join), then run the join again.'],
    };
  }
  if (
    /could not find a JWS signature in the cluster-info ConfigMap for token ID/i.test(output) ||
    /token id "[^"]*" is invalid for this cluster/i.test(output) ||
    /there is no JWS signed token in the cluster-info ConfigMap/i.test(output) ||
    /unable to fetch the kubeadm-config ConfigMap[^\n]*Unauthorized/i.test(output)
  ) {
    return {
      kind: 'token-expired-or-unknown',
      what: 'the cluster does not know this join token (any more)',
      why: 'Bootstrap tokens expire (24 hours by default) and can be deleted; the control plane no longer signs its cluster information with this token, so the node cannot join with it.',
      next: [NEW_JOIN_COMMAND, 'Use the new command within its lifetime; `kubeadm token list` on a control-plane node shows the expiry of each token.'],
    };
  }
  if (/failed to verify JWS signature of received cluster info object/i.test(output)) {
    return {
      kind: 'token-secret-mismatch',
      what: "the token's secret part does not match the token the cluster knows",
      why: 'The token id exists in the cluster, but the part after the "." is different: the token was mistyped or damaged while copying.',
      next: [NEW_JOIN_COMMAND],
    };
  }
  if (/none of the public keys "?sha256:[^"\s]*"? are pinned|public key sha256:\S* not pinned/i.test(output)) {
    return {
      kind: 'ca-hash-mismatch',
      what: "the cluster's CA does not match the --discovery-token-ca-cert-hash",
      why: 'The hash pins the CA certificate of the cluster; a wrong hash means the command belongs to another cluster, the CA was renewed, or the hash was damaged while copying (or something else answers at that address).',
      next: [
        NEW_JOIN_COMMAND,
        'Do not replace the hash with the one in the error message without checking it on the control plane: that would trust whatever answered.',
      ],
    };
  }
  if (/(dial tcp [^\n]*(connection refused|i\/o timeout|no route to host)|context deadline exceeded[^\n]*cluster-info|Client\.Timeout exceeded)/i.test(output)) {
    return {
      kind: 'api-server-unreachable',
      what: 'the node cannot reach the API server endpoint',
      why: 'The endpoint in the join command did not answer: wrong address, API server down, or a firewall between this node and the control plane (TCP 6443 by default).',
      next: ['Check from this node: `curl -k https://ENDPOINT/healthz` (ENDPOINT as in the join command).', 'Open TCP 6443 to the control plane, or fix the address, then run the join again.'],
    };
  }
  return undefined;
}
