#!/usr/bin/env node
// npm run bench: the performance figures of issue 6, each measured side by side with its
// baseline in one run (interleaved repetitions, medians), printed as a table with the goal
// next to each figure. Not a test: these machines are noisy, so only ratios measured in the
// same run mean anything.
//
//   node scripts/bench.mjs [--only startup,frame,download,logpane,path] [--quick]
//
// Needs dist/ (npm run build) and dist/gvisor-wizard.mjs (node scripts/bundle.mjs); the
// first frame needs `script` (util-linux); the download needs curl; the whole-path figure
// needs root and what the e2e tests need (docker.io, containerd, runc, runsc, busybox-static:
// .ci/setup-host.sh) and is skipped with the reason otherwise.
// Exit status: 0 when every goal is met, 1 when one is missed, 2 when the bench itself failed.

import { spawn, spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
const bundle = join(dist, 'gvisor-wizard.mjs');
const bin = join(root, 'bin', 'gvisor-wizard.js');
const node = process.execPath;
const distUrl = (rel) => pathToFileURL(join(dist, rel)).href;

// ---------------------------------------------------------------------------------------------
// Small helpers

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const now = () => Number(process.hrtime.bigint()) / 1e6; // ms
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const which = (name) => {
  for (const d of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/usr/bin', '/sbin', '/bin'])) {
    if (d && existsSync(join(d, name))) return join(d, name);
  }
  return null;
};
const shq = (s) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
const isRoot = process.getuid?.() === 0;

/** Runs a program without blocking this process (whose servers it may talk to): exit status, output, wall ms. */
function runAsync(argv, opts = {}) {
  return new Promise((resolve) => {
    const started = now();
    const child = spawn(argv[0], argv.slice(1), { env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (b) => out.push(b));
    child.stderr.on('data', (b) => err.push(b));
    const killer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 300_000);
    const done = (status, error) => {
      clearTimeout(killer);
      resolve({ status, error, ms: now() - started, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    };
    child.on('error', (e) => done(null, e));
    child.on('close', (code, signal) => done(code ?? signal));
  });
}

/** Things to undo at the end, last first, even when a section fails or the bench is interrupted. */
const cleanups = [];
const onCleanup = (label, fn) => cleanups.push({ label, fn });
async function runCleanups() {
  while (cleanups.length > 0) {
    const { label, fn } = cleanups.pop();
    try {
      await fn();
    } catch (e) {
      process.stderr.write(`bench: cleanup "${label}" failed: ${e.message}\n`);
    }
  }
}
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    process.stderr.write(`\nbench: ${sig}, cleaning up...\n`);
    runCleanups().finally(() => process.exit(130));
  });
}
function tempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onCleanup(`remove ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** One row of the table. `pass`: true/false for a goal, null for a figure that is only reported. */
const rows = [];
function row(figure, measured, baseline, ratio, goal, pass) {
  rows.push({ figure, measured, baseline, ratio, goal, pass });
  const verdict = pass === null ? 'info' : pass ? 'PASS' : 'FAIL';
  process.stderr.write(`  ${figure}: ${measured} vs ${baseline} = ${ratio} (goal ${goal}) ${verdict}\n`);
}
function skipRow(figure, goal, why) {
  rows.push({ figure, measured: '-', baseline: '-', ratio: '-', goal, pass: undefined, why });
  process.stderr.write(`  ${figure}: SKIPPED (${why})\n`);
}
const x = (r) => `${r.toFixed(2)}×`;
/** The median of the ratios of runs made next to each other (a[i] / b[i]): load that drifts during the bench cancels out. */
const pairedRatio = (a, b) => median(a.map((v, i) => v / b[i]));
const ms = (v) => `${v.toFixed(0)} ms`;

// ---------------------------------------------------------------------------------------------
// 1. Start-up: --version and --help must not load Ink/React (≤ 1.3× a bare `node -e 0`).

function timeRun(argv) {
  const t = now();
  const r = spawnSync(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  const elapsed = now() - t;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { elapsed, stdout: r.stdout.toString() };
}

function startup(runs) {
  process.stderr.write(`start-up: ${runs} interleaved runs each\n`);
  const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
  const cases = [
    { key: 'node', argv: [node, '-e', '0'] },
    { key: 'bundle --version', argv: [node, bundle, '--version'], expect: `gvisor-wizard ${version}\n` },
    { key: 'bundle --help', argv: [node, bundle, '--help'], expect: /Usage/ },
    { key: 'bin --version', argv: [node, bin, '--version'], expect: `gvisor-wizard ${version}\n` },
    { key: 'bin --help', argv: [node, bin, '--help'], expect: /Usage/ },
  ];
  for (const c of cases) {
    const out = timeRun(c.argv).stdout; // warm the page cache; check the answer
    if (c.expect && !(typeof c.expect === 'string' ? out === c.expect : c.expect.test(out))) throw new Error(`${c.key} printed ${JSON.stringify(out.slice(0, 200))}`);
  }
  const times = Object.fromEntries(cases.map((c) => [c.key, []]));
  for (let i = 0; i < runs; i++) {
    // Rotate the order so no case always runs right after another.
    for (let j = 0; j < cases.length; j++) {
      const c = cases[(i + j) % cases.length];
      times[c.key].push(timeRun(c.argv).elapsed);
    }
  }
  const base = median(times.node);
  for (const [key, label, goal] of [
    ['bundle --version', '`--version`, single-file bundle', 1.3],
    ['bundle --help', '`--help`, single-file bundle', 1.3],
    ['bin --version', '`--version`, bin/ + dist/ (not shipped)', null],
    ['bin --help', '`--help`, bin/ + dist/ (not shipped)', null],
  ]) {
    const m = median(times[key]);
    const r = pairedRatio(times[key], times.node);
    row(label, ms(m), `${ms(base)} (\`node -e 0\`)`, x(r), goal ? `≤ ${goal}×` : `(≤ 1.3× for the bundle)`, goal ? r <= goal : null);
  }
}

