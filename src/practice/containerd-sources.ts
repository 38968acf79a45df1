// The containerd path's practice stand-ins, written into DIR/practice when a practice run starts:
// `containerd` (the CLI for --version, config default and config dump, and the daemon), `ctr`,
// and a `systemctl`/`journalctl` that manage only that daemon. Like the docker stand-ins they
// keep containers in memory and answer in the real formats; nothing runs in a sandbox.
//
// Plain CommonJS, no backticks (the text lives in String.raw templates). Placeholders:
// __ROOT__ (DIR as a JSON string), __TOML__ (the path of @iarna/toml as a JSON string),
// __DEFAULT_CONFIG__ (the default config text as a JSON string), __SIMULATE__ (shared).

import { fill } from './standin-sources.js';

/** The containerd version the stand-in reports (Debian 12's, so version-dependent choices match a worker). */
export const PRACTICE_CONTAINERD_VERSION = '1.6.20-practice';

/** A shortened `containerd config default` of containerd 1.6 (version 2 schema). */
export const PRACTICE_DEFAULT_CONFIG = `# gvisor-wizard PRACTICE stand-in: a shortened \`containerd config default\` of containerd 1.6
disabled_plugins = []
imports = []
oom_score = 0
required_plugins = []
root = "/var/lib/containerd"
state = "/run/containerd"
version = 2

[grpc]
  address = "/run/containerd/containerd.sock"
  gid = 0
  uid = 0

[plugins]

  [plugins."io.containerd.grpc.v1.cri"]
    sandbox_image = "registry.k8s.io/pause:3.6"
    systemd_cgroup = false

    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "/opt/cni/bin"
      conf_dir = "/etc/cni/net.d"

    [plugins."io.containerd.grpc.v1.cri".containerd]
      default_runtime_name = "runc"
      snapshotter = "overlayfs"

      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes]

        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
          runtime_type = "io.containerd.runc.v2"

          [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
            BinaryName = ""
            SystemdCgroup = false

    [plugins."io.containerd.grpc.v1.cri".registry]
      config_path = ""

      [plugins."io.containerd.grpc.v1.cri".registry.mirrors]

  [plugins."io.containerd.runtime.v2.task"]
    platforms = ["linux/amd64"]
`;

/** Sends one request to the practice containerd and prints its answer (ctr and systemctl). */
const CALL = String.raw`function call(sock, request, onNoDaemon) {
  const c = net.connect(sock);
  let buf = '';
  c.setEncoding('utf8');
  c.on('connect', function () { c.end(JSON.stringify(request) + '\n'); });
  c.on('data', function (d) { buf += d; });
  c.on('end', function () {
    let r;
    try { r = JSON.parse(buf); } catch (e) { process.stderr.write('practice: the practice containerd gave no answer\n'); process.exit(1); }
    process.stdout.write(r.stdout);
    process.stderr.write(r.stderr);
    process.exitCode = r.code;
  });
  c.on('error', onNoDaemon);
}
`;

/** `ctr`: a thin client of the practice containerd; refuses any other socket. */
const CTR = String.raw`#!/usr/bin/env node
'use strict';
// gvisor-wizard PRACTICE stand-in for ctr. It only talks to the practice containerd
// below __ROOT_TEXT__ and never to a real one.
const net = require('net');
const ROOT = __ROOT__;
__CALL__
const argv = process.argv.slice(2);
let address = process.env.CONTAINERD_ADDRESS || '/run/containerd/containerd.sock';
let namespace = process.env.CONTAINERD_NAMESPACE || 'default';
let i = 0;
for (; i < argv.length && argv[i].startsWith('-'); i++) {
  const a = argv[i];
  const eq = a.indexOf('=');
  const name = eq > 0 ? a.slice(0, eq) : a;
  if (['--address', '-a', '--namespace', '-n', '--connect-timeout', '--timeout'].includes(name)) {
    const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
    if (name === '--address' || name === '-a') address = v;
    if (name === '--namespace' || name === '-n') namespace = v;
  }
}
const sock = address.replace(/^unix:\/\//, '');
if (!sock.startsWith(ROOT + '/')) {
  process.stderr.write('practice ctr: refusing to talk to ' + address + ': this stand-in only talks to the practice containerd under ' + ROOT + ' (--address ' + ROOT + '/practice/run/containerd.sock)\n');
  process.exit(1);
}
call(sock, { argv: argv.slice(i), namespace: namespace }, function () {
  process.stderr.write('ctr: failed to dial "' + sock + '": connection error: desc = "transport: error while dialing: dial unix://' + sock + ': connect: no such file or directory"\n');
  process.exit(1);
});
`;

