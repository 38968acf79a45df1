// The practice stand-ins' program text, written into DIR/practice when a practice run starts.
// They are not container engines: the "daemon" keeps its containers in memory and answers the
// docker commands the wizard uses in the real output formats, so a student can walk every step
// without a real engine. Every answer that would prove something says it is practice.
//
// Plain CommonJS (DIR/practice/package.json says so), no backticks or template literals: the
// text lives in a String.raw template here. __ROOT__ is replaced by DIR as a JSON string.

/**
 * Shared by the stand-in daemons: what a command prints inside a simulated workload. Only a
 * runsc runtime gets gVisor's (canned, marked) answers; nothing runs anywhere.
 */
const SIMULATE = String.raw`function simulate(sandboxed, main, cmd, id, execNo) {
  const prog = (cmd[0] || '').split('/').pop();
  const res = function (stdout, stderr, code) { return { stdout: stdout || '', stderr: stderr || '', code: code || 0 }; };
  if (prog === 'ps') {
    return res(['PID   USER     TIME  COMMAND', '    1 root      0:00 ' + main.join(' '), '    ' + execNo * 6 + ' root      0:00 ' + cmd.join(' '), ''].join('\n'));
  }
  if (prog === 'dmesg') {
    if (!sandboxed) return res('[    0.000000] Linux version ' + os.release() + ' (practice: the host kernel answers, this runtime is not gVisor)\n');
    return res(['[    0.000000] Starting gVisor... (PRACTICE stand-in: canned text, no sandbox kernel booted)', '[    0.412345] Practice mode: nothing here ran in a sandbox.', '[    0.733456] Ready!', ''].join('\n'));
  }
  if (prog === 'uname') return res((cmd.includes('-r') ? (sandboxed ? '4.4.0' : os.release()) : cmd.includes('-a') ? 'Linux ' + id.slice(0, 12) + ' ' + (sandboxed ? '4.4.0 #1 SMP Sun Jan 10 15:06:54 PST 2016' : os.release()) + ' x86_64 GNU/Linux' : 'Linux') + '\n');
  if (prog === 'echo') return res(cmd.slice(1).join(' ') + '\n');
  if (prog === 'true' || prog === 'sleep') return res('');
  if (prog === 'hostname') return res(id.slice(0, 12) + '\n');
  return res('', 'practice stand-in: "' + cmd.join(' ') + '" is not simulated (ps, dmesg, uname, echo, hostname, true and sleep are)\n', 126);
}
`;

/** `docker`: a thin client; sends its argv to the practice daemon over the socket, prints the answer. */
const DOCKER_CLIENT = String.raw`#!/usr/bin/env node
'use strict';
// gvisor-wizard PRACTICE stand-in for the docker CLI. It only talks to the practice daemon
// below __ROOT_TEXT__ and never to a real docker.
const net = require('net');
const ROOT = __ROOT__;
const argv = process.argv.slice(2);
let host = process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';
for (let i = 0; i < argv.length && argv[i].startsWith('-'); i++) {
  if (argv[i] === '-H' || argv[i] === '--host') { host = argv[i + 1] || ''; i++; }
  else if (argv[i].startsWith('--host=')) host = argv[i].slice(7);
}
const sock = host.replace(/^unix:\/\//, '');
if (!host.startsWith('unix://') || !sock.startsWith(ROOT + '/')) {
  process.stderr.write('practice docker: refusing to talk to ' + host + ': this stand-in only talks to the practice daemon under ' + ROOT + ' (DOCKER_HOST=unix://' + ROOT + '/practice/run/docker.sock)\n');
  process.exit(1);
}
const c = net.connect(sock);
let buf = '';
c.setEncoding('utf8');
c.on('connect', function () { c.end(JSON.stringify({ argv: argv }) + '\n'); });
c.on('data', function (d) { buf += d; });
c.on('end', function () {
  let r;
  try { r = JSON.parse(buf); } catch (e) { process.stderr.write('practice docker: the practice daemon gave no answer\n'); process.exit(1); }
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  process.exitCode = r.code;
});
c.on('error', function () {
  process.stderr.write('Cannot connect to the Docker daemon at ' + host + '. Is the docker daemon running?\n');
  process.exit(1);
});
`;