// ---------------------------------------------------------------------------------------------
// 2. First frame of the TUI in a pseudo-terminal (≤ 2× a bare node started the same way).

/**
 * Starts `argv` in a new pseudo-terminal (script(1); 80×24 set with stty) and resolves when
 * `marker` appears on it: { ms, screen }. Then types `q` and waits for the end.
 */
function firstOutput(argv, marker, env) {
  return new Promise((resolve, reject) => {
    const cmd = `stty cols 80 rows 24 2>/dev/null; exec ${argv.map(shq).join(' ')}`;
    const started = now();
    const child = spawn('script', ['-qfc', cmd, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env });
    let out = '';
    let seen;
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.stdout.on('data', (b) => {
      out += b.toString('utf8');
      if (seen === undefined && out.includes(marker)) {
        seen = { ms: now() - started, screen: out };
        child.stdin.write('q');
      }
    });
    child.stdin.on('error', () => {});
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(killer);
      if (seen) resolve(seen);
      else reject(new Error(`${argv.join(' ')}: "${marker}" never appeared on the terminal; it showed:\n${out.slice(-2000)}`));
    });
  });
}

async function firstFrame(runs) {
  if (!which('script')) return skipRow('first frame of the TUI', '≤ 2×', 'script (util-linux) is not installed');
  process.stderr.write(`first frame: ${runs} interleaved runs each, in a pseudo-terminal\n`);
  const dir = tempDir('gvw-bench-frame-');
  const home = join(dir, 'home');
  mkdirSync(home);
  // This environment (as every figure here: a bare node started the same way is the baseline),
  // with a HOME of its own and a terminal type.
  const env = { ...process.env, HOME: home, TERM: 'xterm-256color' };
  const wizardArgs = ['--log-dir', join(dir, 'log'), '--state-dir', join(dir, 'state')];
  // The TUI needs root to change the machine; without it a practice --root is enough to draw.
  if (!isRoot) wizardArgs.push('--root', join(dir, 'root'));
  // For scale: Ink's hello world, bundled as the wizard is (production React, same esbuild
  // options and Ink patches), quitting on the first key.
  const hello = join(dir, 'ink-hello.mjs');
  const { build } = await import('esbuild');
  const { common, slimInk } = await import('./bundle.mjs');
  await build({
    ...common,
    write: true,
    outfile: hello,
    stdin: {
      contents: `import React from 'react'; import { render, Text } from 'ink';
const app = render(React.createElement(Text, { bold: true }, 'gvisor-wizard - hello'));
process.stdin.setRawMode(true); process.stdin.resume(); process.stdin.once('data', () => { app.unmount(); process.exit(0); });`,
      resolveDir: root,
      sourcefile: 'ink-hello.js',
    },
    plugins: [slimInk],
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  });
  const cases = [
    // A bare node that prints the same marker: start-up plus one write to the terminal.
    { key: 'node', argv: [node, '-e', "process.stdout.write('gvisor-wizard\\n')"] },
    // The wizard's state folder keeps V8's compiled code between runs (src/cli/compile-cache.ts):
    // the warm-up run writes it, so these are repeat starts; `cold` is a first start.
    { key: 'bundle', wizard: true, argv: [node, bundle, ...wizardArgs] },
    { key: 'cold', wizard: true, argv: [node, bundle, ...wizardArgs], env: { ...env, GVW_COMPILE_CACHE: 'off' } },
    { key: 'bin', wizard: true, argv: [node, bin, ...wizardArgs] },
    { key: 'hello', argv: [node, hello] },
  ];
  const times = Object.fromEntries(cases.map((c) => [c.key, []]));
  let detectingShown = true;
  for (const c of cases) await firstOutput(c.argv, 'gvisor-wizard', c.env ?? env); // warm-up
  for (let i = 0; i < runs; i++) {
    for (let j = 0; j < cases.length; j++) {
      const c = cases[(i + j) % cases.length];
      const r = await firstOutput(c.argv, 'gvisor-wizard', c.env ?? env);
      times[c.key].push(r.ms);
      // The first frame is drawn before detection ends: it shows the detecting phase.
      if (c.wizard && !/looking at this machine|Detecting this machine/.test(r.screen)) detectingShown = false;
    }
  }
  const base = median(times.node);
  const b = pairedRatio(times.bundle, times.node);
  row('first frame of the TUI, single-file bundle', ms(median(times.bundle)), `${ms(base)} (bare \`node\`)`, x(b), '≤ 2×', b <= 2);
  row('first frame, first start of the bundle (no compile cache yet)', ms(median(times.cold)), `${ms(base)} (bare \`node\`)`, x(pairedRatio(times.cold, times.node)), '(≤ 2× for repeat starts)', null);
  row('first frame of the TUI, bin/ + dist/ (not shipped)', ms(median(times.bin)), `${ms(base)} (bare \`node\`)`, x(pairedRatio(times.bin, times.node)), '(≤ 2× for the bundle)', null);
  row('first frame of an Ink hello world, bundled the same way (for scale)', ms(median(times.hello)), `${ms(base)} (bare \`node\`)`, x(pairedRatio(times.hello, times.node)), '-', null);
  row('first frame drawn before detection ends', detectingShown ? 'yes' : 'no', '-', '-', 'yes', detectingShown);
}