/** `containerd`: --version, config default, config dump, and (without a command) the daemon. */
const CONTAINERD = String.raw`'use strict';
// gvisor-wizard PRACTICE stand-in for containerd. The daemon runs as
//   DIR/practice/bin/containerd DIR/practice/libexec/containerd.cjs --config /etc/containerd/config.toml --address SOCK
// (argv0 is the stand-in CLI, so the process list shows a containerd serving SOCK). Machine
// paths (/etc/...) are read below DIR; paths already below DIR are used as they are.
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');
const crypto = require('crypto');
const childProcess = require('child_process');
const TOML = require(__TOML__);
const ROOT = __ROOT__;
const VERSION = __VERSION__;
const DEFAULT_CONFIG = __DEFAULT_CONFIG__;
const LOG = path.join(ROOT, 'practice', 'log', 'containerd.log');
const PIDFILE = path.join(ROOT, 'practice', 'run', 'containerd.pid');

const args = process.argv.slice(2);
let CONFIG = '/etc/containerd/config.toml';
let ADDRESS = '';
let rest = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  const eq = a.indexOf('=');
  const name = a.startsWith('-') && eq > 0 ? a.slice(0, eq) : a;
  const value = function () { return eq > 0 && a.startsWith('-') ? a.slice(eq + 1) : args[++i]; };
  if (name === '--config' || name === '-c') CONFIG = value();
  else if (name === '--address' || name === '-a') ADDRESS = value();
  else if (name === '--log-level' || name === '-l' || name === '--root' || name === '--state') value();
  else rest = rest.concat(a);
}

function machinePath(p) { return p === ROOT || p.startsWith(ROOT + '/') ? p : path.join(ROOT, p); }
function isObject(v) { return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date); }
function deepMerge(base, over) {
  const out = Object.assign({}, base);
  for (const k of Object.keys(over)) out[k] = isObject(base[k]) && isObject(over[k]) ? deepMerge(base[k], over[k]) : over[k];
  return out;
}

/** One file as containerd 1.6 reads it: missing is empty, version 1 names mapped, version 3 refused. */
function readOne(file) {
  let text;
  try { text = fs.readFileSync(machinePath(file), 'utf8'); } catch (e) {
    if (e.code === 'ENOENT') return {};
    throw new Error('failed to load TOML from ' + file + ': ' + e.message);
  }
  let conf;
  try { conf = TOML.parse(text.replace(/^\uFEFF/, '').replace(/\r\n/g, '\n')); } catch (e) { throw new Error('failed to load TOML from ' + file + ': ' + String(e.message).split('\n')[0]); }
  const version = conf.version === undefined ? 1 : conf.version;
  if (version > 2) throw new Error('failed to load TOML from ' + file + ': unsupported config version ' + version);
  if (version === 1 && isObject(conf.plugins)) {
    // Version 1 used short plugin names; containerd 1.6 maps the CRI plugin's to its full name.
    const plugins = {};
    for (const k of Object.keys(conf.plugins)) plugins[k === 'cri' ? 'io.containerd.grpc.v1.cri' : k] = conf.plugins[k];
    conf.plugins = plugins;
  }
  return conf;
}

/** imports: absolute or relative to the file; a * in the last part is a glob. */
function importsOf(file, conf) {
  const out = [];
  for (const imp of Array.isArray(conf.imports) ? conf.imports : []) {
    const p = path.isAbsolute(imp) ? imp : path.join(path.dirname(file), imp);
    if (!path.basename(p).includes('*')) { out.push(p); continue; }
    const re = new RegExp('^' + path.basename(p).split('*').map(function (s) { return s.replace(/[.+?^$()|[\]\\{}]/g, '\\$&'); }).join('.*') + '$');
    let names = [];
    try { names = fs.readdirSync(machinePath(path.dirname(p))).sort(); } catch (e) { /* no folder: nothing imported */ }
    for (const n of names) if (re.test(n)) out.push(path.join(path.dirname(p), n));
  }
  return out;
}

/**
 * The effective config: defaults, the file, then its imports. As in containerd < 2.0, an
 * imported file's plugin section replaces that plugin's whole section from the main file.
 */
function effectiveConfig(file) {
  let conf = readOne(file);
  for (const imp of importsOf(file, conf)) {
    const extra = readOne(imp);
    const plugins = Object.assign({}, conf.plugins || {}, extra.plugins || {});
    conf = Object.assign({}, conf, extra, { plugins: plugins, imports: conf.imports });
  }
  const all = deepMerge(TOML.parse(DEFAULT_CONFIG), conf);
  for (const d of all.disabled_plugins || []) {
    for (const id of Object.keys(all.plugins || {})) if (id === d || id.split('.').pop() === d) delete all.plugins[id];
  }
  all.version = 2;
  return all;
}

function cli() {
  if (rest.includes('--version') || rest.includes('-v')) {
    process.stdout.write('containerd github.com/containerd/containerd ' + VERSION + ' (gvisor-wizard practice stand-in)\n');
    return 0;
  }
  if (rest[0] === 'config' && rest[1] === 'default') { process.stdout.write(DEFAULT_CONFIG); return 0; }
  if (rest[0] === 'config' && rest[1] === 'dump') {
    try { process.stdout.write(TOML.stringify(effectiveConfig(CONFIG))); return 0; } catch (e) { process.stderr.write('containerd: ' + e.message + '\n'); return 1; }
  }
  process.stderr.write('practice containerd: "' + rest.join(' ') + '" is not simulated (--version, config default, config dump, and the daemon without a command are)\n');
  return 1;
}

if (rest.length) process.exit(cli());
__DAEMON__
`;

