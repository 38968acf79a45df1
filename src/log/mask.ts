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
    let out = text;
    for (const s of this.secrets) {
      if (out.includes(s)) out = out.split(s).join(maskOf(s));
    }
    return out;
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
