// A `systemctl` stand-in for e2e tests on machines without systemd as PID 1: a small POSIX sh
// script that records its argv and drives the private daemons the way systemd would.
//
// - containerd (needs handlers.containerd): start | stop | restart | try-restart |
//   reload-or-restart | force-reload | is-active | status. It cannot call back into node, so
//   it uses what PrivateContainerd leaves on disk: SIGTERM to the pid in DIR/containerd.pid
//   (SIGKILL after 15 s), then `setsid sh DIR/containerd.start` (which rewrites the pidfile and
//   execs the same `containerd --config DIR/config.toml`, so the config is read again), and
//   waits up to 30 s for `ctr version` to answer - like systemd waiting for Type=notify.
//   `reload containerd` fails like the real unit (it has no ExecReload).
// - docker (needs handlers.dockerdPidFile): reload | reload-or-restart (SIGHUP, which makes
//   dockerd re-read daemon.json runtimes) | is-active | status.
// - daemon-reload: succeeds. `is-active` of another unit: inactive (3). Anything else: exit 1
//   with "fake systemctl: unsupported", so a test notices calls it did not expect.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PrivateContainerd } from './private-containerd.js';
import { shQuote } from './private-containerd.js';
import { which } from './proc.js';

export interface FakeSystemctlHandlers {
  containerd?: PrivateContainerd;
  dockerdPidFile?: string;
}

export interface FakeSystemctl {
  /** The dir holding `systemctl`: put it first on PATH. It is `dir` itself, so with
   *  dir = privateContainerd.binDir the private env's PATH already finds it. */
  bin: string;
  /** Full path of the script. */
  path: string;
  /** One line per call: the arguments joined by spaces (e.g. "restart containerd"). */
  callsFile: string;
  calls(): string[];
}

