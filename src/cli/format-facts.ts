import type { Facts } from '../detect/facts.js';

/** The detected facts as short "label: value" lines (detect command, welcome screen). */
export function factLines(f: Facts): [string, string][] {
  const d = f.docker;
  const runtimes = Object.entries(d.runtimes).map(([n, r]) => `${n}=${r.path}`).join(', ');
  return [
    ['distro', f.distro.prettyName],
    ['arch', f.arch.release ? `${f.arch.machine} (release arch ${f.arch.release})` : `${f.arch.machine}: ${f.arch.problem}`],
    ['kernel', f.kernel],
    ['init', f.init === 'systemd' ? 'systemd' : 'no systemd (docker is reloaded with SIGHUP)'],
    ['cgroup', f.cgroup],
    ['root', f.isRoot ? 'yes' : 'no (apply needs root)'],
    ['/dev/kvm', f.kvm ? 'present (--runtime-arg=--platform=kvm possible)' : 'absent'],
    ['docker', d.running ? `${d.serverVersion} running at ${d.host}` : d.problem ?? 'not running'],
    ['docker runtimes', d.running ? runtimes || 'none' : '-'],
    ['daemon.json', d.configFile],
    ['containerd', f.containerd.installed ? `${f.containerd.version ?? 'unknown version'}${f.containerd.running ? ', running' : ''}` : 'not installed'],
    ['runsc', f.runsc.path ? `${f.runsc.path} (${f.runsc.version ?? 'version unknown'})` : 'not installed'],
  ];
}

export function formatFacts(f: Facts): string {
  return factLines(f).map(([k, v]) => `${k.padEnd(16)} ${v}`).join('\n');
}