/** `dockerd`: holds the loaded daemon.json (re-read on SIGHUP), the images and the containers. */
const DOCKERD = String.raw`'use strict';
// gvisor-wizard PRACTICE stand-in for dockerd. Run as
//   DIR/practice/libexec/dockerd DIR/practice/libexec/dockerd.cjs -H unix://SOCK --config-file /etc/docker/daemon.json
// (the first word is a link to node, so the process list shows a dockerd serving SOCK).
// The config file is a machine path below DIR. SIGHUP re-reads it, as the real dockerd does;
// SIGTERM/SIGINT or the end of standard input (the wizard went away) stop it.
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');
const crypto = require('crypto');
const ROOT = __ROOT__;
const args = process.argv.slice(2);
function flag(name, def) {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === name) return args[i + 1];
    if (args[i].startsWith(name + '=')) return args[i].slice(name.length + 1);
  }
  return def;
}
const HOST = flag('-H', 'unix://' + ROOT + '/practice/run/docker.sock');
const SOCK = HOST.replace(/^unix:\/\//, '');
const CONFIG = flag('--config-file', '/etc/docker/daemon.json');
const LOG = path.join(ROOT, 'practice', 'log', 'dockerd.log');
const PIDFILE = path.join(ROOT, 'practice', 'run', 'dockerd.pid');
const VERSION = '20.10.24-practice';
const BUILTIN = { 'io.containerd.runc.v2': { path: 'runc' }, 'io.containerd.runtime.v1.linux': { path: 'runc' }, runc: { path: 'runc' } };

function log(level, msg) {
  try { fs.appendFileSync(LOG, 'time="' + new Date().toISOString() + '" level=' + level + ' msg="' + String(msg).replace(/"/g, '\\"') + '"\n'); } catch (e) { /* no log folder */ }
}

let live = null;
/** Reads DIR + CONFIG like dockerd: a broken file keeps the old settings on reload, stops the start. */
function load(first) {
  let text = null;
  try { text = fs.readFileSync(path.join(ROOT, CONFIG), 'utf8'); } catch (e) { if (e.code !== 'ENOENT') return fail(first, e.message); }
  let conf = {};
  if (text !== null) {
    try { conf = JSON.parse(text); } catch (e) { return fail(first, 'unable to configure the Docker daemon with file ' + CONFIG + ': ' + e.message); }
    if (conf === null || typeof conf !== 'object' || Array.isArray(conf)) return fail(first, 'unable to configure the Docker daemon with file ' + CONFIG + ': the file is not a JSON object');
  }
  const runtimes = {};
  for (const name of Object.keys(conf.runtimes || {})) {
    const r = conf.runtimes[name] || {};
    runtimes[name] = r.runtimeArgs && r.runtimeArgs.length ? { path: r.path, runtimeArgs: r.runtimeArgs } : { path: r.path };
  }
  // Like dockerd's reload: a key that is not in the file leaves the loaded value as it was.
  const keep = !first && live;
  const all = keep && !('runtimes' in conf) ? live.runtimes : Object.assign({}, BUILTIN, runtimes);
  const def = conf['default-runtime'] || (keep ? live.defaultRuntime : 'runc');
  if (!all[def]) return fail(first, 'default runtime ' + def + ' does not exist');
  live = { runtimes: all, defaultRuntime: def };
  log('info', first ? 'Daemon has completed initialization (practice stand-in, runtimes: ' + Object.keys(all).join(', ') + ')' : 'Reloaded configuration from ' + CONFIG + ': runtimes ' + Object.keys(all).join(', ') + ', default ' + def);
  return true;
}
function fail(first, msg) {
  log('error', msg);
  if (first) { process.stderr.write(msg + '\n'); process.exit(1); }
  return false;
}

const images = new Map([['busybox:latest', { Id: 'sha256:' + hash('busybox:latest'), RepoTags: ['busybox:latest'], Size: 4261550 }]]);
const containers = new Map();
function hash(s) { return crypto.createHash('sha256').update(s).digest('hex'); }
function normalTag(ref) { return ref.split('/').pop().includes(':') ? ref.replace(/^docker\.io\/(library\/)?/, '') : ref.replace(/^docker\.io\/(library\/)?/, '') + ':latest'; }
function findContainer(ref) {
  if (!ref) return undefined;
  for (const c of containers.values()) if (c.Name === '/' + ref || c.Name === ref || (ref.length >= 4 && c.Id.startsWith(ref))) return c;
  return undefined;
}

function out(stdout, stderr, code) { return { stdout: stdout || '', stderr: stderr || '', code: code || 0 }; }

/** The subset of Go templates the wizard uses: {{json .}}, {{json .A.B}}, {{.A.B}}. */
function render(format, data) {
  return format.replace(/\{\{\s*(json\s+)?\.([A-Za-z0-9_.]*)\s*\}\}/g, function (_m, json, p) {
    let v = data;
    for (const k of p.split('.').filter(Boolean)) v = v == null ? undefined : v[k];
    if (json) return JSON.stringify(v === undefined ? null : v);
    if (v === undefined || v === null) return '<no value>';
    return typeof v === 'object' ? JSON.stringify(v) : String(v);
  }) + '\n';
}

__TAKE_OPTS__

function infoData() {
  const running = [...containers.values()].filter(function (c) { return c.State.Running; }).length;
  return {
    ID: 'PRACTICE', Containers: containers.size, ContainersRunning: running, ContainersPaused: 0, ContainersStopped: containers.size - running,
    Images: images.size, Driver: 'practice', DockerRootDir: ROOT + '/practice/docker-root', CgroupDriver: 'cgroupfs', CgroupVersion: '2',
    KernelVersion: os.release(), OperatingSystem: 'gvisor-wizard practice stand-in (no real engine)', OSType: 'linux', Architecture: os.arch() === 'arm64' ? 'aarch64' : 'x86_64',
    Name: os.hostname(), ServerVersion: VERSION, Runtimes: live.runtimes, DefaultRuntime: live.defaultRuntime, Warnings: ['PRACTICE: this is a stand-in daemon; containers do not really run'],
  };
}

function infoText() {
  const d = infoData();
  return ['Client:', ' Context:    default', ' Debug Mode: false', '', 'Server:', ' Containers: ' + d.Containers, '  Running: ' + d.ContainersRunning, ' Images: ' + d.Images,
    ' Server Version: ' + d.ServerVersion, ' Runtimes: ' + Object.keys(d.Runtimes).join(' '), ' Default Runtime: ' + d.DefaultRuntime,
    ' Kernel Version: ' + d.KernelVersion, ' Operating System: ' + d.OperatingSystem, ' Docker Root Dir: ' + d.DockerRootDir, '', 'WARNING: ' + d.Warnings[0], ''].join('\n');
}

/** What a command prints inside a container. gVisor's answers only when the runtime is a runsc. */
function inside(c, cmd) {
  c.execs += 1;
  return simulate(/(^|\/)runsc[^/]*$/.test(c.RuntimePath || ''), c.Config.Cmd, cmd, c.Id, c.execs);
}

__SIMULATE__
function runtimeProblem(name) {
  const r = live.runtimes[name];
  if (!r) return { msg: 'docker: Error response from daemon: unknown or invalid runtime name: ' + name + '.\nSee \'docker run --help\'.\n', code: 125 };
  if (r.path === 'runc') return undefined;
  const real = path.join(ROOT, r.path);
  try { fs.accessSync(real, fs.constants.X_OK); } catch (e) {
    return { msg: 'docker: Error response from daemon: failed to create shim task: OCI runtime create failed: fork/exec ' + r.path + ': no such file or directory: unknown.\n', code: 127, created: true };
  }
  return undefined;
}

const commands = {
  info(a) {
    const o = takeOpts(a, ['--format', '-f']);
    const f = (o['--format'] || o['-f'] || [])[0];
    return out(f ? render(f, infoData()) : infoText());
  },
  version(a) {
    const o = takeOpts(a, ['--format', '-f']);
    const f = (o['--format'] || o['-f'] || [])[0];
    const d = { Client: { Version: VERSION, ApiVersion: '1.41' }, Server: { Version: VERSION, ApiVersion: '1.41', Os: 'linux', Arch: os.arch() } };
    return out(f ? render(f, d) : 'Client:\n Version: ' + VERSION + '\n\nServer: (gvisor-wizard practice stand-in)\n Engine:\n  Version: ' + VERSION + '\n');
  },
  image(a) {
    if (a[0] === 'inspect') return inspectImages(a.slice(1));
    if (a[0] === 'ls' || a[0] === 'list') return commands.images(a.slice(1));
    if (a[0] === 'pull') return commands.pull(a.slice(1));
    return unknown(['image'].concat(a));
  },
  images() {
    const rows = ['REPOSITORY   TAG       IMAGE ID       SIZE'];
    for (const [tag, i] of images) rows.push(tag.split(':')[0] + '   ' + tag.split(':')[1] + '   ' + i.Id.slice(7, 19) + '   ' + (i.Size / 1e6).toFixed(2) + 'MB');
    return out(rows.join('\n') + '\n');
  },
  pull(a) {
    const ref = takeOpts(a, [])._[0];
    if (!ref) return out('', '"docker pull" requires exactly 1 argument.\n', 1);
    const tag = normalTag(ref);
    images.set(tag, { Id: 'sha256:' + hash(tag), RepoTags: [tag], Size: 4261550 });
    return out(tag.split(':')[1] + ': Pulling from ' + tag.split(':')[0] + ' (PRACTICE: nothing was downloaded)\nStatus: Downloaded newer image for ' + tag + '\ndocker.io/library/' + tag + '\n');
  },
  ps(a) {
    const o = takeOpts(a, ['--filter', '-f', '--format']);
    const filters = (o['--filter'] || []).concat(o['-f'] || []);
    let list = [...containers.values()].filter(function (c) { return o['-a'] || o['--all'] || c.State.Running; });
    for (const f of filters) {
      const m = /^label=([^=]+)(?:=(.*))?$/.exec(f);
      if (m) list = list.filter(function (c) { return m[1] in c.Config.Labels && (m[2] === undefined || c.Config.Labels[m[1]] === m[2]); });
      const n = /^name=(.*)$/.exec(f);
      if (n) list = list.filter(function (c) { return c.Name.includes(n[1]); });
    }
    if (o['-q'] || o['--quiet']) return out(list.map(function (c) { return c.Id.slice(0, 12) + '\n'; }).join(''));
    const rows = ['CONTAINER ID   IMAGE     COMMAND   STATUS    NAMES'];
    for (const c of list) rows.push(c.Id.slice(0, 12) + '   ' + c.Config.Image + '   "' + c.Config.Cmd.join(' ') + '"   ' + (c.State.Running ? 'Up (practice)' : 'Created') + '   ' + c.Name.slice(1));
    return out(rows.join('\n') + '\n');
  },
  run(a) {
    const o = takeOpts(a, ['--name', '--label', '-l', '--runtime', '-e', '--env', '--network', '--net', '-v', '--volume', '-w', '--workdir', '--entrypoint', '-u', '--user']);
    const image = o._[0];
    if (!image) return out('', '"docker run" requires at least 1 argument.\n', 125);
    const name = (o['--name'] || [])[0] || 'practice_' + crypto.randomBytes(3).toString('hex');
    const other = findContainer(name);
    if (other) return out('', 'docker: Error response from daemon: Conflict. The container name "/' + name + '" is already in use by container "' + other.Id + '". You have to remove (or rename) that container to be able to reuse that name.\n', 125);
    const runtime = (o['--runtime'] || [])[0] || live.defaultRuntime;
    const problem = runtimeProblem(runtime);
    if (problem && !problem.created) return out('', problem.msg, problem.code);
    let pulled = '';
    const tag = normalTag(image);
    if (!images.has(tag)) { commands.pull([image]); pulled = 'Unable to find image \'' + image + '\' locally (PRACTICE: pretend-pulled)\n'; }
    const labels = {};
    for (const l of (o['--label'] || []).concat(o['-l'] || [])) { const i = l.indexOf('='); labels[i < 0 ? l : l.slice(0, i)] = i < 0 ? '' : l.slice(i + 1); }
    const id = crypto.randomBytes(32).toString('hex');
    const c = {
      Id: id, Name: '/' + name, Created: new Date().toISOString(), execs: 0,
      State: { Status: problem ? 'created' : 'running', Running: !problem, Pid: 0, ExitCode: problem ? 127 : 0 },
      HostConfig: { Runtime: runtime }, RuntimePath: live.runtimes[runtime].path,
      Config: { Image: image, Labels: labels, Cmd: o._.slice(1) },
    };
    containers.set(id, c);
    if (problem) return out(o['-d'] || o['--detach'] ? id + '\n' : '', pulled + problem.msg, problem.code);
    if (o['-d'] || o['--detach']) return out(id + '\n', pulled);
    const r = inside(c, c.Config.Cmd);
    c.State.Running = false; c.State.Status = 'exited';
    if (o['--rm']) containers.delete(id);
    return out(r.stdout, pulled + r.stderr, r.code);
  },
  exec(a) {
    const o = takeOpts(a, ['-e', '--env', '-u', '--user', '-w', '--workdir']);
    const c = findContainer(o._[0]);
    if (!c) return out('', 'Error: No such container: ' + o._[0] + '\n', 1);
    if (!c.State.Running) return out('', 'Error response from daemon: Container ' + c.Id + ' is not running\n', 1);
    return inside(c, o._.slice(1));
  },
  inspect(a) {
    const o = takeOpts(a, ['--format', '-f', '--type']);
    const f = (o['--format'] || o['-f'] || [])[0];
    const found = [];
    let err = '';
    for (const ref of o._) {
      const c = findContainer(ref);
      if (c) found.push(publicView(c));
      else if (images.has(normalTag(ref))) found.push(images.get(normalTag(ref)));
      else err += 'Error: No such object: ' + ref + '\n';
    }
    const text = f ? found.map(function (x) { return render(f, x); }).join('') : JSON.stringify(found, null, 4) + '\n';
    return out(text, err, err ? 1 : 0);
  },
  rm(a) {
    const o = takeOpts(a, []);
    let stdout = '';
    let err = '';
    for (const ref of o._) {
      const c = findContainer(ref);
      if (!c) { err += 'Error: No such container: ' + ref + '\n'; continue; }
      if (c.State.Running && !(o['-f'] || o['--force'])) { err += 'Error response from daemon: You cannot remove a running container ' + c.Id + '. Stop the container before attempting removal or force remove\n'; continue; }
      containers.delete(c.Id);
      stdout += ref + '\n';
    }
    return out(stdout, err, err ? 1 : 0);
  },
  stop(a) { return stopOrKill(a); },
  kill(a) { return stopOrKill(a); },
};

function stopOrKill(a) {
  const o = takeOpts(a, ['-t', '--time', '-s', '--signal']);
  let stdout = '';
  let err = '';
  for (const ref of o._) {
    const c = findContainer(ref);
    if (!c) { err += 'Error response from daemon: No such container: ' + ref + '\n'; continue; }
    c.State.Running = false; c.State.Status = 'exited'; c.State.ExitCode = 137;
    stdout += ref + '\n';
  }
  return out(stdout, err, err ? 1 : 0);
}

function inspectImages(a) {
  const o = takeOpts(a, ['--format', '-f']);
  const f = (o['--format'] || o['-f'] || [])[0];
  const found = [];
  let err = '';
  for (const ref of o._) {
    const i = images.get(normalTag(ref));
    if (i) found.push(i); else err += 'Error: No such image: ' + ref + '\n';
  }
  return out(f ? found.map(function (x) { return render(f, x); }).join('') : JSON.stringify(found, null, 4) + '\n', err, err ? 1 : 0);
}

function publicView(c) {
  return { Id: c.Id, Name: c.Name, Created: c.Created, State: c.State, HostConfig: c.HostConfig, Config: c.Config, Image: 'sha256:' + hash(normalTag(c.Config.Image)) };
}

function unknown(a) {
  return out('', 'practice stand-in: "docker ' + a.join(' ') + '" is not simulated (info, version, ps, images, image inspect, pull, run, exec, inspect, rm, stop and kill are)\n', 1);
}

function answer(argv) {
  let i = 0;
  while (i < argv.length && argv[i].startsWith('-')) i += argv[i] === '-H' || argv[i] === '--host' || argv[i] === '--context' || argv[i] === '-c' ? 2 : 1;
  const cmd = argv[i];
  const rest = argv.slice(i + 1);
  if (cmd === 'container' && commands[rest[0]]) return commands[rest[0]](rest.slice(1));
  if (!cmd) return out('Usage:  docker [OPTIONS] COMMAND (gvisor-wizard practice stand-in)\n');
  return Object.prototype.hasOwnProperty.call(commands, cmd) ? commands[cmd](rest) : unknown(argv.slice(i));
}

load(true);
try { fs.unlinkSync(SOCK); } catch (e) { /* none left */ }
const server = net.createServer(function (conn) {
  let buf = '';
  conn.setEncoding('utf8');
  conn.on('data', function (d) {
    buf += d;
    const nl = buf.indexOf('\n');
    if (nl < 0) return;
    let r;
    try { r = answer(JSON.parse(buf.slice(0, nl)).argv || []); } catch (e) { r = out('', 'practice dockerd: ' + e.message + '\n', 1); }
    conn.end(JSON.stringify(r));
  });
  conn.on('error', function () { /* client went away */ });
});
function stop() {
  log('info', 'Daemon shutdown (practice stand-in)');
  server.close();
  try { fs.unlinkSync(SOCK); } catch (e) { /* gone */ }
  try { if (fs.readFileSync(PIDFILE, 'utf8').trim() === String(process.pid)) fs.unlinkSync(PIDFILE); } catch (e) { /* gone */ }
  process.exit(0);
}
process.on('SIGHUP', function () { log('info', 'Got signal to reload configuration, reloading from: ' + CONFIG); load(false); });
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// The wizard holds our standard input: when it ends (the wizard exited or was killed), stop.
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
server.listen(SOCK, function () {
  fs.writeFileSync(PIDFILE, process.pid + '\n');
  log('info', 'API listen on ' + SOCK);
  process.stdout.write('ready\n');
});
`;