const SCRIPT_BODY = String.raw`
printf '%s\n' "$*" >> "$CALLS"

quiet=0
verb=
units=
for a in "$@"; do
  case "$a" in
    -q|--quiet) quiet=1 ;;
    -*) ;;
    *) if [ -z "$verb" ]; then verb=$a; else units="$units $(printf '%s' "$a" | sed 's/[.]service$//')"; fi ;;
  esac
done

say() { [ "$quiet" = 1 ] || printf '%s\n' "$1"; }

# alive PID: running and not a zombie
alive() {
  [ -n "$1" ] && [ -r "/proc/$1/stat" ] || return 1
  st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)
  [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# prints the pid of our containerd (pidfile pid, alive, reading our config file)
ctd_pid() {
  [ -n "$CTD_PIDFILE" ] && [ -r "$CTD_PIDFILE" ] || return 1
  p=$(cat "$CTD_PIDFILE" 2>/dev/null)
  alive "$p" || return 1
  tr '\0' '\n' < "/proc/$p/cmdline" 2>/dev/null | grep -qxF "$CTD_CONFIG" || return 1
  echo "$p"
}

ctd_stop() {
  p=$(ctd_pid) || return 0
  kill -TERM "$p" 2>/dev/null
  i=0
  while alive "$p"; do
    i=$((i + 1))
    [ "$i" -eq 150 ] && kill -KILL "$p" 2>/dev/null
    if [ "$i" -ge 200 ]; then echo "fake systemctl: containerd $p did not exit" >&2; return 1; fi
    sleep 0.1
  done
  return 0
}

ctd_start() {
  ctd_pid >/dev/null && return 0
  rm -f "$CTD_PIDFILE"
  if command -v setsid >/dev/null 2>&1; then
    setsid sh "$CTD_START" </dev/null >/dev/null 2>&1 &
  else
    nohup sh "$CTD_START" </dev/null >/dev/null 2>&1 &
  fi
  i=0
  until "$CTR" --address "$CTD_SOCKET" version >/dev/null 2>&1; do
    i=$((i + 1))
    p=$(cat "$CTD_PIDFILE" 2>/dev/null)
    if [ "$i" -ge 300 ] || { [ "$i" -ge 5 ] && [ -n "$p" ] && ! alive "$p"; }; then
      echo "Job for containerd.service failed because the control process exited with error code." >&2
      echo "(fake systemctl: see $CTD_LOG)" >&2
      return 1
    fi
    sleep 0.1
  done
  return 0
}

docker_pid() {
  [ -n "$DOCKERD_PIDFILE" ] && [ -r "$DOCKERD_PIDFILE" ] || return 1
  p=$(cat "$DOCKERD_PIDFILE" 2>/dev/null)
  alive "$p" || return 1
  echo "$p"
}

unsupported() { echo "fake systemctl: unsupported: systemctl $*" >&2; exit 1; }

case "$verb" in
  daemon-reload) exit 0 ;;
  '') unsupported "$@" ;;
esac
[ -n "$units" ] || unsupported "$@"

rc=0
for u in $units; do
  case "$u" in
    containerd)
      [ -n "$CTD_PIDFILE" ] || { echo "Unit containerd.service not found." >&2; [ "$verb" = is-active ] && { say inactive; rc=3; continue; }; exit 5; }
      case "$verb" in
        is-active) if ctd_pid >/dev/null; then say active; else say inactive; rc=3; fi ;;
        status) if p=$(ctd_pid); then say "● containerd.service - containerd container runtime (fake systemctl)"; say "     Active: active (running)"; say "   Main PID: $p (containerd)"; else say "● containerd.service - containerd container runtime (fake systemctl)"; say "     Active: inactive (dead)"; rc=3; fi ;;
        start) ctd_start || rc=1 ;;
        stop) ctd_stop || rc=1 ;;
        restart|reload-or-restart|force-reload) { ctd_stop && ctd_start; } || rc=1 ;;
        try-restart|condrestart) if ctd_pid >/dev/null; then { ctd_stop && ctd_start; } || rc=1; fi ;;
        reload) echo "Failed to reload containerd.service: Job type reload is not applicable for unit containerd.service." >&2; rc=1 ;;
        *) unsupported "$@" ;;
      esac ;;
    docker)
      [ -n "$DOCKERD_PIDFILE" ] || { echo "Unit docker.service not found." >&2; [ "$verb" = is-active ] && { say inactive; rc=3; continue; }; exit 5; }
      case "$verb" in
        is-active) if docker_pid >/dev/null; then say active; else say inactive; rc=3; fi ;;
        status) if p=$(docker_pid); then say "● docker.service - Docker Application Container Engine (fake systemctl)"; say "     Active: active (running)"; say "   Main PID: $p (dockerd)"; else say "     Active: inactive (dead)"; rc=3; fi ;;
        reload|reload-or-restart)
          if p=$(docker_pid); then kill -HUP "$p" || rc=1; else echo "docker.service is not active, cannot reload." >&2; rc=1; fi ;;
        *) unsupported "$@" ;;
      esac ;;
    *)
      if [ "$verb" = is-active ]; then say inactive; rc=3; else echo "Unit $u.service not found." >&2; exit 5; fi ;;
  esac
done
exit $rc
`;

/** Writes DIR/systemctl (mode 0755). DIR is created when missing. */
export function makeFakeSystemctl(dir: string, handlers: FakeSystemctlHandlers = {}): FakeSystemctl {
  mkdirSync(dir, { recursive: true });
  const callsFile = join(dir, 'systemctl.calls');
  const c = handlers.containerd;
  const vars: Array<[string, string]> = [
    ['CALLS', callsFile],
    ['CTD_PIDFILE', c?.pidFile ?? ''],
    ['CTD_START', c?.startScript ?? ''],
    ['CTD_CONFIG', c?.configFile ?? ''],
    ['CTD_SOCKET', c?.socket ?? ''],
    ['CTD_LOG', c?.logFile ?? ''],
    ['CTR', c?.ctrBin ?? which('ctr') ?? '/usr/bin/ctr'],
    ['DOCKERD_PIDFILE', handlers.dockerdPidFile ?? ''],
  ];
  const path = join(dir, 'systemctl');
  writeFileSync(path, [
    '#!/bin/sh',
    '# systemctl stand-in for gvisor-wizard e2e tests (written by test/helpers/fake-systemctl.ts).',
    ...vars.map(([k, v]) => `${k}=${shQuote(v)}`),
    SCRIPT_BODY.trimStart(),
  ].join('\n'), { mode: 0o755 });
  chmodSync(path, 0o755);
  writeFileSync(callsFile, '', { flag: 'a' });
  return {
    bin: dir,
    path,
    callsFile,
    calls(): string[] {
      try {
        return readFileSync(callsFile, 'utf8').split('\n').filter((l) => l !== '');
      } catch {
        return [];
      }
    },
  };
}
