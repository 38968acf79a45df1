// A tiny local image (no registry here): busybox-static plus a few applet links, imported
// with `tar -c | docker import`.
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, symlinkSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { PrivateDockerd } from './private-dockerd.js';
import { firstExecutable } from './proc.js';

export const BUSYBOX_TAG = 'local/busybox:test';

/** Applets linked in /bin (the brief's list plus a few that tests commonly want). */
export const BUSYBOX_APPLETS = [
  'sh', 'sleep', 'ps', 'dmesg', 'uname', 'cat', 'echo', 'true',
  'false', 'ls', 'grep', 'env', 'id', 'hostname', 'mount', 'head', 'tail', 'wc', 'test',
] as const;

/** The static busybox binary (busybox-static installs /bin/busybox). */
export function busyboxPath(): string | null {
  return firstExecutable(['/bin/busybox', '/usr/bin/busybox']);
}

interface ExitInfo { code: number | null; signal: NodeJS.Signals | null; stderr: string; stdout: string; error?: string }

function collect(child: ReturnType<typeof spawn>, keepStdout: boolean): Promise<ExitInfo> {
  return new Promise((resolve) => {
    const err: Buffer[] = [];
    const out: Buffer[] = [];
    let error: string | undefined;
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    if (keepStdout) child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.on('error', (e) => { error = e.message; });
    child.on('close', (code, signal) => {
      const r: ExitInfo = { code, signal, stderr: Buffer.concat(err).toString('utf8'), stdout: Buffer.concat(out).toString('utf8') };
      if (error !== undefined) r.error = error;
      resolve(r);
    });
  });
}

/**
 * Makes sure `tag` exists in the private daemon (imports it when missing) and returns the
 * image id. The rootfs is built in a temp dir that is always removed.
 */
export async function ensureBusyboxImage(d: PrivateDockerd, tag = BUSYBOX_TAG): Promise<string> {
  const existing = await d.docker(['image', 'inspect', '--format', '{{.Id}}', tag], { timeoutMs: 15_000 });
  if (existing.code === 0) return existing.stdout.trim();

  const busybox = busyboxPath();
  if (!busybox) throw new Error('busybox not found (install busybox-static: run .ci/setup-host.sh)');
  const root = await mkdtemp('/tmp/gvw-bb-');
  try {
    const bin = join(root, 'bin');
    mkdirSync(bin);
    copyFileSync(busybox, join(bin, 'busybox'));
    chmodSync(join(bin, 'busybox'), 0o755);
    for (const applet of BUSYBOX_APPLETS) symlinkSync('busybox', join(bin, applet));
    for (const dir of ['proc', 'sys', 'dev', 'etc', 'tmp']) mkdirSync(join(root, dir));
    chmodSync(join(root, 'tmp'), 0o1777);

    // tar -C ROOT -c . | docker import -c 'ENV PATH=/bin' - TAG, piped here (no shell).
    const tar = spawn('tar', ['-C', root, '--numeric-owner', '--owner=0', '--group=0', '-c', '.'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const imp = spawn(d.dockerBin, ['import', '-c', 'ENV PATH=/bin', '-', tag], {
      env: d.env, stdio: ['pipe', 'pipe', 'pipe'],
    });
    imp.stdin?.on('error', () => { /* reported through docker's exit status */ });
    tar.stdout?.pipe(imp.stdin!);
    const timer = setTimeout(() => { tar.kill('SIGKILL'); imp.kill('SIGKILL'); }, 120_000);
    const [t, i] = await Promise.all([collect(tar, false), collect(imp, true)]).finally(() => clearTimeout(timer));
    if (t.code !== 0) throw new Error(`tar of the busybox rootfs failed (${t.error ?? t.code ?? t.signal}): ${t.stderr.trim()}`);
    if (i.code !== 0) throw new Error(`docker import ${tag} failed (${i.error ?? i.code ?? i.signal}): ${i.stderr.trim()}`);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  const id = await d.docker(['image', 'inspect', '--format', '{{.Id}}', tag], { timeoutMs: 15_000 });
  if (id.code !== 0) throw new Error(`image ${tag} missing after import: ${id.stderr.trim()}`);
  return id.stdout.trim();
}