// ---------------------------------------------------------------------------------------------
// 3. Downloads: one pass (hash while writing), throughput ≥ 0.9× `curl -o`, CPU per MiB.

const SERVER = `
const http = require('node:http');
const data = require('node:fs').readFileSync(process.argv[1]);
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': data.length });
  res.end(data);
});
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
`;

/** A local HTTP server in its own process, so it takes no CPU from the process measured. */
async function startFileServer(file) {
  const child = spawn(node, ['-e', SERVER, file], { stdio: ['ignore', 'pipe', 'inherit'] });
  onCleanup('download server', () => child.kill('SIGKILL'));
  const port = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (b) => {
      out += b;
      if (out.includes('\n')) resolve(Number(out.trim()));
    });
    child.on('exit', (code) => reject(new Error(`download server exited ${code}`)));
  });
  return `http://127.0.0.1:${port}/file.bin`;
}

/** Wall ms and, when /usr/bin/time is there, CPU seconds of a child process. */
function timeChild(argv) {
  const timeBin = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
  const full = timeBin ? [timeBin, '-f', 'GVW-CPU %U %S', ...argv] : argv;
  const t = now();
  const r = spawnSync(full[0], full.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  const elapsed = now() - t;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stderr}`);
  const m = /GVW-CPU ([\d.]+) ([\d.]+)/.exec(r.stderr.toString());
  return { ms: elapsed, cpu: m ? Number(m[1]) + Number(m[2]) : undefined };
}

async function download(runs) {
  if (!which('curl')) return skipRow('download throughput', '≥ 0.9×', 'curl is not installed');
  const { downloadVerified } = await import(distUrl('src/release/download.js'));
  const { LocalHost } = await import(distUrl('src/host/local-host.js'));
  const { RunLog } = await import(distUrl('src/log/run-log.js'));
  const dir = tempDir('gvw-bench-dl-');
  const MiB = 1024 * 1024;
  const size = 200 * MiB;
  const file = join(dir, 'file.bin');
  const hash = createHash('sha512');
  const fd = openSync(file, 'w');
  for (let n = 0; n < size; n += 4 * MiB) {
    const chunk = randomBytes(4 * MiB);
    hash.update(chunk);
    writeSync(fd, chunk);
  }
  closeSync(fd);
  const sha512 = hash.digest('hex');
  const url = await startFileServer(file);
  const host = new LocalHost({ log: new RunLog({}) });
  const dest = join(dir, 'dest.bin');
  process.stderr.write(`download: ${size / MiB} MiB from ${url}, ${runs} interleaved runs each\n`);

  const wizard = async () => {
    const cpu0 = process.cpuUsage();
    const t = now();
    const r = await downloadVerified(host, url, dest, { expectedSha512: sha512, expectElf: false, retries: 0 });
    const elapsed = now() - t;
    const cpu = process.cpuUsage(cpu0);
    if (r.bytes !== size || r.sha512 !== sha512) throw new Error('downloadVerified returned the wrong bytes');
    rmSync(dest);
    return { ms: elapsed, cpu: (cpu.user + cpu.system) / 1e6 };
  };
  const curl = () => {
    const r = timeChild(['curl', '-s', '-o', dest, url]);
    if (statSync(dest).size !== size) throw new Error('curl downloaded the wrong size');
    rmSync(dest);
    return r;
  };
  // The same check done the two-pass way: download, then read the file again to hash it.
  const curlThenHash = () => {
    const r = timeChild(['sh', '-c', `curl -s -o ${shq(dest)} ${shq(url)} && sha512sum ${shq(dest)} > /dev/null`]);
    rmSync(dest);
    return r;
  };
  await wizard(); curl(); curlThenHash(); // warm-up (server, page cache, JIT)
  const w = [];
  const c = [];
  const ch = [];
  const order = [async () => w.push(await wizard()), async () => c.push(curl()), async () => ch.push(curlThenHash())];
  for (let i = 0; i < runs; i++) {
    for (let j = 0; j < order.length; j++) await order[(i + j) % order.length]();
  }
  const mbps = (t) => (size / MiB) / (t / 1000);
  const wm = mbps(median(w.map((r) => r.ms)));
  const cm = mbps(median(c.map((r) => r.ms)));
  // Throughput ratio: the inverse of the time ratio.
  const toCurl = pairedRatio(c.map((r) => r.ms), w.map((r) => r.ms));
  row(`download throughput (${size / MiB} MiB, local HTTP, sha512 while writing)`, `${wm.toFixed(0)} MiB/s`, `${cm.toFixed(0)} MiB/s (\`curl -o\`)`, x(toCurl), '≥ 0.9×', toCurl >= 0.9);
  const chm = mbps(median(ch.map((r) => r.ms)));
  row('download throughput vs the same check in two passes', `${wm.toFixed(0)} MiB/s`, `${chm.toFixed(0)} MiB/s (\`curl -o\`, then \`sha512sum\`)`, x(pairedRatio(ch.map((r) => r.ms), w.map((r) => r.ms))), 'reported', null);
  const wcpu = median(w.map((r) => r.cpu)) * 1000 / (size / MiB);
  const ccpu = c.every((r) => r.cpu !== undefined) ? median(c.map((r) => r.cpu)) * 1000 / (size / MiB) : undefined;
  row('download CPU time per MiB', `${wcpu.toFixed(2)} ms`, ccpu === undefined ? '-' : `${ccpu.toFixed(2)} ms (\`curl -o\`, no hash)`, ccpu === undefined ? '-' : x(wcpu / ccpu), 'reported', null);
}

