// Secrets (join tokens, CA hashes) are registered once and masked in every line
// before it reaches the log file, the screen or the state file.

export class SecretMasker {
  private secrets: string[] = [];

  add(secret: string | undefined): void {
    if (!secret || secret.length < 4 || this.secrets.includes(secret)) return;
    this.secrets.push(secret);
    // Longest first so a secret that contains another is masked whole.
    this.secrets.sort((a, b) => b.length - a.length);
  }

  mask(text: string): string {
    // Find every occurrence in the original text first and merge overlapping ones: masking
    // one secret at a time could cut another (overlapping) secret in half, or rebuild it
    // from the kept prefix of the mask and the text around it.
    const ranges: { start: number; end: number; secret: string }[] = [];
    for (const s of this.secrets) {
      for (let i = text.indexOf(s); i !== -1; i = text.indexOf(s, i + 1)) ranges.push({ start: i, end: i + s.length, secret: s });
    }
    if (ranges.length === 0) return text;
    ranges.sort((a, b) => a.start - b.start || b.end - a.end);
    let out = '';
    let pos = 0;
    for (let k = 0; k < ranges.length; ) {
      const first = ranges[k]!;
      let end = first.end;
      for (k++; k < ranges.length && ranges[k]!.start < end; k++) end = Math.max(end, ranges[k]!.end);
      out += text.slice(pos, first.start) + maskOf(first.secret);
      pos = end;
    }
    return out + text.slice(pos);
  }

  maskArgv(argv: readonly string[]): string[] {
    return argv.map((a) => this.mask(a));
  }
}

/** Keep a short recognisable prefix so operators can tell which token was used. */
export function maskOf(secret: string): string {
  const keep = secret.startsWith('sha256:') ? 'sha256:' : secret.slice(0, 3);
  return `${keep}****`;
}