/** The daemon part of the containerd stand-in (runs when containerd is given no command). */
const DAEMON = String.raw`
const SOCK = (ADDRESS || '/run/containerd/containerd.sock').replace(/^unix:\/\//, '');
if (!SOCK.startsWith(ROOT + '/')) { process.stderr.write('practice containerd: serves only below ' + ROOT + ' (pass --address)\n'); process.exit(1); }

function log(level, msg) {
  try { fs.appendFileSync(LOG, 'time="' + new Date().toISOString() + '" level=' + level + ' msg="' + String(msg).replace(/"/g, '\\"') + '"\n'); } catch (e) { /* no log folder */ }
}

let config;
try { config = effectiveConfig(CONFIG); } catch (e) {
  log('fatal', e.message);
  process.stderr.write('containerd: ' + e.message + '\n');
  process.exit(1);
}
const PLUGINS = [['io.containerd.content.v1', 'content'], ['io.containerd.snapshotter.v1', 'overlayfs'], ['io.containerd.metadata.v1', 'bolt'],
  ['io.containerd.runtime.v2', 'task'], ['io.containerd.grpc.v1', 'cri'], ['io.containerd.grpc.v1', 'tasks'], ['io.containerd.grpc.v1', 'containers']];

__SIMULATE__

function out(stdout, stderr, code) { return { stdout: stdout || '', stderr: stderr || '', code: code || 0 }; }
function ctrError(msg) { return out('', 'ctr: ' + msg + '\n', 1); }

const spaces = new Map();
function space(ns) {
  if (!spaces.has(ns)) spaces.set(ns, { images: new Map(), containers: new Map() });
  return spaces.get(ns);
}
space('default').images.set('docker.io/library/busybox:latest', { digest: 'sha256:' + hash('busybox'), size: 2220000 });
function hash(s) { return crypto.createHash('sha256').update(s).digest('hex'); }

__TAKE_OPTS__

function table(rows) {
  const widths = rows[0].map(function (_c, j) { return Math.max.apply(null, rows.map(function (r) { return String(r[j]).length; })) + 4; });
  return rows.map(function (r) { return r.map(function (c, j) { return j === r.length - 1 ? String(c) : String(c).padEnd(widths[j]); }).join(''); }).join('\n') + '\n';
}

/** labels."k"==v and labels.k==v filters. */
function matches(c, filters) {
  return filters.every(function (f) {
    const m = /^labels\.(?:"([^"]+)"|([^=!]+))(?:==(.*))?$/.exec(f);
    if (!m) return true;
    const key = m[1] || m[2];
    return key in c.labels && (m[3] === undefined || c.labels[key] === m[3]);
  });
}

/** Whether a runtime can start here and whether it is a runsc; a real start needs its binaries below DIR. */
function runtimeOf(type, runcBinary) {
  const servicePath = (process.env.PATH || '').split(':').filter(Boolean);
  const executable = function (p) { try { fs.accessSync(machinePath(p), fs.constants.X_OK); return fs.statSync(machinePath(p)).isFile(); } catch (e) { return false; } };
  if (type === 'io.containerd.runc.v2' || type === 'io.containerd.runc.v1') {
    if (!runcBinary) return { sandboxed: false };
    if (!executable(runcBinary)) return { error: 'failed to create shim task: OCI runtime create failed: unable to retrieve OCI runtime error: exec: "' + runcBinary + '": stat ' + runcBinary + ': no such file or directory: unknown' };
    const text = fs.readFileSync(machinePath(runcBinary), 'latin1');
    if (!text.startsWith('#!')) return { sandboxed: /(^|\/)runsc[^/]*$/.test(runcBinary) };
    // A script, like the wizard's wrapper that execs runsc with its flags: what does it exec?
    const target = /exec\s+'([^']+)'/.exec(text);
    if (!target) return { sandboxed: false };
    if (!executable(target[1])) return { error: 'failed to create shim task: OCI runtime create failed: ' + runcBinary + ': exec: ' + target[1] + ': not found: unknown' };
    return { sandboxed: /(^|\/)runsc[^/]*$/.test(target[1]) };
  }
  const shim = 'containerd-shim-' + type.split('.').slice(-2).join('-');
  if (!servicePath.some(function (d) { return executable(path.join(d, shim)); })) {
    return { error: 'failed to start shim: failed to resolve runtime path: runtime "' + type + '" binary not installed "' + shim + '": file does not exist: unknown' };
  }
  return { sandboxed: type === 'io.containerd.runsc.v1' };
}

const commands = {
  version() {
    return out(['Client:', '  Version:  ' + VERSION, '  Revision: practice', '', 'Server:', '  Version:  ' + VERSION, '  Revision: practice', '  UUID: practice-' + hash(ROOT).slice(0, 8), ''].join('\n'));
  },
  plugins(a) {
    if (!['ls', 'list'].includes(a[0])) return unknown(['plugins'].concat(a));
    const rows = [['TYPE', 'ID', 'PLATFORMS', 'STATUS']];
    for (const p of PLUGINS) {
      const off = (config.disabled_plugins || []).some(function (d) { return d === p[1] || d === p[0] + '.' + p[1]; });
      if (!off) rows.push([p[0], p[1], p[0].includes('runtime') ? 'linux/amd64' : '-', 'ok']);
    }
    return out(table(rows));
  },
  namespaces(a) {
    if (!['ls', 'list'].includes(a[0])) return unknown(['namespaces'].concat(a));
    const names = [...spaces.keys()].sort();
    return out(a.includes('-q') || a.includes('--quiet') ? names.map(function (n) { return n + '\n'; }).join('') : table([['NAME', 'LABELS']].concat(names.map(function (n) { return [n, '']; }))));
  },
  images(a, ns) {
    const s = space(ns);
    if (['ls', 'list'].includes(a[0])) {
      const refs = [...s.images.keys()].sort();
      if (a.includes('-q') || a.includes('--quiet')) return out(refs.map(function (r) { return r + '\n'; }).join(''));
      return out(table([['REF', 'TYPE', 'DIGEST', 'SIZE', 'PLATFORMS', 'LABELS']].concat(refs.map(function (r) { const i = s.images.get(r); return [r, 'application/vnd.docker.distribution.manifest.list.v2+json', i.digest, (i.size / 1e6).toFixed(1) + ' MiB', 'linux/amd64', '-']; }))));
    }
    if (a[0] === 'pull') {
      const ref = takeOpts(a.slice(1), ['--platform', '--user', '-u'])._[0];
      if (!ref) return ctrError('please provide an image reference to pull');
      s.images.set(ref, { digest: 'sha256:' + hash(ref), size: 2220000 });
      return out(ref + ': resolved (PRACTICE: nothing was downloaded)\nunpacking linux/amd64 sha256:' + hash(ref) + '...\ndone\n');
    }
    return unknown(['images'].concat(a));
  },
  containers(a, ns) {
    const s = space(ns);
    const verb = a[0];
    const o = takeOpts(a.slice(1), []);
    if (['ls', 'list'].includes(verb)) {
      const list = [...s.containers.values()].filter(function (c) { return matches(c, o._); });
      if (o['-q'] || o['--quiet']) return out(list.map(function (c) { return c.id + '\n'; }).join(''));
      return out(table([['CONTAINER', 'IMAGE', 'RUNTIME']].concat(list.map(function (c) { return [c.id, c.image, c.runtime]; }))));
    }
    if (verb === 'info') {
      const c = s.containers.get(o._[0]);
      if (!c) return ctrError('container "' + o._[0] + '" in namespace "' + ns + '": not found');
      const options = c.runcBinary ? { BinaryName: c.runcBinary } : c.configPath ? { ConfigPath: c.configPath } : {};
      return out(JSON.stringify({ ID: c.id, Labels: c.labels, Image: c.image, Runtime: { Name: c.runtime, Options: options }, SnapshotKey: c.id, Snapshotter: 'overlayfs', CreatedAt: c.created, UpdatedAt: c.created, Extensions: null, Practice: 'stand-in: nothing runs' }, null, 4) + '\n');
    }
    if (['rm', 'delete', 'del', 'remove'].includes(verb)) {
      let err = '';
      for (const id of o._) {
        const c = s.containers.get(id);
        if (!c) err += 'ERRO[0000] failed to delete container "' + id + '" error="container \\"' + id + '\\" in namespace \\"' + ns + '\\": not found"\n';
        else if (c.task) err += 'ERRO[0000] failed to delete container "' + id + '" error="cannot delete a non stopped container: {' + c.task.status.toLowerCase() + ' 0 0001-01-01 00:00:00 +0000 UTC}"\n';
        else s.containers.delete(id);
      }
      return out('', err, err ? 1 : 0);
    }
    return unknown(['containers'].concat(a));
  },
  run(a, ns) {
    const s = space(ns);
    const o = takeOpts(a, ['--label', '--runtime', '--runc-binary', '--runtime-config-path', '--env', '--mount', '--snapshotter', '--cwd', '--user', '-u', '--hostname', '--annotation', '--platform', '--cni', '--seccomp-profile', '--memory-limit', '--cpus', '--log-uri', '--with-ns', '--pid-file', '--runtime-root', '--sandbox']);
    const image = o._[0];
    const id = o._[1];
    if (!image || !id) return ctrError('image ref and container id must be provided');
    if (!s.images.has(image)) return ctrError('image "' + image + '": not found');
    if (s.containers.has(id)) return ctrError('container "' + id + '": already exists');
    const type = (o['--runtime'] || [])[0] || 'io.containerd.runc.v2';
    const rt = runtimeOf(type, (o['--runc-binary'] || [])[0]);
    const labels = {};
    for (const l of o['--label'] || []) { const i = l.indexOf('='); labels[i < 0 ? l : l.slice(0, i)] = i < 0 ? '' : l.slice(i + 1); }
    const c = { id: id, image: image, labels: labels, runtime: type, runcBinary: (o['--runc-binary'] || [])[0], configPath: (o['--runtime-config-path'] || [])[0], created: new Date().toISOString(), cmd: o._.slice(2), sandboxed: Boolean(rt.sandboxed), execs: 0 };
    s.containers.set(id, c);
    if (rt.error) return ctrError(rt.error);
    c.task = { status: 'RUNNING' };
    log('info', 'practice: started ' + ns + '/' + id + ' with ' + type + (c.runcBinary ? ' (' + c.runcBinary + ')' : '') + ': simulated, nothing runs');
    if (o['-d'] || o['--detach']) return out('');
    const r = simulate(c.sandboxed, c.cmd, c.cmd, id, 0);
    c.task.status = 'STOPPED';
    if (o['--rm']) s.containers.delete(id);
    return r;
  },
  task(a, ns) {
    const s = space(ns);
    const verb = a[0];
    if (['ls', 'list'].includes(verb)) {
      const rows = [['TASK', 'PID', 'STATUS']];
      for (const c of s.containers.values()) if (c.task) rows.push([c.id, 0, c.task.status]);
      return out(table(rows));
    }
    const o = takeOpts(a.slice(1), ['--exec-id', '-s', '--signal', '--cwd', '--user', '-u', '--env']);
    const c = s.containers.get(o._[0]);
    if (!c) return ctrError('container "' + o._[0] + '" in namespace "' + ns + '": not found');
    if (verb === 'exec') {
      if (!o['--exec-id']) return ctrError('exec-id must be provided');
      if (!c.task || c.task.status !== 'RUNNING') return ctrError('cannot exec in a stopped state: unknown');
      c.execs += 1;
      return simulate(c.sandboxed, c.cmd, o._.slice(1), c.id, c.execs);
    }
    if (verb === 'kill') {
      if (!c.task) return ctrError('no running task found: task ' + c.id + ' not found: not found');
      c.task.status = 'STOPPED';
      return out('');
    }
    if (['rm', 'delete', 'del', 'remove'].includes(verb)) {
      if (!c.task) return ctrError('no running task found: task ' + c.id + ' not found: not found');
      if (c.task.status === 'RUNNING' && !o['-f'] && !o['--force']) return ctrError('task must be stopped before deletion: running: failed precondition');
      delete c.task;
      return out('');
    }
    return unknown(['task'].concat(a));
  },
};
commands.container = commands.containers;
commands.c = commands.containers;
commands.image = commands.images;
commands.i = commands.images;
commands.tasks = commands.task;
commands.t = commands.task;
commands.plugin = commands.plugins;
commands.namespace = commands.namespaces;
commands.ns = commands.namespaces;

function unknown(a) {
  return out('', 'practice ctr: "' + a.join(' ') + '" is not simulated (version, plugins ls, namespaces ls, images ls/pull, containers ls/info/rm, run, task ls/exec/kill/rm are)\n', 1);
}

function answer(req) {
  if (req.control) return out('', 'internal: control request ' + req.control + ' handled elsewhere\n', 1);
  const argv = req.argv || [];
  const cmd = argv[0];
  if (!cmd) return out('NAME:\n   ctr - gvisor-wizard practice stand-in\n');
  return Object.prototype.hasOwnProperty.call(commands, cmd) ? commands[cmd](argv.slice(1), req.namespace || 'default') : unknown(argv);
}

/**
 * systemctl restart: this process starts its successor (same command line and environment,
 * so the same owner), waits until it serves, and exits. The successor reads the config anew,
 * as a restarted containerd does.
 */
function restart(reply) {
  log('info', 'practice: restart requested (systemctl restart containerd)');
  server.close();
  try { fs.unlinkSync(SOCK); } catch (e) { /* gone */ }
  const next = childProcess.spawn(process.execPath, process.argv.slice(1), { argv0: process.argv0, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
  let err = '';
  next.stderr.setEncoding('utf8').on('data', function (d) { err += d; });
  const done = function (ok) {
    reply(ok ? out('') : out('', 'Job for containerd.service failed because the control process exited with error code.\n' + (err.trim() ? err.trim() + '\n' : '') + 'See "journalctl -u containerd" for details (practice log: ' + LOG + ').\n', 1));
    next.stdout.destroy();
    next.stderr.destroy();
    next.unref();
    setTimeout(function () { process.exit(0); }, 50);
  };
  const timer = setTimeout(function () { done(false); }, 10000);
  next.stdout.setEncoding('utf8').on('data', function (d) { if (d.includes('ready')) { clearTimeout(timer); done(true); } });
  next.on('exit', function () { clearTimeout(timer); done(false); });
}

function serveControl(req, reply) {
  if (req.control === 'restart') return restart(reply);
  if (req.control === 'status') return reply(out('\u25cf containerd.service - containerd container runtime (gvisor-wizard PRACTICE stand-in)\n     Active: active (running)\n   Main PID: ' + process.pid + ' (containerd)\n'));
  if (req.control === 'is-active') return reply(out('active\n'));
  // start of a running service does nothing, as with systemd.
  if (req.control === 'start') return reply(out(''));
  reply(out('', 'practice systemctl: "' + req.control + '" is not simulated\n', 1));
}

try { fs.unlinkSync(SOCK); } catch (e) { /* none left */ }
// Half-open: a client ends its side after the request, and a restart answers later.
const server = net.createServer({ allowHalfOpen: true }, function (conn) {
  let buf = '';
  conn.setEncoding('utf8');
  conn.on('data', function (d) {
    buf += d;
    const nl = buf.indexOf('\n');
    if (nl < 0) return;
    let req;
    try { req = JSON.parse(buf.slice(0, nl)); } catch (e) { conn.end(JSON.stringify(out('', 'practice containerd: ' + e.message + '\n', 1))); return; }
    const reply = function (r) { conn.end(JSON.stringify(r)); };
    if (req.control) return serveControl(req, reply);
    let r;
    try { r = answer(req); } catch (e) { r = out('', 'practice containerd: ' + e.message + '\n', 1); }
    reply(r);
  });
  conn.on('error', function () { /* client went away */ });
});
function stop(why) {
  log('info', 'Stop CRI service (practice stand-in: ' + why + ')');
  server.close();
  try { fs.unlinkSync(SOCK); } catch (e) { /* gone */ }
  try { if (fs.readFileSync(PIDFILE, 'utf8').trim() === String(process.pid)) fs.unlinkSync(PIDFILE); } catch (e) { /* gone */ }
  process.exit(0);
}
process.on('SIGTERM', function () { stop('SIGTERM'); });
process.on('SIGINT', function () { stop('SIGINT'); });
// The wizard that started us (GVW_PRACTICE_OWNER, inherited across restarts): when it is gone,
// even killed with SIGKILL, stop. Standard input cannot tell: a restart's successor shares it.
const OWNER = Number(process.env.GVW_PRACTICE_OWNER);
if (OWNER > 0) {
  setInterval(function () {
    try { process.kill(OWNER, 0); } catch (e) { if (e.code === 'ESRCH') stop('the wizard (pid ' + OWNER + ') went away'); }
  }, 300).unref();
  // The timer alone would not keep us alive; the server does.
}
process.stdout.on('error', function () { /* the starter went away */ });
server.listen(SOCK, function () {
  fs.writeFileSync(PIDFILE, process.pid + '\n');
  log('info', 'serving... address=' + SOCK + ' (practice stand-in, config ' + CONFIG + ')');
  log('info', 'containerd successfully booted (practice stand-in)');
  process.stdout.write('ready\n');
});
`;