// ---------------------------------------------------------------------------------------------
// 4. Log pane: 100,000 lines of command output through the real controller and Ink App.

const LINES = 100_000;
// A command that streams its output as a build log does: bursts of 2000 lines every 40 ms
// (100,000 lines in about 2 s), each line like `line 000001 of 100000: the quick brown fox ...`.
const LINE_SCRIPT = `const n = Number(process.argv[1]); let i = 0;
const burst = () => { let s = ''; for (const end = Math.min(n, i + 2000); i < end;) s += 'line ' + String(++i).padStart(6, '0') + ' of ${LINES}: the quick brown fox jumps over the lazy dog\\n';
  process.stdout.write(s, () => { if (i < n) setTimeout(burst, 40); }); };
burst();`;
const lineCommand = (n) => [node, '-e', LINE_SCRIPT, String(n)];

/** In a child process of its own (a clean RSS): see logPaneChild. */
async function logPane() {
  const dir = tempDir('gvw-bench-log-');
  process.stderr.write(`log pane: ${LINES} lines through LocalHost.run, the controller and the Ink app\n`);
  const r = spawnSync(node, ['--expose-gc', fileURLToPath(import.meta.url), '--log-pane-child', dir], { stdio: ['ignore', 'pipe', 'inherit'], timeout: 300_000 });
  if (r.status !== 0) throw new Error(`log pane child exited ${r.status ?? r.signal}`);
  const m = JSON.parse(r.stdout.toString());

  // `cat` of the same lines to /dev/null, for scale.
  const file = join(dir, 'lines.txt');
  const cmd = lineCommand(LINES);
  writeFileSync(file, spawnSync(cmd[0], cmd.slice(1), { maxBuffer: 64 * 1048576 }).stdout);
  const cat = median(Array.from({ length: 5 }, () => timeChild(['cat', file]).ms)); // stdout is /dev/null

  const fps = m.frames / (m.ms / 1000);
  row(`log pane: frames per second while ${LINES.toLocaleString('en')} lines stream`, `${fps.toFixed(1)} (${m.frames} frames in ${(m.ms / 1000).toFixed(1)} s; busiest second ${m.maxFps})`, '-', '-', '≤ 30', fps <= 30 && m.maxFps <= 30);
  row('log pane: RSS growth while streaming', `${(m.rssGrowth / 1048576).toFixed(1)} MiB`, `${(m.rssBefore / 1048576).toFixed(0)} MiB before`, '-', '≤ 30 MiB', m.rssGrowth <= 30 * 1048576);
  row('log pane: scrollback kept on screen', `${m.tailLines} lines`, `${LINES.toLocaleString('en')} produced`, '-', 'bounded (≤ 200)', m.tailLines <= 200);
  row('log file holds every line', `${m.logLines.toLocaleString('en')} lines`, `${LINES.toLocaleString('en')} produced`, '-', 'all', m.logLines === LINES);
  row(`log pane: CPU time for ${LINES.toLocaleString('en')} lines`, `${m.cpu.toFixed(2)} s (wall ${(m.ms / 1000).toFixed(2)} s)`, `${(cat / 1000).toFixed(3)} s (\`cat\` to /dev/null)`, x(m.cpu * 1000 / cat), 'reported', null);
}

