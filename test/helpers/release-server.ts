// A local stand-in for the gVisor release bucket (no internet on the test machines):
//   BASE/release/<release>/<arch>/runsc                      + runsc.sha512
//   BASE/release/<release>/<arch>/containerd-shim-runsc-v1   + containerd-shim-runsc-v1.sha512
//   BASE/release/<release>/<arch>/gvisor.tar.bz2             + gvisor.tar.bz2.sha512
// A .sha512 file reads "<128 hex>  <file name>\n", like the real bucket's.
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, createReadStream, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { runChecked } from './proc.js';

export type ReleaseLayout = 'loose' | 'tarball' | 'both';

export interface ReleaseServerOptions {
  /** Binary served as runsc (default /usr/bin/runsc). */
  runscPath?: string;
  /** Binary served as containerd-shim-runsc-v1; default: a copy of /usr/bin/true
   *  (Debian's runsc package ships no shim). */
  shimPath?: string;
  layout: ReleaseLayout;
  release?: 'latest' | string;
  arch?: 'x86_64' | string;
}

export interface ServedFile {
  /** Path below baseUrl, e.g. 'release/latest/x86_64/runsc'. */
  rel: string;
  /** Local copy (inside the server's temp dir). */
  file: string;
  size: number;
  sha512: string;
}

export interface CannedResponse {
  status?: number;
  body?: string | Buffer;
  headers?: Record<string, string>;
}

export interface ReleaseServer {
  /** e.g. http://127.0.0.1:PORT/bucket */
  baseUrl: string;
  /** `${baseUrl}/release/<release>/<arch>` */
  releaseUrl: string;
  /** Paths requested (URL pathname, in order) - for assertions. */
  requests: string[];
  /** Every file served, keyed by its name in the release dir ('runsc', 'runsc.sha512', ...). */
  files: Record<string, ServedFile>;
  /** Files inside gvisor.tar.bz2 (tar's listing, './' stripped) when the tarball is served. */
  tarballEntries: string[];
  /** Replace the answer for a path below baseUrl (e.g. 'release/latest/x86_64/runsc.sha512')
   *  to simulate a corrupt checksum, a 500, a 404 with an HTML body... Mutable at any time. */
  overrides: Map<string, CannedResponse>;
  /** Names in the release dir (e.g. 'runsc') whose body stops after the first STALL_BYTES and
   *  then hangs until the client goes away: a download killed or interrupted half way. Mutable. */
  stalls: Set<string>;
  close(): Promise<void>;
}

/** What a stalled download sends before it hangs: enough for the client to report progress. */
export const STALL_BYTES = 256 * 1024;

function sha512File(p: string): string {
  return createHash('sha512').update(readFileSync(p)).digest('hex');
}

/** bzip2 of a 24 MB runsc takes ~10 s: build each distinct tarball once per process. */
const tarballCache = new Map<string, Promise<{ data: Buffer; entries: string[] }>>();