/** `systemctl`: manages only the practice containerd (restart, start, status, is-active). */
const SYSTEMCTL = String.raw`#!/usr/bin/env node
'use strict';
// gvisor-wizard PRACTICE stand-in for systemctl: it manages only the practice containerd
// below __ROOT_TEXT__ and never a real service.
const net = require('net');
const ROOT = __ROOT__;
__CALL__
const words = process.argv.slice(2).filter(function (a) { return !a.startsWith('-'); });
const verb = words[0] || '';
const units = words.slice(1).map(function (u) { return u.replace(/\.service$/, ''); });
if (units.length !== 1 || units[0] !== 'containerd') {
  process.stderr.write('practice systemctl: only "containerd" is managed here (asked: ' + (units.join(' ') || 'nothing') + '); nothing was changed\n');
  process.exit(1);
}
const control = { restart: 'restart', 'try-restart': 'restart', 'reload-or-restart': 'restart', start: 'start', status: 'status', 'is-active': 'is-active' }[verb];
if (!control) {
  process.stderr.write('practice systemctl: "' + verb + '" is not simulated (restart, start, status and is-active are)\n');
  process.exit(1);
}
call(ROOT + '/practice/run/containerd.sock', { control: control }, function () {
  if (verb === 'is-active') { process.stdout.write('inactive\n'); process.exit(3); }
  process.stderr.write('Job for containerd.service failed: the practice containerd is not running, and only the wizard starts it (practice: rerun the wizard)\n');
  process.exit(1);
});
`;

