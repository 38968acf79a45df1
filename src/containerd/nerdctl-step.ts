// Step (optional, containerd path): nerdctl, containerd's docker-compatible CLI, and — when asked
// for — the CNI plugins it needs for container networking. Skipped unless --nerdctl-version is given.
//
// Sources, like runsc's: GitHub releases (or --nerdctl-mirror URL laid out the same way), or the
// files directly in --from-dir DIR:
//   nerdctl:  …/containerd/nerdctl/releases/download/vV/nerdctl-V-linux-GOARCH.tar.gz + …/SHA256SUMS
//   CNI:      …/containernetworking/plugins/releases/download/vV/cni-plugins-linux-GOARCH-vV.tgz + .tgz.sha256
// Every archive is hashed (sha256) while it is written, listed before it is extracted (absolute and
// `..` members are refused), and nothing is installed until every requested archive has passed.
// What was installed is recorded in the state folder, so a rerun reads only the checksum files.

import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { replacePrivateFile } from '../util/private-file.js';
import * as fs from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { ReleaseArch } from '../detect/facts.js';
import type { Host } from '../host/host.js';
import { isReleaseError, ReleaseError } from '../release/download.js';
import { checkTree, unsafeMember } from '../release/fetch-release.js';
import { preview } from '../release/sha512.js';
import { HttpReleaseSource, LocalDirSource, type ReleaseSource } from '../release/source.js';
import { Inspection, Step, StepContext, StepFailure } from '../steps/step.js';
import type { WizardOptions } from '../wizard/options.js';
import type { Problem } from '../wizard/state.js';

export const NERDCTL = 'nerdctl';
export const GITHUB = 'https://github.com';
export const DEFAULT_CNI_BIN_DIR = '/opt/cni/bin';
export const NERDCTL_MANIFEST = 'installed-nerdctl.json';
/** The line that turns on nerdctl's bash completion; the wizard never edits dotfiles, it only shows it. */
export const BASH_COMPLETION_LINE = 'source <(nerdctl completion bash)';

export type GoArch = 'amd64' | 'arm64';

/** Go's name for the architecture, as nerdctl's and the CNI plugins' release files use it. */
export function goArch(arch: ReleaseArch): GoArch {
  switch (arch) {
    case 'x86_64':
      return 'amd64';
    case 'aarch64':
      return 'arm64';
  }
}

export function nerdctlArchiveName(version: string, arch: GoArch): string {
  return `nerdctl-${version}-linux-${arch}.tar.gz`;
}

export function cniArchiveName(version: string, arch: GoArch): string {
  return `cni-plugins-linux-${arch}-v${version}.tgz`;
}

type PartKind = 'nerdctl' | 'cni';

/** One archive to install: nerdctl, or the CNI plugins. */
interface Part {
  kind: PartKind;
  version: string;
  archive: string;
  /** The checksum file: SHA256SUMS (nerdctl) or <archive>.sha256 (CNI). */
  sums: string;
  source: ReleaseSource;
  /** Where its files go (machine path). */
  targetDir: string;
  /** The release page, for messages. */
  releasePage: string;
}

interface PartRecord {
  version: string;
  archive: string;
  source: string;
  archiveSha256: string;
  /** machine path -> sha256 of what was installed there. */
  files: Record<string, string>;
  installedAt: string;
}

interface NerdctlManifest {
  nerdctl?: PartRecord;
  cni?: PartRecord;
}

function cniBinDir(o: WizardOptions): string {
  return (o.cniBinDir ?? DEFAULT_CNI_BIN_DIR).replace(/(.)\/+$/, '$1');
}

export function nerdctlInstallPath(o: WizardOptions): string {
  return `${o.installDir.replace(/\/+$/, '')}/${NERDCTL}`;
}

function readManifest(stateDir: string): NerdctlManifest {
  try {
    const m = JSON.parse(readFileSync(join(stateDir, NERDCTL_MANIFEST), 'utf8')) as NerdctlManifest;
    return typeof m === 'object' && m !== null ? m : {};
  } catch {
    return {};
  }
}

function writeManifest(stateDir: string, m: NerdctlManifest): void {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  replacePrivateFile(join(stateDir, NERDCTL_MANIFEST), `${JSON.stringify(m, null, 2)}\n`);
}

/** sha256 of a file on the machine (through the Host), or null when it does not exist. */
export async function sha256OfFile(host: Host, machinePath: string): Promise<string | null> {
  const buf = await host.readFile(machinePath);
  return buf === null ? null : createHash('sha256').update(buf).digest('hex');
}

