// For the release module's unit tests: a real HTTP server on 127.0.0.1 answering
// canned responses per path, real ELF programs to serve, and temp dirs that are
// removed when the test ends (even when it failed).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

/** One canned answer. `truncateTo`: announce the full Content-Length, send only that many bytes, drop the connection. */
export interface CannedAnswer {
  status?: number;
  body?: Buffer | string;
  headers?: Record<string, string>;
  truncateTo?: number;
}

export type Route = CannedAnswer | ((req: IncomingMessage, res: ServerResponse) => void);

export interface CannedServer {
  /** http://127.0.0.1:PORT */
  url: string;
  /** path -> answer; an array answers in turn (the last one repeats). Unknown paths get 404 "Not Found". */
  routes: Map<string, Route | Route[]>;
  /** path -> number of requests seen. */
  hits: Map<string, number>;
  reset(): void;
  close(): Promise<void>;
}

export async function startCannedServer(): Promise<CannedServer> {
  const routes = new Map<string, Route | Route[]>();
  const hits = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const n = hits.get(path) ?? 0;
    hits.set(path, n + 1);
    const r = routes.get(path);
    const route = Array.isArray(r) ? r[Math.min(n, r.length - 1)] : r;
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain', 'content-length': '9' });
      res.end('Not Found');
      return;
    }
    if (typeof route === 'function') return route(req, res);
    const body = typeof route.body === 'string' ? Buffer.from(route.body) : route.body ?? Buffer.alloc(0);
    res.writeHead(route.status ?? 200, { 'content-length': String(body.length), 'content-type': 'application/octet-stream', ...route.headers });
    if (route.truncateTo !== undefined) {
      res.write(body.subarray(0, route.truncateTo), () => res.socket?.destroy());
      return;
    }
    res.end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    routes,
    hits,
    reset() {
      routes.clear();
      hits.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A real x86_64 ELF program (a copy of /usr/bin/true). */
export async function x86Elf(): Promise<Buffer> {
  return readFile('/usr/bin/true');
}

/** Another real x86_64 ELF with different bytes (a copy of /usr/bin/false). */
export async function otherX86Elf(): Promise<Buffer> {
  return readFile('/usr/bin/false');
}

/** The same program with e_machine patched to 183 (aarch64): a "wrong arch" binary. */
export async function aarch64Elf(): Promise<Buffer> {
  const b = Buffer.from(await x86Elf());
  b.writeUInt16LE(183, 18);
  return b;
}

/** A fresh temp dir, removed when the test ends, pass or fail. */
export async function tempDir(t: TestContext, prefix = 'gvw-release-test'): Promise<string> {
  const dir = await mkdtemp(join(process.env.TMPDIR || tmpdir(), `${prefix}-`));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}
