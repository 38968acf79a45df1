// The wizard's own files (state, install manifests, answers, compile cache), not the machine's:
// those go through Host, with backups and the journal.
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Replaces `file` with `data` (mode 0600) through a temp file in the same folder and a rename:
 * a reader, or the next run after a crash, sees the old file or the new one, never half of one.
 */
export function replacePrivateFile(file: string, data: string | Uint8Array): void {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, data, { mode: 0o600 });
    renameSync(tmp, file);
  } catch (e) {
    // A full disk or a folder in the way: no half-written temp file is left behind.
    rmSync(tmp, { force: true });
    throw e;
  }
}