/** The parts the options ask for (nerdctl, then the CNI plugins when --cni-version is given). */
function partsOf(ctx: StepContext): Part[] {
  const o = ctx.options;
  const arch = ctx.facts.arch.release;
  if (!arch) {
    throw new StepFailure({ what: 'no nerdctl build for this machine', why: ctx.facts.arch.problem ?? `unknown architecture ${ctx.facts.arch.machine}`, next: 'nerdctl and the CNI plugins are installed for amd64 (x86_64) and arm64 (aarch64) only.' });
  }
  const ga = goArch(arch);
  const source = (dir: string): ReleaseSource => {
    // --nerdctl-mirror wins for these files; else --from-dir (shared with runsc); else GitHub.
    if (o.nerdctlMirror !== undefined) return new HttpReleaseSource(ctx.host, `${o.nerdctlMirror.replace(/\/+$/, '')}/${dir}`);
    if (o.fromDir !== undefined) return new LocalDirSource(ctx.host, o.fromDir);
    return new HttpReleaseSource(ctx.host, `${GITHUB}/${dir}`);
  };
  const parts: Part[] = [];
  if (o.nerdctlVersion !== undefined) {
    const v = o.nerdctlVersion;
    const dir = `containerd/nerdctl/releases/download/v${v}`;
    parts.push({ kind: 'nerdctl', version: v, archive: nerdctlArchiveName(v, ga), sums: 'SHA256SUMS', source: source(dir), targetDir: o.installDir.replace(/(.)\/+$/, '$1'), releasePage: `${GITHUB}/containerd/nerdctl/releases/tag/v${v}` });
    if (o.cniVersion !== undefined) {
      const c = o.cniVersion;
      const archive = cniArchiveName(c, ga);
      parts.push({ kind: 'cni', version: c, archive, sums: `${archive}.sha256`, source: source(`containernetworking/plugins/releases/download/v${c}`), targetDir: cniBinDir(o), releasePage: `${GITHUB}/containernetworking/plugins/releases/tag/v${c}` });
    }
  }
  return parts;
}

function label(p: Part): string {
  return p.kind === 'nerdctl' ? `nerdctl ${p.version}` : `CNI plugins ${p.version}`;
}

/**
 * The sha256 of `archive` from a checksum file: sha256sum's `<64 hex>  <name>` lines (a bare hash
 * is accepted when the file holds only that). Throws ReleaseError naming the file.
 */
