// Step: put a verified runsc (and the containerd shim, and gvisor-bin/ helpers when the
// release has them) into the install directory. Inspection reads only the published
// .sha512 files, so a rerun on an up-to-date machine downloads nothing.

import { mkdirSync, readFileSync } from 'node:fs';
import { replacePrivateFile } from '../util/private-file.js';
import { join } from 'node:path';
import * as fs from 'node:fs/promises';
import type { Host } from '../host/host.js';
import { Inspection, Step, StepContext, StepFailure } from '../steps/step.js';
import { runscInstallPath } from '../wizard/options.js';
import type { Problem } from '../wizard/state.js';
import { isReleaseError, ReleaseError } from './download.js';
import { fetchRelease, FetchedRelease, HELPERS_DIR, RUNSC, sha512OfFile, SHIM, TARBALL } from './fetch-release.js';
import { parseSha512 } from './sha512.js';
import { chooseSource, ReleaseSource } from './source.js';
import { servicePathDirs, shimTooNewFor } from '../containerd/shim.js';

/** What the wizard installed last, so a tarball release can be recognised without downloading it. */
interface InstalledManifest {
  source: string;
  layout: 'loose' | 'tarball';
  archiveSha512?: string;
  files: Record<string, string>;
  installedAt: string;
}

const MANIFEST = 'installed-release.json';

function readManifest(stateDir: string): InstalledManifest | null {
  try {
    return JSON.parse(readFileSync(join(stateDir, MANIFEST), 'utf8')) as InstalledManifest;
  } catch {
    return null;
  }
}

function writeManifest(stateDir: string, m: InstalledManifest): void {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  replacePrivateFile(join(stateDir, MANIFEST), `${JSON.stringify(m, null, 2)}\n`);
}

/** The published checksum of a file, or null when the release does not have it. */
async function published(source: ReleaseSource, file: string, signal: AbortSignal): Promise<string | null> {
  try {
    return parseSha512(await source.readText(`${file}.sha512`, { signal }), source.locate(`${file}.sha512`), file).hash;
  } catch (e) {
    if (isReleaseError(e, 'not-found')) return null;
    throw e;
  }
}

function sourceOf(ctx: StepContext): ReleaseSource {
  const arch = ctx.facts.arch.release;
  if (!arch) throw new StepFailure({ what: 'no gVisor build for this machine', why: ctx.facts.arch.problem ?? 'unknown arch', next: 'gVisor runs only on x86_64 and aarch64 Linux.' });
  return chooseSource(ctx.host, arch, { release: ctx.options.release, mirror: ctx.options.mirror, fromDir: ctx.options.fromDir });
}

async function allMatch(host: Host, files: Record<string, string>): Promise<boolean> {
  for (const [path, sha] of Object.entries(files)) {
    if ((await sha512OfFile(host, path)) !== sha) return false;
  }
  return Object.keys(files).length > 0;
}

/** The install as shell commands (lab mode shows them; the wizard itself never uses a shell). */
function byHand(source: ReleaseSource, file: string, target: string, tarball: boolean): string {
  const get = (name: string) => (/^https?:/.test(source.locate(name)) ? `curl -fLo /tmp/${name} ${source.locate(name)}` : `cp ${source.locate(name)} /tmp/${name}`);
  const unpack = tarball ? ` && mkdir -p /tmp/gvisor && tar -xjf /tmp/${file} -C /tmp/gvisor && install -m 0755 "$(find /tmp/gvisor -name ${RUNSC} -type f | head -n1)" ${target}` : ` && install -m 0755 /tmp/${RUNSC} ${target}`;
  return `${get(file)} && ${get(`${file}.sha512`)} && (cd /tmp && sha512sum -c ${file}.sha512)${unpack}`;
}

export function releaseProblem(e: unknown, source: string): Problem {
  const err = e as Error;
  const offline = isReleaseError(e, 'network');
  return {
    what: 'the gVisor release could not be fetched and verified',
    why: err.message,
    next: offline
      ? `The machine cannot reach ${source}. Use a mirror (--mirror URL, same layout as the bucket) or copy the release files to a folder and pass --from-dir DIR.`
      : isReleaseError(e, 'checksum') || isReleaseError(e, 'not-elf') || isReleaseError(e, 'wrong-arch')
        ? 'Nothing was installed. Check that the mirror or folder holds the right files for this arch (compare with the official .sha512), then rerun this step.'
        : 'Nothing was installed. Fix the source (URL, release name, folder) and rerun this step.',
  };
}

