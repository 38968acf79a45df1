// Which gVisor release to fetch, and where it lives.
//
// gVisor's bucket layout (https://gvisor.dev/docs/user_guide/install/):
//   <base>/release/latest/<arch>/...        newest release
//   <base>/nightly/latest/<arch>/...        newest nightly build
//   <base>/release/<YYYYMMDD[.N]>/<arch>/... a pinned release
// A mirror (--mirror URL) replaces <base>; the layout below it is the same.

import type { ReleaseArch } from '../detect/facts.js';

export const DEFAULT_BUCKET = 'https://storage.googleapis.com/gvisor/releases';

export type ReleaseChannel = 'latest' | 'nightly' | 'pinned';

export interface Release {
  channel: ReleaseChannel;
  /** What the operator asked for, normalised: `latest`, `nightly`, `20240729.0`. */
  name: string;
  /** Path below the bucket base: `release/latest`, `nightly/latest`, `release/20240729.0`. */
  path: string;
}

const ACCEPTED = '"latest", "nightly", or a pinned release date YYYYMMDD or YYYYMMDD.N (for example 20240729.0)';

/** Parse `--release`. Throws naming the value and the accepted forms. */
export function parseRelease(r: string): Release {
  const v = r.trim();
  if (v === 'latest') return { channel: 'latest', name: 'latest', path: 'release/latest' };
  if (v === 'nightly') return { channel: 'nightly', name: 'nightly', path: 'nightly/latest' };
  const m = /^(\d{4})(\d{2})(\d{2})(?:\.(\d{1,4}))?$/.exec(v);
  if (!m) {
    throw new Error(`invalid release "${r}": use ${ACCEPTED}. Release names are listed at https://github.com/google/gvisor/releases.`);
  }
  const [, y, mo, d] = m as unknown as [string, string, string, string];
  const year = Number(y), month = Number(mo), day = Number(d);
  const date = new Date(Date.UTC(year, month - 1, day));
  if (month < 1 || month > 12 || date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    throw new Error(`invalid release "${r}": ${y}-${mo}-${d} is not a real date. Use ${ACCEPTED}.`);
  }
  return { channel: 'pinned', name: v, path: `release/${v}` };
}

/**
 * Check a `--mirror` URL (or the bucket base) and return it without trailing slashes.
 * Only http and https are accepted; credentials in the URL are refused (they would end up in logs).
 */
export function normalizeBaseUrl(base: string): string {
  let u: URL;
  try {
    u = new URL(base.trim());
  } catch {
    throw new Error(`invalid mirror URL "${base}": not a URL. Give an http(s) URL of a directory laid out like ${DEFAULT_BUCKET} (…/release/latest/x86_64/runsc).`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new Error(
      `invalid mirror URL "${base}": scheme ${u.protocol.replace(/:$/, '')} is not supported, only http and https. ` +
        'For files on this machine use --from-dir DIR instead.',
    );
  }
  if (u.username || u.password) {
    throw new Error(`invalid mirror URL: it contains a user name or password, which would be written to logs. Remove the credentials from the URL.`);
  }
  if (u.search || u.hash) {
    throw new Error(`invalid mirror URL "${base}": it must not have a ?query or #fragment; file names are appended to its path.`);
  }
  return u.toString().replace(/\/+$/, '');
}

/** `${base}/${release.path}/${arch}`: the directory holding one release's files for one arch. */
export function releaseDirUrl(base: string, release: Release | string, arch: ReleaseArch): string {
  const rel = typeof release === 'string' ? parseRelease(release) : release;
  return `${normalizeBaseUrl(base)}/${rel.path}/${arch}`;
}
