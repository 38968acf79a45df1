// Runs the real wizard executable (bin/gvisor-wizard.js, or the single-file bundle) as a
// child process, the way an operator or a script would.
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './paths.js';
import { runCommand, type CommandResult } from './proc.js';

export function wizardEntry(): string {
  return process.env.GVW_WIZARD_ENTRY ?? join(repoRoot(), 'bin', 'gvisor-wizard.js');
}

/** `env` is the whole environment of the child (pass a private daemon's env). */
export function runWizard(args: string[], env: NodeJS.ProcessEnv = process.env, timeoutMs = 300_000): Promise<CommandResult> {
  return runCommand(process.execPath, [wizardEntry(), ...args], { env, timeoutMs });
}

/** A scratch folder for one test's install/state/log dirs, removed by the returned function. */
export function workDir(prefix = 'gvw-e2e-'): { dir: string; remove(): void } {
  const dir = mkdtempSync(join('/tmp', prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