/** The stand-ins' option parser: `{ _: the words after the options, name: [values] or true }`; `-abc` is -a -b -c. */
const TAKE_OPTS = String.raw`function takeOpts(list, withValue) {
  const opts = { _: [] };
  let i = 0;
  for (; i < list.length; i++) {
    const a = list[i];
    if (!a.startsWith('-') || a === '-') break;
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(0, eq) : a;
    if (withValue.includes(name)) {
      const value = eq > 0 ? a.slice(eq + 1) : list[++i];
      (opts[name] = opts[name] || []).push(value);
    } else {
      for (const f of (name.startsWith('--') ? [name] : name.slice(1).split('').map(function (x) { return '-' + x; }))) opts[f] = true;
    }
  }
  opts._ = list.slice(i);
  return opts;
}
`;

/** A stand-in's program text for DIR: __ROOT__ as a JSON string, __ROOT_TEXT__ as text, shared fragments in. */
export function fill(source: string, root: string, more: Record<string, string> = {}): string {
  let out = source.replace(/__SIMULATE__/g, () => SIMULATE).replace(/__TAKE_OPTS__/g, () => TAKE_OPTS);
  for (const [k, v] of Object.entries(more)) out = out.split(k).join(v);
  return out.replace(/__ROOT__/g, () => JSON.stringify(root)).replace(/__ROOT_TEXT__/g, () => root);
}

export function dockerClientSource(root: string): string {
  return fill(DOCKER_CLIENT, root);
}

export function dockerdSource(root: string): string {
  return fill(DOCKERD, root);
}