export function parseSha256Sums(text: string, url: string, archive: string): string {
  const body = text.replace(/^\uFEFF/, '');
  const lines = body.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  const fix = 'Fetch the checksum file again from the same release, or check the version and the mirror.';
  if (lines.length === 0) throw new ReleaseError('bad-checksum-file', `checksum file ${url} is empty. ${fix}`, url);
  if (/^\s*<(?:!doctype|html|\?xml|head|body|error)/i.test(body)) {
    throw new ReleaseError('bad-checksum-file', `checksum file ${url} is an HTML/XML page (${preview(body)}), not a checksum: the server answered with an error or index page. ${fix}`, url);
  }
  const entries = lines.map((l) => {
    const m = /^([0-9a-fA-F]+)(?:\s+\*?(.+))?$/.exec(l);
    if (!m) throw new ReleaseError('bad-checksum-file', `checksum file ${url} has a line that is not "<sha256>  <name>": ${preview(l)}. ${fix}`, url);
    if (m[1]!.length !== 64) {
      throw new ReleaseError('bad-checksum-file', `checksum file ${url} holds a ${m[1]!.length}-digit hash${m[1]!.length === 128 ? ' (a sha512)' : ''}; a sha256 has 64 hex digits. ${fix}`, url);
    }
    return { hash: m[1]!.toLowerCase(), name: m[2]?.trim().replace(/^.*\//, '') };
  });
  const mine = entries.filter((e) => e.name === archive);
  if (mine.length === 1) return mine[0]!.hash;
  if (entries.length === 1 && entries[0]!.name === undefined) return entries[0]!.hash;
  if (entries.length === 1) {
    throw new ReleaseError('bad-checksum-file', `checksum file ${url} is for "${entries[0]!.name}", not for ${archive}: the files are mixed up. ${fix}`, url);
  }
  throw new ReleaseError('bad-checksum-file', `checksum file ${url} has ${mine.length === 0 ? 'no line' : 'more than one line'} for ${archive}. ${fix}`, url);
}

interface Assessment {
  part: Part;
  sha256: string;
  sumsUrl: string;
  upToDate: boolean;
}

async function assess(ctx: StepContext, part: Part, manifest: NerdctlManifest): Promise<Assessment> {
  const sumsUrl = part.source.locate(part.sums);
  const sha256 = parseSha256Sums(await part.source.readText(part.sums, { signal: ctx.signal }), sumsUrl, part.archive);
  const rec = manifest[part.kind];
  let upToDate = false;
  if (rec && rec.archive === part.archive && rec.archiveSha256 === sha256 && Object.keys(rec.files).length > 0) {
    const paths = Object.keys(rec.files);
    const inPlace = part.kind === 'nerdctl'
      ? paths.includes(`${part.targetDir}/${NERDCTL}`)
      : paths.every((p) => posix.dirname(p) === part.targetDir);
    upToDate = inPlace;
    for (const [path, sha] of Object.entries(rec.files)) {
      if (!upToDate) break;
      if ((await sha256OfFile(ctx.host, path)) !== sha) upToDate = false;
    }
  }
  return { part, sha256, sumsUrl, upToDate };
}

function sourceProblem(e: unknown, part: Part): Problem {
  const err = e as Error;
  const dir = part.source.kind === 'dir';
  const what = `${label(part)} could not be fetched and verified`;
  if (isReleaseError(e, 'not-found')) {
    return {
      what,
      // The shared source's message ends with runsc advice (--release, bucket names): keep only what failed.
      why: err.message.split(/ (?:Copy the release files|Check --release)/)[0]!,
      next: dir
        ? `Copy ${part.archive} and ${part.sums} from ${part.releasePage} into ${part.source.location}, or pass --nerdctl-mirror URL; then rerun.`
        : `Check the version (it must be published: ${part.releasePage}) and the architecture, or --nerdctl-mirror URL (laid out like GitHub releases); then rerun.`,
    };
  }
  return {
    what,
    why: err.message,
    next: isReleaseError(e, 'network')
      ? `The machine cannot reach ${part.source.location}. Use --nerdctl-mirror URL (laid out like GitHub releases) or copy ${part.archive} and ${part.sums} into a folder and pass --from-dir DIR.`
      : 'Nothing was installed. Check that the mirror or folder holds the files of that release for this architecture, then rerun this step.',
  };
}

export const nerdctlStep: Step = {
  id: 'install-nerdctl',
  title: 'Install nerdctl (and the CNI plugins)',

  async inspect(ctx): Promise<Inspection> {
    const o = ctx.options;
    if (o.nerdctlVersion === undefined) {
      return { status: 'not-applicable', summary: 'nerdctl not requested (--nerdctl-version V installs it; --cni-version V adds the CNI plugins)' };
    }
    let parts: Part[];
    try {
      parts = partsOf(ctx);
    } catch (e) {
      if (e instanceof StepFailure) return { status: 'blocked', summary: e.problem.what, problem: e.problem };
      return { status: 'blocked', summary: 'bad nerdctl source', problem: { what: 'the nerdctl source is not usable', why: (e as Error).message, next: 'Fix --nerdctl-mirror or --from-dir and rerun.' } };
    }
    if (o.nerdctlMirror === undefined && o.fromDir !== undefined && !(await ctx.host.stat(o.fromDir))?.isDirectory) {
      return { status: 'blocked', summary: 'no such folder', problem: { what: `--from-dir ${o.fromDir} is not a folder`, why: ctx.host.root === '/' ? 'it does not exist on this machine' : `it does not exist under --root ${ctx.host.root}`, next: `Copy ${parts.map((p) => `${p.archive} and ${p.sums}`).join(', ')} into a folder and pass its absolute path.` } };
    }
    const manifest = readManifest(o.stateDir);
    const found: Assessment[] = [];
    for (const part of parts) {
      try {
        found.push(await assess(ctx, part, manifest));
      } catch (e) {
        if (e instanceof ReleaseError) return { status: 'blocked', summary: `cannot read the checksums of ${label(part)}`, problem: sourceProblem(e, part) };
        throw e;
      }
    }
    const what = parts.map(label).join(' and ');
    if (found.every((f) => f.upToDate)) {
      return { status: 'done', summary: `${what} already installed (${found.map((f) => `${f.part.archive} sha256 ${f.sha256.slice(0, 16)}…`).join(', ')})` };
    }
    const notes: string[] = [];
    for (const f of found) {
      const p = f.part;
      if (f.upToDate) {
        notes.push(`${label(p)} is already installed from ${p.archive}: left as it is`);
        continue;
      }
      notes.push(`fetch ${p.source.locate(p.archive)}`);
      notes.push(`verify: sha256 ${f.sha256.slice(0, 16)}… (from ${f.sumsUrl}) while downloading; list the archive first and refuse absolute or ".." members`);
      if (p.kind === 'nerdctl') {
        const target = nerdctlInstallPath(o);
        notes.push(`install ${target} (mode 0755, atomic rename); the archive's other files (rootless scripts) are not installed`);
        if (await ctx.host.stat(target)) notes.push(`the current ${target} is saved in the backup folder first`);
      } else {
        notes.push(`install every plugin of the archive (bridge, loopback, host-local, …) into ${p.targetDir} (mode 0755 each, atomic rename); a plugin already there is saved in the backup folder first`);
      }
    }
    if (o.cniVersion === undefined) {
      notes.push('no CNI plugins are installed (no --cni-version): nerdctl run needs them for its default bridge network; use --cni-version V, or run containers with --net host / --net none');
    } else if (cniBinDir(o) !== DEFAULT_CNI_BIN_DIR) {
      notes.push(`nerdctl looks for CNI plugins in ${DEFAULT_CNI_BIN_DIR}: set cni_path = "${cniBinDir(o)}" in /etc/nerdctl/nerdctl.toml (or CNI_PATH) to use ${cniBinDir(o)}`);
    }
    notes.push(`bash completion, if wanted: add this line to ~/.bashrc yourself (the wizard does not edit dotfiles): ${BASH_COMPLETION_LINE}`);
    const todo = found.filter((f) => !f.upToDate);
    const from = [...new Set(todo.map((f) => f.part.source.location))].join(', ');
    return { status: 'needed', summary: `install ${todo.map((f) => label(f.part)).join(' and ')} from ${from}`, plan: { files: [], commands: [], notes } };
  },

  async apply(ctx) {
    const o = ctx.options;
    const parts = partsOf(ctx);
    const manifest = readManifest(o.stateDir);
    const work = await ctx.host.makeTempDir('gvisor-wizard-nerdctl');
    try {
      // 1. Fetch and check everything that is needed; install nothing yet.
      const ready: { a: Assessment; files: { name: string; realPath: string; sha256: string }[] }[] = [];
      for (const part of parts) {
        let a: Assessment;
        try {
          a = await assess(ctx, part, manifest);
          if (a.upToDate) continue;
          ready.push({ a, files: await fetchPart(ctx, a, work) });
        } catch (e) {
          if (e instanceof ReleaseError) throw new StepFailure(sourceProblem(e, part));
          throw e;
        }
      }
      // 2. Everything passed: install.
      const installed: string[] = [];
      for (const { a, files } of ready) {
        const p = a.part;
        const record: PartRecord = { version: p.version, archive: p.archive, source: p.source.locate(p.archive), archiveSha256: a.sha256, files: {}, installedAt: new Date().toISOString() };
        for (const f of files) {
          const target = `${p.targetDir}/${f.name}`;
          await ctx.host.installFile(f.realPath, target, 0o755);
          record.files[target] = f.sha256;
          installed.push(target);
        }
        manifest[p.kind] = record;
        if (p.kind === 'nerdctl') {
          ctx.results.set('nerdctl-path', `${p.targetDir}/${NERDCTL}`);
          ctx.results.set('nerdctl-sha256', files[0]!.sha256);
        }
      }
      writeManifest(o.stateDir, manifest);
      ctx.log.info(`for bash completion add to ~/.bashrc: ${BASH_COMPLETION_LINE}`);
      return `${installed.length} file(s) installed: ${ready.map((r) => label(r.a.part)).join(', ')}`;
    } finally {
      await ctx.host.removeTempDir(work);
    }
  },

  async verify(ctx) {
    const o = ctx.options;
    const manifest = readManifest(o.stateDir);
    const out: string[] = [];
    for (const kind of ['nerdctl', 'cni'] as const) {
      if (kind === 'cni' && o.cniVersion === undefined) continue;
      const rec = manifest[kind];
      if (!rec) throw new StepFailure({ what: `no record of the ${kind === 'nerdctl' ? 'nerdctl' : 'CNI plugins'} install`, why: `${join(o.stateDir, NERDCTL_MANIFEST)} does not list it`, next: 'Rerun this step.' });
      for (const [path, sha] of Object.entries(rec.files)) {
        const now = await sha256OfFile(ctx.host, path);
        if (now !== sha) {
          throw new StepFailure({ what: `${path} does not hold the verified file`, why: now === null ? 'it is missing' : 'its sha256 differs from the one verified at install (replaced meanwhile?)', next: 'Rerun this step.' });
        }
      }
      out.push(kind === 'nerdctl' ? `nerdctl ${rec.version}` : `${Object.keys(rec.files).length} CNI plugins ${rec.version} in ${cniBinDir(o)}`);
    }
    const path = nerdctlInstallPath(o);
    if (ctx.host.root !== '/') return `${out.join(', ')} installed (not executed under --root)`;
    const r = await ctx.host.run([path, '--version'], { readOnly: true, timeoutMs: 15_000 });
    const version = /nerdctl version v?(\S+)/.exec(r.stdout)?.[1];
    if (!r.ok || !version) {
      throw new StepFailure({ what: `${path} does not run`, why: (r.stderr || r.spawnError || 'no version printed').trim().split('\n')[0] ?? '', next: 'Check that the release matches this machine; rerun this step.' });
    }
    return `${path} runs: nerdctl version ${version}${out.length > 1 ? `; ${out.slice(1).join(', ')}` : ''}`;
  },
};

/**
 * Download `a.part`'s archive with its sha256 checked on the way, list it (refusing absolute and
 * `..` members), extract it into `work`, and return the files to install with their sha256.
 */
async function fetchPart(ctx: StepContext, a: Assessment, work: string): Promise<{ name: string; realPath: string; sha256: string }[]> {
  const p = a.part;
  const url = p.source.locate(p.archive);
  const archive = join(work, p.archive);
  await p.source.fetchFile(p.archive, archive, {
    algorithm: 'sha256',
    expectedSha256: a.sha256,
    expectElf: false,
    signal: ctx.signal,
    onProgress: (pr) => ctx.progress({ label: `downloading ${p.archive}`, ...pr }),
  });
  ctx.progress(undefined);

  const list = await ctx.host.run(['tar', '-tzf', archive], { readOnly: true, signal: ctx.signal, timeoutMs: 300_000 });
  if (!list.ok) throw tarFailure('read', url, list);
  const members = list.stdout.split('\n').filter((l) => l !== '');
  const bad = members.filter(unsafeMember);
  if (bad.length > 0) {
    throw new ReleaseError(
      'archive',
      `refusing ${url}: it has members outside its own folder (${bad.slice(0, 5).map((m) => JSON.stringify(m)).join(', ')}` +
        `${bad.length > 5 ? `, and ${bad.length - 5} more` : ''}). A release archive never has absolute paths or "..". Nothing was extracted or installed.`,
      url,
    );
  }
  const out = join(work, `${p.kind}-extracted`);
  await fs.mkdir(out, { mode: 0o700 });
  const x = await ctx.host.run(['tar', '-xzf', archive, '-C', out, '--no-same-owner', '--no-same-permissions'], { readOnly: true, signal: ctx.signal, timeoutMs: 300_000 });
  if (!x.ok) throw tarFailure('extract', url, x);
  await checkTree(out, url, `a ${p.kind === 'nerdctl' ? 'nerdctl' : 'CNI plugins'} release`);

  const top = (await fs.readdir(out, { withFileTypes: true })).filter((d) => d.isFile()).map((d) => d.name).sort();
  const names = p.kind === 'nerdctl' ? top.filter((n) => n === NERDCTL) : top;
  if (names.length === 0) {
    const shown = members.slice(0, 8).join(', ');
    throw new ReleaseError(
      'missing',
      `${url} has ${p.kind === 'nerdctl' ? 'no nerdctl program' : 'no plugin files'} at its top (it holds: ${shown || 'nothing'}${members.length > 8 ? ', …' : ''}). ` +
        `It is not a ${label(p)} release archive for this architecture; check the mirror or --from-dir file.`,
      url,
    );
  }
  const files: { name: string; realPath: string; sha256: string }[] = [];
  for (const name of names) {
    const realPath = join(out, name);
    files.push({ name, realPath, sha256: createHash('sha256').update(await fs.readFile(realPath)).digest('hex') });
  }
  return files;
}

function tarFailure(what: 'read' | 'extract', url: string, r: { stderr: string; spawnError?: string; exitCode: number | null }): ReleaseError {
  const detail = r.spawnError ?? (r.stderr.trim().split('\n').slice(-3).join(' / ') || `exit code ${r.exitCode}`);
  const hint = r.spawnError ? 'Install tar and gzip (apt-get install tar gzip) and try again.' : 'The archive is damaged or not a gzip tar file; try again, or check the mirror or --from-dir file.';
  return new ReleaseError('archive', `could not ${what} ${url}: ${detail}. ${hint}`, url);
}
