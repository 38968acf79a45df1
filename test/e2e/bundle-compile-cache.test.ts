// The single-file bundle keeps V8's compiled code in <state-dir>/compile-cache/ between runs
// (src/cli/compile-cache.ts). These run the real dist/gvisor-wizard.mjs, as copied to a worker:
// the cache is made by commands that record a run, used by the next start, never trusted when
// others could have written it, and a damaged or foreign cache only costs time.
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { cleanupAfter } from '../helpers/cleanup.js';
import { repoRoot } from '../helpers/paths.js';
import { runCommand, type CommandResult } from '../helpers/proc.js';
import { workDir } from '../helpers/wizard.js';

const cleanup = cleanupAfter();
const bundle = join(repoRoot(), 'dist', 'gvisor-wizard.mjs');

describe('the single-file bundle\'s compile cache', () => {
  after(() => cleanup.run());
  const w = workDir('gvw-cc-');
  cleanup.add('work dir', w.remove);
  const lone = join(w.dir, 'gvisor-wizard.mjs');
  const state = join(w.dir, 'state');
  const cacheDir = join(state, 'compile-cache');
  const dirs = ['--state-dir', state, '--log-dir', join(w.dir, 'log')];

  /** Runs the copied bundle with the cache's trace on; returns the result and its trace lines. */
  async function wizard(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CommandResult & { trace: string[] }> {
    const r = await runCommand(process.execPath, [lone, ...args], { env: { ...process.env, GVW_COMPILE_CACHE: 'trace', ...env }, cwd: w.dir, timeoutMs: 60_000 });
    const trace = r.stderr.split('\n').filter((l) => l.startsWith('gvisor-wizard: compile cache: ')).map((l) => l.slice('gvisor-wizard: compile cache: '.length));
    return { ...r, trace };
  }
  const cacheFiles = () => (existsSync(cacheDir) ? readdirSync(cacheDir).sort() : []);

  test('a command that records a run writes the cache (0700 folder, 0600 files); the next start uses it', async () => {
    assert.ok(existsSync(bundle), 'npm test builds the bundle first (npm run bundle)');
    copyFileSync(bundle, lone);
    const first = await wizard(['undo', '--yes', ...dirs]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /nothing to undo/);
    assert.equal(first.trace.length, 2, first.trace.join('\n'));
    assert.match(first.trace[0]!, /^none: .*compile-cache does not exist$/);
    assert.match(first.trace[1]!, /^written to .*compile-cache \(\d+ bytes of code\)$/);
    const files = cacheFiles();
    assert.equal(files.length, 2, files.join(', '));
    assert.match(files[0]!, /^program-[0-9a-f]{16}-node\d+\.\d+\.\d+-[a-z0-9]+\.v8$/);
    assert.match(files[1]!, /^program-[0-9a-f]{16}\.js$/);
    assert.equal(statSync(cacheDir).mode & 0o777, 0o700);
    for (const f of files) assert.equal(statSync(join(cacheDir, f)).mode & 0o777, 0o600, f);

    const second = await wizard(['undo', '--yes', ...dirs]);
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(second.trace, [`used ${join(cacheDir, files[0]!)}`]);
    assert.equal(second.stdout, first.stdout);
  });

  test('read-only commands and dry runs use a cache but never write one', async () => {
    const fresh = ['--state-dir', join(w.dir, 'state-ro'), '--log-dir', join(w.dir, 'log-ro')];
    const logs = await wizard(['logs', ...fresh]);
    assert.equal(logs.code, 0, logs.stderr);
    assert.equal(logs.trace.length, 1);
    assert.match(logs.trace[0]!, /^none: .* does not exist$/);
    assert.ok(!existsSync(join(w.dir, 'state-ro', 'compile-cache')));
    const used = await wizard(['logs', ...dirs]);
    assert.equal(used.code, 0, used.stderr);
    assert.match(used.trace[0]!, /^used /);
  });

  test('damaged cache files are not used, the program still runs, and the cache is made again', async () => {
    const [code, source] = cacheFiles();
    const codeFile = join(cacheDir, code!);
    // A few bytes of V8's code changed where V8 itself does not look (it checks versions and
    // lengths, not the bytes: such a file crashed the wizard), and the whole file garbled.
    const good = readFileSync(codeFile);
    for (const at of [100, 5000, Math.floor(good.length * 0.9)]) {
      const bad = Buffer.from(good);
      bad.write('garbage!', at, 'latin1');
      writeFileSync(codeFile, bad);
      const r = await wizard(['logs', ...dirs]);
      assert.equal(r.code, 0, `bytes changed at ${at}: ${r.stderr}`);
      assert.match(r.trace[0]!, /^none: .*\.v8 is damaged \(its digest does not match\)$/);
    }
    writeFileSync(codeFile, Buffer.alloc(4096, 7));
    const garbled = await wizard(['undo', '--yes', ...dirs]);
    assert.equal(garbled.code, 0, garbled.stderr);
    assert.match(garbled.trace[0]!, /^none: .*\.v8 is damaged/);
    assert.match(garbled.trace[1]!, /^written to /);
    assert.match((await wizard(['undo', '--yes', ...dirs])).trace[0]!, /^used /);
    // Code V8 refuses (made by another V8, or for other flags): compiled as usual, made again.
    const flagged = await runCommand(process.execPath, ['--no-lazy-feedback-allocation', lone, 'undo', '--yes', ...dirs], { env: { ...process.env, GVW_COMPILE_CACHE: 'trace' }, timeoutMs: 60_000 });
    assert.equal(flagged.code, 0, flagged.stderr);
    assert.match(flagged.stderr, /compile cache: rejected by V8: /);
    assert.match(flagged.stderr, /compile cache: written to /);
    assert.match((await wizard(['undo', '--yes', ...dirs])).trace[1] ?? '', /^written to /, 'rewritten for the usual flags');
    assert.match((await wizard(['undo', '--yes', ...dirs])).trace[0]!, /^used /);
    // The program's text, cut short.
    truncateSync(join(cacheDir, source!), 1000);
    const cut = await wizard(['undo', '--yes', ...dirs]);
    assert.equal(cut.code, 0, cut.stderr);
    assert.match(cut.trace[0]!, /^none: .*\.js has 1000 bytes, not \d+$/);
    assert.match(cut.trace[1]!, /^written to /);
    assert.match((await wizard(['undo', '--yes', ...dirs])).trace[0]!, /^used /);
  });

  test('a cache others could have written is neither used nor written; a folder of the wizard is never reached through a symlink', async () => {
    chmodSync(cacheDir, 0o777);
    const open = await wizard(['undo', '--yes', ...dirs]);
    assert.equal(open.code, 0, open.stderr);
    assert.match(open.trace[0]!, /^none: .*compile-cache can be written by others \(mode 777\)$/);
    assert.match(open.trace[1]!, /^not written: .*compile-cache can be written by others \(mode 777\)$/);
    assert.equal(statSync(cacheDir).mode & 0o777, 0o777, 'a folder that exists is not changed');
    chmodSync(cacheDir, 0o700);

    // A state folder that is a symlink (to somewhere else): nothing is written through it.
    const elsewhere = join(w.dir, 'elsewhere');
    mkdirSync(elsewhere, { mode: 0o700 });
    const linked = join(w.dir, 'linked-state');
    symlinkSync(elsewhere, linked);
    const viaLink = await wizard(['undo', '--yes', '--state-dir', linked, '--log-dir', join(w.dir, 'log')]);
    assert.equal(viaLink.code, 0, viaLink.stderr);
    assert.match(viaLink.trace.at(-1)!, /^not written: .*linked-state is not a folder$/);
    assert.deepEqual(readdirSync(elsewhere), []);

    const [code] = cacheFiles();
    chmodSync(join(cacheDir, code!), 0o666);
    const file = await wizard(['logs', ...dirs]);
    assert.match(file.trace[0]!, /^none: .*\.v8 can be written by others \(mode 666\)$/);

    if (process.geteuid?.() === 0) {
      // Owned by someone else (root can hand it over): not ours, not used.
      chmodSync(join(cacheDir, code!), 0o600);
      await runCommand('chown', ['65534', join(cacheDir, code!)]);
      const foreign = await wizard(['logs', ...dirs]);
      assert.match(foreign.trace[0]!, /^none: .*\.v8 belongs to uid 65534, not 0$/);
    }
  });

  test('another build\'s files are removed when the cache is written; GVW_COMPILE_CACHE=off leaves it alone', async () => {
    const stale = join(cacheDir, 'program-0000000000000000.js');
    writeFileSync(stale, 'old', { mode: 0o600 });
    const before = cacheFiles();
    const off = await wizard(['undo', '--yes', ...dirs], { GVW_COMPILE_CACHE: 'off' });
    assert.equal(off.code, 0, off.stderr);
    assert.deepEqual(cacheFiles(), before, 'off: nothing written or removed');
    // A rewrite (the foreign-owned file from the test before is rejected as untrusted) removes it.
    const [code] = cacheFiles().filter((f) => f.endsWith('.v8'));
    chmodSync(join(cacheDir, code!), 0o666);
    const again = await wizard(['undo', '--yes', ...dirs]);
    assert.match(again.trace[1]!, /^written to /);
    assert.ok(!existsSync(stale), 'the other build\'s file is gone');
    assert.equal(cacheFiles().length, 2);
  });

  test('a bundle whose program was cut off says so instead of failing obscurely', async () => {
    const cut = join(w.dir, 'cut.mjs');
    const text = readFileSync(bundle, 'latin1');
    const mark = text.lastIndexOf('\n/* gvisor-wizard program');
    assert.ok(mark > 0);
    const run = () => runCommand(process.execPath, [cut, 'logs', '--state-dir', join(w.dir, 'state-cut'), '--log-dir', join(w.dir, 'log-cut')], { env: { ...process.env, GVW_COMPILE_CACHE: 'off' }, timeoutMs: 60_000 });
    // Garbled inside the program: the wizard says the file is damaged.
    writeFileSync(cut, `${text.slice(0, mark + 300)}AAAA${text.slice(mark + 304)}`, { mode: 0o755 });
    const garbled = await run();
    assert.notEqual(garbled.code, 0);
    assert.match(garbled.stderr, /cut\.mjs is damaged: the program at its end is missing or cut short\. Copy the file again/);
    assert.ok(garbled.stderr.split('\n').length < 6, `a message, not a stack trace:\n${garbled.stderr}`);
    // Cut short, as an interrupted copy leaves it: Node refuses the file, and the line it shows says why.
    writeFileSync(cut, text.slice(0, mark + (text.length - mark) / 2), { mode: 0o755 });
    const short = await run();
    assert.notEqual(short.code, 0);
    assert.match(short.stderr, /SyntaxError/);
    assert.match(short.stderr, /A SyntaxError here means this file was cut short: copy it again\./);
    assert.ok(short.stderr.length < 2000, `no screenful of base64:\n${short.stderr.slice(0, 3000)}`);
    // Whole again, --version works.
    writeFileSync(cut, text);
    // --version needs no program.
    const v = await runCommand(process.execPath, [cut, '--version']);
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, /^gvisor-wizard \d+\.\d+\.\d+\n$/);
  });
});