/** A terminal for Ink that counts what is written to it. */
function fakeTerminal() {
  const stdout = new EventEmitter();
  Object.assign(stdout, { columns: 80, rows: 24, isTTY: true, writes: [], last: '' });
  stdout.write = (data) => {
    const s = String(data);
    // Synchronized-output markers and cursor toggles alone are not frames.
    if (s.replace(/\x1b\[\?(2026|25)[hl]/g, '') !== '') { stdout.writes.push(now()); stdout.last = s; }
    return true;
  };
  const stdin = new EventEmitter();
  Object.assign(stdin, { isTTY: true, setRawMode() {}, setEncoding() {}, resume() {}, pause() {}, ref() {}, unref() {}, read: () => null });
  const stderr = new EventEmitter();
  stderr.write = () => true;
  return { stdout, stdin, stderr };
}

async function logPaneChild(dir) {
  // As bin/gvisor-wizard.js and main.ts do: React's production build, Ink drawing live.
  process.env.NODE_ENV = 'production';
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
  const React = (await import('react')).default;
  const { render } = await import('ink');
  const { App } = await import(distUrl('screens/App.js'));
  const { WizardController } = await import(distUrl('src/tui/controller.js'));
  const { Session } = await import(distUrl('src/wizard/session.js'));
  const { parseCli } = await import(distUrl('src/cli/args.js'));
  const { INK_OPTIONS } = await import(distUrl('src/tui/run-tui.js'));

  const cli = parseCli(['apply', '--yes', '--log-dir', join(dir, 'log'), '--state-dir', join(dir, 'state')]);
  const session = new Session(cli.options, { logName: 'bench' });
  session.facts = {}; // the bench's one step reads no facts; detection is not what is measured
  const controller = new WizardController(session, cli);
  const term = fakeTerminal();
  const app = render(React.createElement(App, { store: controller }), { ...INK_OPTIONS, stdout: term.stdout, stdin: term.stdin, stderr: term.stderr, patchConsole: false });
  const printStep = (lines) => {
    const argv = lineCommand(lines);
    return {
      id: 'bench-output',
      title: `Print ${lines} lines`,
      inspect: async () => ({ status: 'needed', summary: `prints ${lines} lines`, plan: { files: [], commands: [argv], notes: [] } }),
      apply: async (ctx) => {
        const r = await ctx.host.run(argv, { signal: ctx.signal });
        if (!r.ok) throw new Error(`${argv.join(' ')} failed`);
        return 'printed';
      },
      verify: async () => 'done',
    };
  };
  // As in a real session, where detection and earlier steps ran commands before: a short
  // command first, so one-time costs (loading execa, compiling the hot paths) are not counted.
  await controller.runAll([printStep(2000)]);
  await sleep(200);
  globalThis.gc?.();
  await sleep(50);
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const sampler = setInterval(() => { rssPeak = Math.max(rssPeak, process.memoryUsage().rss); }, 20);
  const firstWrite = term.stdout.writes.length;
  const cpu0 = process.cpuUsage();
  const t0 = now();
  // The controller's own runner (as after the operator's last answer), with one step.
  await controller.runAll([printStep(LINES)]);
  const t1 = now();
  const cpu = process.cpuUsage(cpu0);
  await sleep(300); // the last flush and frame
  clearInterval(sampler);
  rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  const state = controller.getState();
  if (state.phase !== 'summary' || !state.success) throw new Error(`the bench step did not succeed: ${JSON.stringify(state.problem ?? state.phase)}`);
  const writes = term.stdout.writes.slice(firstWrite).filter((t) => t <= t1 + 300);
  let maxFps = 0;
  for (let i = 0; i < writes.length; i++) {
    let j = i;
    while (j < writes.length && writes[j] < writes[i] + 1000) j++;
    maxFps = Math.max(maxFps, j - i);
  }
  controller.quit();
  app.unmount();
  controller.dispose();
  session.close();
  // Each run of the TUI has its own log file (the controller opens a session per run):
  // count the lines of all of them. The warm-up printed 2000 before the measured run.
  const logDir = join(dir, 'log');
  const logLines = readdirSync(logDir).reduce((n, f) => n + readFileSync(join(logDir, f), 'utf8').split('\n').filter((l) => / OUT +\[bench-output\] line \d{6} /.test(l)).length, 0) - 2000;
  const lastOut = state.logTail.filter((l) => l.level === 'out').at(-1)?.text ?? '';
  if (!lastOut.startsWith(`line ${String(LINES).padStart(6, '0')} `)) throw new Error(`the tail does not end with the last line: ${lastOut}`);
  process.stdout.write(JSON.stringify({
    frames: writes.length, maxFps, ms: t1 - t0, cpu: (cpu.user + cpu.system) / 1e6,
    rssBefore, rssGrowth: rssPeak - rssBefore, tailLines: state.logTail.length, logLines,
  }));
}

// ---------------------------------------------------------------------------------------------
// 5. Whole path: the docker e2e path vs a plain shell script doing the same commands (≤ 1.2×).

const SHELL_PATH = `#!/bin/bash
# What the wizard's docker path does, by hand: download and verify runsc, install it, add the
# runtime to daemon.json, reload dockerd, prove isolation with one container, remove it.
set -euo pipefail
mirror=$1 bin=$2 name=$3 config=$4 pid=$5 image=$6
url="$mirror/release/latest/x86_64"
mkdir -p "$bin"; cd "$bin"
curl -fsSo runsc "$url/runsc"
curl -fsSo runsc.sha512 "$url/runsc.sha512"
sha512sum -c --quiet runsc.sha512
chmod 0755 runsc; rm runsc.sha512
printf '{\\n  "runtimes": {\\n    "%s": {\\n      "path": "%s",\\n      "runtimeArgs": ["--network=host"]\\n    }\\n  }\\n}\\n' "$name" "$bin/runsc" > "$config.tmp"
mv "$config.tmp" "$config"
kill -HUP "$pid"
until [[ "$(docker info --format '{{json .Runtimes}}')" == *"\"$name\""* ]]; do sleep 0.1; done
marker=$((RANDOM * 32768 + RANDOM + 100000000))
c=$(docker run -d --runtime "$name" --name "bench-$name" "$image" sleep "$marker")
[[ "$(docker exec "$c" ps)" == *"sleep $marker"* ]]
if grep -qsa "[s]leep.$marker" /proc/[0-9]*/cmdline; then echo "sleep $marker runs on the host" >&2; exit 1; fi
[[ "$(docker exec "$c" dmesg)" == *"Starting gVisor"* ]]
docker exec "$c" uname -r > /dev/null
docker rm -f "$c" > /dev/null
`;

// The same commands as the wizard runs (its log, one `apply`), with its checks: what it asks
// the machine before changing it (docker info, runsc and containerd versions), both release
// files with their checksums, `runsc --version` after installing, docker info before and after
// the reload, the leftover sweep and image lookup, `docker inspect`; concurrent where the
// wizard runs them concurrently. The script above leaves those out, so its ratio also counts
// checks the wizard must keep, not only the wizard's own overhead.
const SHELL_SAME = `#!/bin/bash
set -euo pipefail
mirror=$1 bin=$2 name=$3 config=$4 pid=$5 image=$6
url="$mirror/release/latest/x86_64"
docker info --format '{{json .}}' > /dev/null & runsc --version > /dev/null & containerd --version > /dev/null & wait
mkdir -p "$bin"; cd "$bin"
for f in runsc containerd-shim-runsc-v1; do
  curl -fsSo "$f.sha512" "$url/$f.sha512"
  curl -fsSo "$f" "$url/$f"
  sha512sum -c --quiet "$f.sha512"
  chmod 0755 "$f"; rm "$f.sha512"
done
./runsc --version > /dev/null
printf '{\\n  "runtimes": {\\n    "%s": {\\n      "path": "%s",\\n      "runtimeArgs": ["--network=host"]\\n    }\\n  }\\n}\\n' "$name" "$bin/runsc" > "$config.tmp"
mv "$config.tmp" "$config"
docker info --format '{{json .Runtimes}}' > /dev/null
kill -HUP "$pid"
until [[ "$(docker info --format '{{json .Runtimes}}')" == *"\\"$name\\""* ]]; do sleep 0.1; done
docker ps -aq --filter label=gvisor-wizard=isolation-check > /dev/null & docker image inspect --format '{{.Id}}' "$image" > /dev/null & wait
marker=$((RANDOM * 32768 + RANDOM + 100000000))
c=$(docker run -d --label gvisor-wizard=isolation-check --runtime "$name" --name "bench-$name" "$image" sleep "$marker")
docker inspect "$c" > "$bin/inspect" & docker exec "$c" ps > "$bin/ps" & docker exec "$c" dmesg > "$bin/dmesg" & docker exec "$c" uname -r > /dev/null & wait
[[ "$(< "$bin/ps")" == *"sleep $marker"* ]]
if grep -qsa "[s]leep.$marker" /proc/[0-9]*/cmdline; then echo "sleep $marker runs on the host" >&2; exit 1; fi
[[ "$(< "$bin/dmesg")" == *"Starting gVisor"* ]]
docker rm -f "$c" > /dev/null
`;

async function wholePath(runs) {
  const goal = '≤ 1.2×';
  const figure = 'whole docker path: wizard `apply` vs the same commands in a shell script';
  if (!isRoot) return skipRow(figure, goal, 'needs root');
  const { e2ePrereqs } = await import(distUrl('test/helpers/prereqs.js'));
  const pre = e2ePrereqs();
  if (!pre.ok) return skipRow(figure, goal, `missing ${pre.missing.join(', ')} (.ci/setup-host.sh)`);
  const { CleanupRegistry } = await import(distUrl('test/helpers/cleanup.js'));
  const { startPrivateDockerd } = await import(distUrl('test/helpers/private-dockerd.js'));
  const { BUSYBOX_TAG, ensureBusyboxImage } = await import(distUrl('test/helpers/busybox-image.js'));
  const { startReleaseServer } = await import(distUrl('test/helpers/release-server.js'));
  const registry = new CleanupRegistry();
  onCleanup('private dockerd and release server', () => registry.run());
  process.stderr.write(`whole path: private dockerd, ${runs} interleaved runs each\n`);
  const d = await startPrivateDockerd({ cleanup: registry });
  await ensureBusyboxImage(d);
  const server = await startReleaseServer({ layout: 'loose' });
  registry.add('release server', () => server.close());
  const dir = tempDir('gvw-bench-path-');
  const script = join(dir, 'by-hand.sh');
  writeFileSync(script, SHELL_PATH, { mode: 0o755 });
  const same = join(dir, 'same-commands.sh');
  writeFileSync(same, SHELL_SAME, { mode: 0o755 });

  // Every run starts from the same daemon state: no runtime configured (a new name each run).
  const reset = async () => {
    writeFileSync(d.configFile, '{}\n');
    await d.reload();
  };
  let n = 0;
  const wizard = async () => {
    await reset();
    const w = join(dir, `w${++n}`);
    const args = ['apply', '--runtime', 'docker', '--yes', '--image', BUSYBOX_TAG, '--runtime-arg=--network=host', '--docker-host', d.host,
      '--install-dir', join(w, 'bin'), '--state-dir', join(w, 'state'), '--log-dir', join(w, 'log'), '--mirror', server.baseUrl, '--runtime-name', `runsc-w${n}`];
    const r = await runAsync([node, bundle, ...args], { env: d.env });
    if (r.status !== 0 || !/Isolation check: PASS/.test(r.stdout)) throw new Error(`wizard apply failed (${r.status}${r.error ? `: ${r.error.message}` : ''}):\n${r.stdout}\n${r.stderr}`);
    return r.ms;
  };
  const shell = async (file = script) => {
    await reset();
    const w = join(dir, `s${++n}`);
    const r = await runAsync(['bash', file, server.baseUrl, join(w, 'bin'), `runsc-s${n}`, d.configFile, String(d.pid), BUSYBOX_TAG], { env: d.env });
    if (r.status !== 0) throw new Error(`the shell script failed (${r.status}${r.error ? `: ${r.error.message}` : ''}):\n${r.stdout}\n${r.stderr}`);
    return r.ms;
  };
  await shell(); await shell(same); await wizard(); // warm-up: page cache, image layers, runsc's first start
  const wt = [];
  const st = [];
  const sa = [];
  const order = [async () => wt.push(await wizard()), async () => st.push(await shell()), async () => sa.push(await shell(same))];
  for (let i = 0; i < runs; i++) {
    for (let j = 0; j < order.length; j++) await order[(i + j) % order.length]();
  }
  const r = pairedRatio(wt, sa);
  row(figure, ms(median(wt)), `${ms(median(sa))} (shell script, same commands and checks)`, x(r), goal, r <= 1.2);
  row('whole docker path: wizard `apply` vs a shorter script (no checks before or after, one file)', ms(median(wt)), `${ms(median(st))} (shell script)`, x(pairedRatio(wt, st)), 'reported', null);
}

// ---------------------------------------------------------------------------------------------

function printTable() {
  const head = ['figure', 'measured', 'baseline', 'ratio', 'goal', 'result'];
  const body = rows.map((r) => [r.figure, r.measured, r.baseline, r.ratio, r.goal, r.pass === undefined ? `SKIPPED: ${r.why}` : r.pass === null ? 'reported' : r.pass ? 'PASS' : 'FAIL']);
  const out = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...body.map((c) => `| ${c.join(' | ')} |`)];
  process.stdout.write(`\n${out.join('\n')}\n`);
  const env = `node ${process.version}, ${process.arch}, ${(cpuDescription())}`;
  process.stdout.write(`\n${env}\n`);
}
function cpuDescription() {
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const model = /model name\s*:\s*(.*)/.exec(info)?.[1] ?? 'cpu';
    return `${info.split('\n').filter((l) => l.startsWith('processor')).length} × ${model}`;
  } catch {
    return 'unknown cpu';
  }
}

