// A tiny local OCI image for containerd (no registry and no docker here): a rootfs with the
// static busybox and its applet links, packed as one uncompressed layer, with config,
// manifest, index.json and oci-layout, tarred up and loaded with `ctr images import`.
//
// ctr 1.6 keeps the name from the index's `org.opencontainers.image.ref.name` annotation when
// it is a full reference (contains "/" or ":"), with no flag at all; the annotation
// `io.containerd.image.name` (set as well) is taken verbatim by every ctr version.
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BUSYBOX_APPLETS, busyboxPath } from './busybox-image.js';
import type { PrivateContainerd } from './private-containerd.js';
import { runChecked } from './proc.js';

export const CTR_BUSYBOX_REF = 'docker.io/local/busybox:test';

export interface ImportedImage {
  ref: string;
  /** Digest of the manifest (what `ctr images ls` shows). */
  manifestDigest: string;
  /** Digest of the image config (the image id). */
  configDigest: string;
}

const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

function ociArch(): string {
  switch (process.arch) {
    case 'x64': return 'amd64';
    case 'ia32': return '386';
    default: return process.arch; // arm64, ppc64, s390x, riscv64 match their OCI names
  }
}

/**
 * Builds the busybox OCI archive in a temp dir (always removed) and imports it into
 * `namespace` of the private containerd. Returns the digests; `ctr -n NS images ls` then
 * lists `ref`. Importing the same ref again is harmless (the layer tar is reproducible).
 */
export async function importBusyboxImage(c: PrivateContainerd, namespace: string, ref = CTR_BUSYBOX_REF): Promise<ImportedImage> {
  const busybox = busyboxPath();
  if (!busybox) throw new Error('busybox not found (install busybox-static: run .ci/setup-host.sh)');
  const work = await mkdtemp('/tmp/gvw-img-');
  try {
    // 1. The rootfs.
    const rootfs = join(work, 'rootfs');
    const bin = join(rootfs, 'bin');
    mkdirSync(bin, { recursive: true });
    copyFileSync(busybox, join(bin, 'busybox'));
    chmodSync(join(bin, 'busybox'), 0o755);
    for (const applet of BUSYBOX_APPLETS) symlinkSync('busybox', join(bin, applet));
    for (const d of ['proc', 'sys', 'dev', 'etc', 'tmp']) mkdirSync(join(rootfs, d));
    chmodSync(join(rootfs, 'tmp'), 0o1777);

    // 2. The layer: a reproducible tar (sorted, owner 0, mtime 0), so re-imports dedupe.
    const layerTar = join(work, 'layer.tar');
    await runChecked('tar', [
      '-C', rootfs, '--sort=name', '--mtime=@0', '--numeric-owner', '--owner=0', '--group=0',
      '-cf', layerTar, '.',
    ], { timeoutMs: 60_000 });
    const layer = readFileSync(layerTar);
    const layerDigest = `sha256:${sha256(layer)}`;

    // 3. config, manifest, index, oci-layout.
    const layout = join(work, 'oci');
    const blobs = join(layout, 'blobs', 'sha256');
    mkdirSync(blobs, { recursive: true });
    const putBlob = (b: Buffer): { digest: string; size: number } => {
      const hex = sha256(b);
      writeFileSync(join(blobs, hex), b);
      return { digest: `sha256:${hex}`, size: b.length };
    };
    const layerBlob = putBlob(layer);
    const config = Buffer.from(JSON.stringify({
      architecture: ociArch(),
      os: 'linux',
      config: { Env: ['PATH=/bin'], Cmd: ['sh'], WorkingDir: '/' },
      rootfs: { type: 'layers', diff_ids: [layerDigest] }, // uncompressed: diff_id == layer digest
      history: [{ created_by: 'gvisor-wizard test harness (busybox-static)' }],
    }));
    const configBlob = putBlob(config);
    const manifest = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...configBlob },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layerBlob }],
    }));
    const manifestBlob = putBlob(manifest);
    writeFileSync(join(layout, 'index.json'), JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [{
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        ...manifestBlob,
        platform: { architecture: ociArch(), os: 'linux' },
        annotations: {
          'org.opencontainers.image.ref.name': ref,
          'io.containerd.image.name': ref,
        },
      }],
    }));
    writeFileSync(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));

    // 4. The archive, and the import.
    const archive = join(work, 'image.tar');
    await runChecked('tar', ['-C', layout, '--numeric-owner', '--owner=0', '--group=0', '-cf', archive, 'oci-layout', 'index.json', 'blobs'], { timeoutMs: 60_000 });
    const imp = await c.ctr(['-n', namespace, 'images', 'import', archive], { timeoutMs: 120_000 });
    if (imp.code !== 0) throw new Error(`ctr -n ${namespace} images import failed (${imp.code ?? imp.signal}): ${imp.stderr.trim() || imp.stdout.trim()}`);
    const ls = await c.ctr(['-n', namespace, 'images', 'ls', '-q'], { timeoutMs: 30_000 });
    if (ls.code !== 0 || !ls.stdout.split('\n').map((s) => s.trim()).includes(ref)) {
      throw new Error(`image ${ref} is not listed in namespace ${namespace} after the import:\n${imp.stdout}${ls.stdout}${ls.stderr}`);
    }
    return { ref, manifestDigest: manifestBlob.digest, configDigest: configBlob.digest };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
