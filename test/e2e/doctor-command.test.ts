// `gvisor-wizard doctor` against this machine's real binaries through a real LocalHost in dry-run:
// no daemon needed, nothing written; it must not throw and must report the installed versions.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';

import { parseCli } from '../../src/cli/args.js';
import { doctorCommand, type DoctorJson } from '../../src/cli/doctor-command.js';
import { which } from '../helpers/proc.js';

function versionOf(bin: string, re: RegExp): string | undefined {
  try {
    return re.exec(execFileSync(bin, ['--version'], { encoding: 'utf8' }))?.[1];
  } catch {
    return undefined;
  }
}

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  // The lead adds 'doctor' to the commands; the options are the same as for detect/plan.
  const cli = parseCli(['doctor', ...args]);
  const code = await doctorCommand(cli, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('doctor on this machine (dry run)', () => {
  it('prints the documented JSON with the versions of the installed binaries', async () => {
    const { code, out } = await run(['--json']);
    assert.ok(code === 0 || code === 1, `exit ${code}`);
    const j = JSON.parse(out) as DoctorJson;
    assert.equal(j.ok, code === 0);
    assert.equal(j.ok, j.diagnoses.length === 0);
    assert.ok(Array.isArray(j.probes) && j.probes.length > 0);
    const containerd = which('containerd');
    if (containerd) assert.equal(j.versions.containerd, versionOf(containerd, /\bv?(\d+\.\d+\.\d+\S*)/));
    const runsc = which('runsc');
    if (runsc) assert.ok(j.versions.runsc.some((r) => r.version === versionOf(runsc, /runsc version (\S+)/)), JSON.stringify(j.versions.runsc));
    assert.equal(j.config.containerdConfig.path, '/etc/containerd/config.toml');
    for (const d of j.diagnoses) assert.ok(d.id && d.cause && d.fix.length > 0, JSON.stringify(d));
  });

  it('prints versions, configuration, log lines and a verdict as text', async () => {
    const { code, out } = await run([]);
    assert.match(out, /^Versions$/m);
    assert.match(out, /^Effective configuration$/m);
    assert.match(out, /^Recent daemon log lines$/m);
    assert.match(out, code === 0 ? /No known failure matched\./ : /known failures? matched:/);
  });
});