async function mainBench() {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const onlyAt = args.indexOf('--only');
  const only = onlyAt >= 0 ? new Set(args[onlyAt + 1].split(',')) : null;
  const want = (s) => !only || only.has(s);
  for (const f of [bundle, join(dist, 'src', 'cli', 'main.js')]) {
    if (!existsSync(f)) throw new Error(`${f} is missing: run npm run build && node scripts/bundle.mjs first (npm run bench does)`);
  }
  let failed = false;
  const section = async (name, fn) => {
    if (!want(name)) return;
    try {
      await fn();
    } catch (e) {
      failed = true;
      rows.push({ figure: name, measured: '-', baseline: '-', ratio: '-', goal: '-', pass: false });
      process.stderr.write(`bench: ${name} failed: ${e.stack ?? e}\n`);
    }
  };
  try {
    await section('startup', () => startup(quick ? 8 : 30));
    await section('frame', () => firstFrame(quick ? 4 : 10));
    await section('download', () => download(quick ? 3 : 5));
    await section('logpane', () => logPane());
    await section('path', () => wholePath(quick ? 3 : 5));
  } finally {
    await runCleanups();
  }
  printTable();
  if (failed) return 2;
  return rows.some((r) => r.pass === false) ? 1 : 0;
}

if (process.argv[2] === '--log-pane-child') {
  try {
    await logPaneChild(process.argv[3]);
    process.exit(0);
  } catch (e) {
    process.stderr.write(`log pane child: ${e.stack ?? e}\n`);
    process.exit(1);
  }
} else {
  process.exit(await mainBench());
}