/** `journalctl -u UNIT -n N`: the practice daemons' log files. */
const JOURNALCTL = String.raw`#!/usr/bin/env node
'use strict';
// gvisor-wizard PRACTICE stand-in for journalctl: prints the practice daemons' own logs
// (below __ROOT_TEXT__/practice/log), never the machine's journal.
const fs = require('fs');
const path = require('path');
const ROOT = __ROOT__;
const argv = process.argv.slice(2);
const units = [];
let lines = 10;
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '-u' || argv[i] === '--unit') units.push(String(argv[++i]).replace(/\.service$/, ''));
  else if (argv[i].startsWith('--unit=')) units.push(argv[i].slice(7).replace(/\.service$/, ''));
  else if (argv[i] === '-n' || argv[i] === '--lines') lines = Number(argv[++i]) || 10;
}
let text = '-- gvisor-wizard practice stand-in: logs of the practice daemons (' + path.join(ROOT, 'practice', 'log') + ') --\n';
for (const u of units.length ? units : ['dockerd', 'containerd']) {
  let body = '';
  try { body = fs.readFileSync(path.join(ROOT, 'practice', 'log', (u === 'docker' ? 'dockerd' : u) + '.log'), 'utf8'); } catch (e) { /* none */ }
  const tail = body.split('\n').filter(Boolean).slice(-lines);
  text += tail.length ? tail.map(function (l) { return u + '[practice]: ' + l + '\n'; }).join('') : '';
}
process.stdout.write(text);
`;

export function ctrSource(root: string): string {
  return fill(CTR, root, { __CALL__: CALL });
}

/** `tomlModule`: where @iarna/toml is (the stand-in parses and prints TOML with it). */
export function containerdSource(root: string, tomlModule: string): string {
  return fill(CONTAINERD.replace('__DAEMON__', () => DAEMON), root, {
    __TOML__: JSON.stringify(tomlModule),
    __VERSION__: JSON.stringify(PRACTICE_CONTAINERD_VERSION),
    __DEFAULT_CONFIG__: JSON.stringify(PRACTICE_DEFAULT_CONFIG),
  });
}

export function systemctlSource(root: string): string {
  return fill(SYSTEMCTL, root, { __CALL__: CALL });
}

export function journalctlSource(root: string): string {
  return fill(JOURNALCTL, root);
}