export const installRunscStep: Step = {
  id: 'install-runsc',
  title: 'Download, verify and install runsc',

  async inspect(ctx): Promise<Inspection> {
    const target = runscInstallPath(ctx.options);
    let source: ReleaseSource;
    try {
      source = sourceOf(ctx);
    } catch (e) {
      if (e instanceof StepFailure) return { status: 'blocked', summary: e.problem.what, problem: e.problem };
      return { status: 'blocked', summary: 'bad release source', problem: { what: 'the release source is not usable', why: (e as Error).message, next: 'Fix --release, --mirror or --from-dir and rerun.' } };
    }
    if (ctx.options.fromDir && !(await ctx.host.stat(ctx.options.fromDir))?.isDirectory) {
      return { status: 'blocked', summary: 'no such folder', problem: { what: `--from-dir ${ctx.options.fromDir} is not a folder`, why: ctx.host.root === '/' ? 'it does not exist on this machine' : `it does not exist under --root ${ctx.host.root}`, next: 'Copy the release files (runsc + runsc.sha512, or gvisor.tar.bz2 + gvisor.tar.bz2.sha512) into a folder and pass its absolute path.' } };
    }
    let tarball: string | null;
    let runsc: string | null = null;
    try {
      tarball = await published(source, TARBALL, ctx.signal);
      if (!tarball) runsc = await published(source, RUNSC, ctx.signal);
    } catch (e) {
      return { status: 'blocked', summary: 'cannot read the release checksums', problem: releaseProblem(e, source.location) };
    }
    if (!tarball && !runsc) {
      return { status: 'blocked', summary: 'no release found', problem: releaseProblem(new ReleaseError('not-found', `neither ${TARBALL}.sha512 nor ${RUNSC}.sha512 is published at ${source.location}`, source.location), source.location) };
    }
    const published512 = (tarball ?? runsc)!;
    ctx.results.set('release-sha512', published512);
    if (ctx.options.releaseSha512 && ctx.options.releaseSha512 !== published512) {
      return { status: 'blocked', summary: 'the release moved since this run started', problem: {
        what: `release "${ctx.options.release}" now publishes another build than the one this run started with`,
        why: `sha512 ${ctx.options.releaseSha512.slice(0, 16)}… when the run started, ${published512.slice(0, 16)}… now at ${source.location}`,
        next: 'A resumed run keeps the release it started with. Start over (gvisor-wizard apply, or Enter in the TUI) to take the new build, or pin a dated --release.',
      } };
    }
    const manifest = readManifest(ctx.options.stateDir);
    if (tarball && manifest?.archiveSha512 === tarball && (await allMatch(ctx.host, manifest.files))) {
      return { status: 'done', summary: `${target} already holds the release ${ctx.options.release} (${TARBALL} sha512 ${tarball.slice(0, 16)}…)` };
    }
    const executable = ((await ctx.host.stat(target))?.mode ?? 0) & 0o111;
    if (runsc && executable && (await sha512OfFile(ctx.host, target)) === runsc) {
      return { status: 'done', summary: `${target} already matches the published sha512 (${runsc.slice(0, 16)}…)` };
    }
    const file = tarball ? TARBALL : RUNSC;
    const notes = [
      `fetch ${source.locate(file)}`,
      `verify: HTTP status, ELF for ${ctx.facts.arch.release}, size, sha512 ${(tarball ?? runsc)!.slice(0, 16)}…`,
      `install ${target} (mode 0755, atomic rename)${tarball ? `, ${ctx.options.installDir}/${SHIM} and ${ctx.options.installDir}/${HELPERS_DIR}/` : `, and ${SHIM} when published`}`,
    ];
    const current = await ctx.host.stat(target);
    if (current) notes.push(`the current ${target} is saved in the backup folder first${current.mode & 0o111 ? '' : ' (it is not executable: the engines could not run it)'}`);
    // Lab mode: the same work as shell commands a student can type.
    notes.push(`by hand: ${byHand(source, file, target, Boolean(tarball))}`);
    if (ctx.options.engine === 'containerd') {
      // containerd looks shims up on its own (service) PATH, not the operator's (case C1).
      const dirs = servicePathDirs(ctx);
      if (!dirs.includes(ctx.options.installDir)) notes.push(`warning: ${ctx.options.installDir} is not on containerd's PATH (${dirs.join(':')}): a ${SHIM} installed there would not be found; the configure step then uses containerd's runc shim (or pass --install-dir with a directory on that PATH)`);
      if (shimTooNewFor(ctx.facts.containerd.version, ctx.options.release)) notes.push(`warning: ${SHIM} releases from 2026-05 on do not work with containerd ${ctx.facts.containerd.version}: the configure step will use containerd's runc shim with runsc instead (pin --release 20260430 or older to use the shim, or upgrade containerd)`);
    } else {
      const daemonPath = ctx.facts.docker.daemonPid ? (await ctx.host.processEnv(ctx.facts.docker.daemonPid))?.PATH : undefined;
      if (daemonPath && !daemonPath.split(':').includes(ctx.options.installDir)) {
        notes.push(`${ctx.options.installDir} is not on dockerd's PATH (${daemonPath}); docker uses the absolute path, so this is fine for docker`);
      }
    }
    return { status: 'needed', summary: `install runsc from ${source.location}`, plan: { files: [], commands: [], notes } };
  },

  async apply(ctx) {
    const source = sourceOf(ctx);
    const work = await ctx.host.makeTempDir('gvisor-wizard-release');
    try {
      let fetched: FetchedRelease;
      try {
        fetched = await fetchRelease(ctx.host, source, ctx.facts.arch.release!, work, {
          requireShim: false,
          signal: ctx.signal,
          onProgress: (file, p) => ctx.progress({ label: `downloading ${file}`, ...p }),
        });
      } catch (e) {
        throw new StepFailure(releaseProblem(e, source.location));
      }
      for (const n of fetched.notes) ctx.log.info(n);
      const dir = ctx.options.installDir;
      const files: Record<string, string> = {};
      await ctx.host.installFile(fetched.runsc.realPath, `${dir}/${RUNSC}`, 0o755);
      files[`${dir}/${RUNSC}`] = fetched.runsc.sha512;
      if (fetched.shim) {
        await ctx.host.installFile(fetched.shim.realPath, `${dir}/${SHIM}`, 0o755);
        files[`${dir}/${SHIM}`] = fetched.shim.sha512;
      }
      if (fetched.helpersDir) await installHelpers(ctx, fetched.helpersDir, `${dir}/${HELPERS_DIR}`);
      ctx.results.set('runsc-path', `${dir}/${RUNSC}`);
      ctx.results.set('runsc-sha512', fetched.runsc.sha512);
      ctx.results.set('runsc-size', fetched.runsc.size);
      writeManifest(ctx.options.stateDir, {
        source: source.location,
        layout: fetched.layout,
        archiveSha512: fetched.layout === 'tarball' ? await published(source, TARBALL, ctx.signal) ?? undefined : undefined,
        files,
        installedAt: new Date().toISOString(),
      });
      return `${Object.keys(files).length} file(s) installed from the ${fetched.layout} layout`;
    } finally {
      await ctx.host.removeTempDir(work);
    }
  },

  async verify(ctx) {
    const path = runscInstallPath(ctx.options);
    // The file was hashed while it was downloaded and then copied in place: reading it again
    // to hash it would be the second pass the one-pass download avoids. Its size and type
    // show it is the file installed a moment ago; running it below shows it works.
    const wantSize = ctx.results.get('runsc-size') as number | undefined;
    const now = wantSize === undefined ? undefined : await ctx.host.stat(path);
    if (now !== undefined && (now === null || !now.isFile || now.size !== wantSize)) {
      throw new StepFailure({ what: `${path} does not hold the verified file`, why: now === null ? 'it is missing' : `it is not the ${wantSize}-byte file just installed (replaced meanwhile?)`, next: 'Rerun this step.' });
    }
    // Under --root the binary is not the one the engines would run: skip executing it.
    if (ctx.host.root !== '/') return `${path} installed (not executed under --root)`;
    const r = await ctx.host.run([path, '--version'], { readOnly: true, timeoutMs: 15_000 });
    const version = /runsc version (\S+)/.exec(r.stdout)?.[1];
    if (!r.ok || !version) {
      throw new StepFailure({ what: `${path} does not run`, why: (r.stderr || r.spawnError || 'no version printed').trim().split('\n')[0] ?? '', next: 'Check that the release matches this machine; rerun this step.' });
    }
    ctx.results.set('runsc-version', version);
    return `${path} runs: runsc version ${version}`;
  },
};

/** gvisor-bin/ must stay next to runsc: copy the folder file by file with atomic installs. */
async function installHelpers(ctx: StepContext, fromReal: string, toMachine: string): Promise<void> {
  for (const entry of await fs.readdir(fromReal, { withFileTypes: true })) {
    const from = join(fromReal, entry.name);
    if (entry.isDirectory()) await installHelpers(ctx, from, `${toMachine}/${entry.name}`);
    else if (entry.isFile()) {
      const mode = (await fs.stat(from)).mode & 0o777;
      await ctx.host.installFile(from, `${toMachine}/${entry.name}`, mode | 0o444);
    }
  }
}