async function buildTarball(stage: string, dest: string, inputs: string[]): Promise<{ entries: string[] }> {
  const key = inputs.map((p) => {
    const st = statSync(p);
    return `${p}:${st.size}:${st.mtimeMs}:${st.ino}`;
  }).join('|');
  let cached = tarballCache.get(key);
  if (!cached) {
    cached = (async () => {
      await runChecked('tar', ['-C', stage, '--numeric-owner', '--owner=0', '--group=0', '-cjf', dest,
        'runsc', 'containerd-shim-runsc-v1', 'gvisor-bin'], { timeoutMs: 180_000 });
      const list = await runChecked('tar', ['-tjf', dest], { timeoutMs: 120_000 });
      const entries = list.stdout.split('\n').filter(Boolean).map((l) => l.replace(/^\.\//, ''));
      return { data: readFileSync(dest), entries };
    })();
    tarballCache.set(key, cached);
    cached.catch(() => tarballCache.delete(key));
  }
  const { data, entries } = await cached;
  writeFileSync(dest, data);
  return { entries: [...entries] };
}

export async function startReleaseServer(opts: ReleaseServerOptions): Promise<ReleaseServer> {
  const release = opts.release ?? 'latest';
  const arch = opts.arch ?? 'x86_64';
  const layout = opts.layout;
  const tmp = await mkdtemp('/tmp/gvw-rel-');
  try {
    return await build();
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }

  async function build(): Promise<ReleaseServer> {
    const stage = join(tmp, 'stage');
    const out = join(tmp, 'out');
    mkdirSync(join(stage, 'gvisor-bin'), { recursive: true });
    mkdirSync(out);

    const runscSrc = opts.runscPath ?? '/usr/bin/runsc';
    const shimSrc = opts.shimPath ?? '/usr/bin/true';
    copyFileSync(runscSrc, join(stage, 'runsc'));
    copyFileSync(shimSrc, join(stage, 'containerd-shim-runsc-v1'));
    writeFileSync(join(stage, 'gvisor-bin', 'gvisor-helper'), '#!/bin/sh\necho gvisor-helper\n');
    for (const f of ['runsc', 'containerd-shim-runsc-v1', 'gvisor-bin/gvisor-helper']) chmodSync(join(stage, f), 0o755);

    const served: string[] = [];
    const files: Record<string, ServedFile> = {};
    const addWithSha = (name: string, src: string): void => {
      const dest = join(out, name);
      copyFileSync(src, dest);
      const sum = sha512File(dest);
      writeFileSync(`${dest}.sha512`, `${sum}  ${name}\n`);
      served.push(name, `${name}.sha512`);
    };
    if (layout === 'loose' || layout === 'both') {
      addWithSha('runsc', join(stage, 'runsc'));
      addWithSha('containerd-shim-runsc-v1', join(stage, 'containerd-shim-runsc-v1'));
    }
    let tarballEntries: string[] = [];
    if (layout === 'tarball' || layout === 'both') {
      const tarball = join(tmp, 'gvisor.tar.bz2');
      const built = await buildTarball(stage, tarball, [runscSrc, shimSrc]);
      tarballEntries = built.entries;
      addWithSha('gvisor.tar.bz2', tarball);
    }
    const prefix = `release/${release}/${arch}`;
    for (const name of served) {
      const file = join(out, name);
      files[name] = { rel: `${prefix}/${name}`, file, size: statSync(file).size, sha512: sha512File(file) };
    }
    const byRel = new Map(Object.values(files).map((f) => [`/bucket/${f.rel}`, f]));

    const requests: string[] = [];
    const overrides = new Map<string, CannedResponse>();
    const stalls = new Set<string>();
    const handler = (req: IncomingMessage, res: ServerResponse): void => {
      let pathname: string;
      try {
        pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
      } catch {
        pathname = req.url ?? '/';
      }
      requests.push(pathname);
      const canned = pathname.startsWith('/bucket/') ? overrides.get(pathname.slice('/bucket/'.length)) : undefined;
      if (canned) {
        const body = Buffer.from(canned.body ?? '');
        res.writeHead(canned.status ?? 200, { 'Content-Length': String(body.length), ...canned.headers });
        res.end(req.method === 'HEAD' ? undefined : body);
        return;
      }
      const f = byRel.get(pathname);
      if (!f || (req.method !== 'GET' && req.method !== 'HEAD')) {
        const body = Buffer.from('<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>');
        res.writeHead(f ? 405 : 404, { 'Content-Type': 'application/xml; charset=UTF-8', 'Content-Length': String(body.length) });
        res.end(req.method === 'HEAD' ? undefined : body);
        return;
      }
      res.writeHead(200, {
        'Content-Type': f.rel.endsWith('.sha512') ? 'text/plain' : 'application/octet-stream',
        'Content-Length': String(f.size),
      });
      if (req.method === 'HEAD') {
        res.end();
        return;
      }
      if (stalls.has(f.rel.slice(prefix.length + 1))) {
        // Headers and a first part, then nothing: the socket stays open until the client closes it.
        res.write(readFileSync(f.file).subarray(0, STALL_BYTES));
        return;
      }
      createReadStream(f.file).on('error', () => res.destroy()).pipe(res);
    };
    const server = createServer(handler);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    const baseUrl = `http://127.0.0.1:${port}/bucket`;
    let closing: Promise<void> | undefined;
    return {
      baseUrl,
      releaseUrl: `${baseUrl}/${prefix}`,
      requests,
      files,
      tarballEntries,
      overrides,
      stalls,
      close(): Promise<void> {
        if (!closing) {
          closing = (async () => {
            await new Promise<void>((resolve) => {
              server.close(() => resolve());
              server.closeAllConnections();
            });
            await rm(tmp, { recursive: true, force: true });
          })();
        }
        return closing;
      },
    };
  }
}
