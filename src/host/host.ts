// The one door to the machine. Every file read/write, process and signal the wizard
// causes goes through a Host, so it can be logged, rooted under a temp dir (--root),
// refused in dry-run mode, and exercised by tests against real files and processes.

export type Stream = 'stdout' | 'stderr';

export interface RunOptions {
  /** Hard limit; the process (and its group) is killed when it is exceeded. */
  timeoutMs?: number;
  env?: Record<string, string | undefined>;
  input?: string;
  cwd?: string;
  /** Called for every complete output line while the command runs (live logs). */
  onLine?: (stream: Stream, line: string) => void;
  /** Lets the caller (Ctrl-C in the TUI) stop a running command. */
  signal?: AbortSignal;
  /** Read-only commands may run in dry-run mode; everything else is refused there. */
  readOnly?: boolean;
  /** Probe output (JSON dumps): kept in the log file, hidden from live views unless --verbose. */
  quiet?: boolean;
}

export interface RunResult {
  argv: string[];
  exitCode: number | null;
  /**
   * The output, complete up to 1 MiB per stream. Longer output (a command printing 100,000
   * lines) keeps its first and last 512 KiB around a note: memory stays bounded, and the log
   * file has every line.
   */
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** Set when the program could not be started at all (ENOENT, EACCES). */
  spawnError?: string;
  ok: boolean;
}

export interface FileInfo {
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtimeMs: number;
  isFile: boolean;
  isDirectory: boolean;
}

export interface ProcessInfo {
  pid: number;
  argv: string[];
}

export interface WriteOptions {
  /** Mode for a new file; an existing file keeps its own mode and owner. */
  mode?: number;
  /**
   * Checked against the finished temp file (same directory, so relative includes resolve
   * alike) before the rename; a throw leaves the old file untouched.
   */
  validate?: (tempRealPath: string) => Promise<void>;
}

export interface WriteResult {
  path: string;
  /** Where the previous content was saved, when there was one. */
  backupPath?: string;
  created: boolean;
  /** False when the file already held exactly this content (nothing was written). */
  changed: boolean;
}

export interface HttpResponse {
  status: number;
  statusText: string;
  headers: { get(name: string): string | null };
  body: AsyncIterable<Uint8Array> | null;
}

export interface Host {
  /** '/' on a real run; a temp dir under --root. Machine paths are always written absolute. */
  readonly root: string;
  readonly dryRun: boolean;
  /** Map an absolute machine path to the real path under root. */
  resolve(machinePath: string): string;
  readFile(machinePath: string): Promise<Buffer | null>;
  readText(machinePath: string): Promise<string | null>;
  stat(machinePath: string): Promise<FileInfo | null>;
  listDir(machinePath: string): Promise<string[]>;
  /** Temp file + fsync + rename, same mode/owner as the old file, backup of the old content. */
  writeFileAtomic(machinePath: string, data: string | Buffer, opts?: WriteOptions): Promise<WriteResult>;
  /** Atomically move a file (a verified download) into place with the given mode. */
  installFile(fromRealPath: string, machinePath: string, mode: number): Promise<WriteResult>;
  mkdirp(machinePath: string, mode?: number): Promise<void>;
  removeFile(machinePath: string): Promise<void>;
  makeTempDir(prefix: string): Promise<string>;
  removeTempDir(realPath: string): Promise<void>;
  run(argv: string[], opts?: RunOptions): Promise<RunResult>;
  listProcesses(): Promise<ProcessInfo[]>;
  processEnv(pid: number): Promise<Record<string, string> | null>;
  signal(pid: number, signal: NodeJS.Signals): Promise<void>;
  fetch(url: string, opts?: { signal?: AbortSignal }): Promise<HttpResponse>;
}

/** Thrown when dry-run mode meets an action that would change the machine. */
export class DryRunRefusal extends Error {
  constructor(what: string) {
    super(`dry run: refused to ${what}`);
    this.name = 'DryRunRefusal';
  }
}
