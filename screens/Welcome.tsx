// What detection found, one row per fact; a missing prerequisite gets one line saying why it matters.

import { Box } from 'ink';
import type { Facts } from '../src/detect/facts.js';
import type { ResumeOfferView } from '../src/wizard/state.js';
import { T } from './T.js';

export type FactMark = 'ok' | 'missing' | 'info';

export interface FactRow {
  label: string;
  value: string;
  mark: FactMark;
  /** One line: why a missing prerequisite matters / what to do. */
  why?: string;
}

const MARK: Record<FactMark, string> = { ok: '[ok]', missing: '[!!]', info: '[--]' };
const MARK_COLOR: Record<FactMark, string | undefined> = { ok: 'green', missing: 'red', info: undefined };

function runtimesOf(f: Facts['docker']): string {
  const names = Object.keys(f.runtimes);
  if (names.length === 0) return 'no runtimes reported';
  return `runtimes ${names.map((n) => (n === f.defaultRuntime ? `${n} (default)` : n)).join(', ')}`;
}

/** The welcome screen's rows, as data. */
export function factRows(f: Facts): FactRow[] {
  const rows: FactRow[] = [];
  rows.push({ label: 'distro', value: f.distro.prettyName, mark: 'info' });
  rows.push(
    f.arch.release
      ? { label: 'arch', value: `${f.arch.machine} -> runsc release ${f.arch.release}`, mark: 'ok' }
      : { label: 'arch', value: f.arch.machine, mark: 'missing', why: f.arch.problem ?? 'gVisor publishes no runsc release for this architecture' },
  );
  rows.push({ label: 'kernel', value: f.kernel, mark: 'info' });
  rows.push(
    f.init === 'systemd'
      ? { label: 'init', value: 'systemd', mark: 'ok' }
      : { label: 'init', value: 'not systemd', mark: 'info', why: 'no systemctl: docker is reloaded with SIGHUP' },
  );
  rows.push(
    f.cgroup === 'unknown'
      ? { label: 'cgroup', value: 'unknown', mark: 'info', why: 'could not tell the cgroup version (/sys/fs/cgroup)' }
      : { label: 'cgroup', value: f.cgroup, mark: 'ok' },
  );
  rows.push(
    f.isRoot
      ? { label: 'root', value: 'yes', mark: 'ok' }
      : { label: 'root', value: 'no', mark: 'missing', why: 'installing runsc and editing engine configs needs root: rerun with sudo' },
  );
  rows.push(
    f.kvm
      ? { label: '/dev/kvm', value: 'present', mark: 'ok' }
      : { label: '/dev/kvm', value: 'absent', mark: 'info', why: 'not required: runsc uses its systrap platform instead of KVM' },
  );
  const d = f.docker;
  if (!d.installed) {
    rows.push({ label: 'docker', value: 'not installed', mark: 'info' });
  } else if (!d.running) {
    rows.push({ label: 'docker', value: 'installed, daemon not reachable', mark: 'missing', why: d.problem ?? `no daemon answers on ${d.host}: start docker first` });
  } else {
    rows.push({
      label: 'docker',
      value: `running${d.serverVersion ? ` ${d.serverVersion}` : ''}, ${runtimesOf(d)}`,
      mark: d.problem ? 'missing' : 'ok',
      why: d.problem,
    });
  }
  if (d.installed) rows.push({ label: 'docker cfg', value: d.configFile, mark: 'info' });
  const c = f.containerd;
  rows.push(
    !c.installed
      ? { label: 'containerd', value: 'not installed', mark: 'info' }
      : c.running
        ? { label: 'containerd', value: `running${c.version ? ` ${c.version}` : ''} (${c.socket})`, mark: 'ok' }
        : { label: 'containerd', value: `installed${c.version ? ` ${c.version}` : ''}, not running`, mark: 'info', why: `nothing answers on ${c.socket}` },
  );
  rows.push(
    f.runsc.path
      ? { label: 'runsc', value: `${f.runsc.path}${f.runsc.version ? ` (${f.runsc.version})` : ''}`, mark: 'ok' }
      : { label: 'runsc', value: 'not installed', mark: 'info', why: 'the wizard will download and verify it' },
  );
  if (!(d.installed && d.running) && !(c.installed && c.running)) {
    rows.push({ label: 'engine', value: 'none running', mark: 'missing', why: 'install and start docker or containerd, then run the wizard again' });
  }
  return rows;
}

/** "An unfinished run from <time> (<engine>) stopped at <step>". */
export function resumeText(r: ResumeOfferView): string {
  return `An unfinished run from ${r.startedAt} (${r.engine}) stopped at ${r.stepId}.`;
}

export interface WelcomeProps {
  facts: Facts;
  resumeOffer?: ResumeOfferView;
  dryRun?: boolean;
}

export function Welcome({ facts, resumeOffer, dryRun }: WelcomeProps) {
  return (
    <Box flexDirection="column">
      <T bold>This machine</T>
      {factRows(facts).map((r) => (
        <Box key={r.label} flexDirection="column">
          <T wrap="truncate-end">
            <T color={MARK_COLOR[r.mark]}>{MARK[r.mark]}</T> {r.label.padEnd(10)} {r.value}
          </T>
          {r.why ? (
            <T wrap="truncate-end" dimColor>
              {'     '}
              {r.why}
            </T>
          ) : null}
        </Box>
      ))}
      {resumeOffer ? (
        <Box flexDirection="column">
          <T color="yellow" wrap="wrap">{resumeText(resumeOffer)}</T>
          <T bold wrap="truncate-end">r resume there with the same answers - Enter start over</T>
        </Box>
      ) : null}
      <T bold wrap="truncate-end">
        Enter to continue{resumeOffer ? ' (start over)' : ''} - m step menu - d dry run: {dryRun ? 'on' : 'off'} - q quit
      </T>
    </Box>
  );
}
