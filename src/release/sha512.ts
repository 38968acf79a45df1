// Reading gVisor's `.sha512` files. The release format (unchanged since 2019) is
// sha512sum's: `<128 hex digits><two spaces><file name>\n`. Also accepted: the
// binary-mode marker (`<hex> *<name>`), a bare `<hex>`, and BSD style
// `SHA512 (<name>) = <hex>`. Anything else is refused with what was seen.

export interface Sha512Entry {
  /** 128 lowercase hex digits. */
  hash: string;
  /** The file name the checksum is for, when the file names one. */
  name?: string;
}

const HEX = /^[0-9a-fA-F]+$/;

/**
 * Parse the text of a `.sha512` file. `source` (the URL or path) is named in every error.
 * When the file lists several entries, `expectedName` picks the one for that file.
 */
export function parseSha512(text: string, source: string, expectedName?: string): Sha512Entry {
  const body = text.replace(/^\uFEFF/, '');
  const lines = body.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  const fix = `Fetch the checksum file again, or check the release name, architecture and mirror.`;
  if (lines.length === 0) {
    throw new Error(`checksum file ${source} is empty: it should hold a 128-digit sha512 hash. ${fix}`);
  }
  if (/^\s*<(?:!doctype|html|\?xml|head|body|error)/i.test(body) || /<\/(?:html|body|error)>/i.test(body)) {
    throw new Error(
      `checksum file ${source} is an HTML/XML page (${preview(body)}), not a checksum: ` +
        `the server answered with an error or index page. ${fix}`,
    );
  }
  const entries = lines.map((l) => parseLine(l, source));
  if (entries.length === 1) return entries[0]!;
  if (expectedName !== undefined) {
    const mine = entries.filter((e) => e.name !== undefined && baseName(e.name) === expectedName);
    if (mine.length === 1) return mine[0]!;
  }
  throw new Error(
    `checksum file ${source} lists ${entries.length} entries` +
      (expectedName ? ` and not exactly one for ${expectedName}` : '') +
      `; expected one line "<sha512>  <name>". ${fix}`,
  );
}

function parseLine(line: string, source: string): Sha512Entry {
  let hash: string;
  let name: string | undefined;
  const bsd = /^SHA512 ?\((.+)\) ?= ?(\S+)$/.exec(line);
  if (bsd) {
    name = bsd[1];
    hash = bsd[2]!;
  } else {
    const m = /^(\S+)(?:\s+\*?(.+))?$/.exec(line)!;
    hash = m[1]!;
    name = m[2]?.trim() || undefined;
  }
  if (!HEX.test(hash)) {
    throw new Error(
      `checksum file ${source} does not start with a hex sha512 hash: it reads ${preview(line)}. ` +
        'The server probably sent an error message instead of the file; fetch it again or check the URL.',
    );
  }
  if (hash.length !== 128) {
    const kind = hash.length === 64 ? ' (that is the length of a sha256)' : hash.length < 128 ? ' (the file looks truncated)' : '';
    throw new Error(
      `checksum file ${source} holds a ${hash.length}-digit hash${kind}; a sha512 has 128 hex digits. ` +
        'Fetch the .sha512 file again, or use the checksum file that belongs to this release.',
    );
  }
  return name === undefined ? { hash: hash.toLowerCase() } : { hash: hash.toLowerCase(), name };
}

function baseName(p: string): string {
  return p.replace(/^.*\//, '');
}

/** The first few characters of a text, on one line, quoted, for error messages. */
export function preview(text: string, max = 60): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const cut = flat.length > max ? `${flat.slice(0, max)}…` : flat;
  // eslint-disable-next-line no-control-regex
  return JSON.stringify(cut.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?'));
}

/** True for a well-formed lowercase-or-uppercase 128-digit hex string. */
export function isSha512Hex(s: string): boolean {
  return s.length === 128 && HEX.test(s);
}
