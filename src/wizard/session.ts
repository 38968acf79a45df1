// One run of the wizard: its log, its view of the machine, what it detected, and the
// steps for the chosen engine. The TUI controller and the headless CLI both build one.

import { join } from 'node:path';
import { isolationCheckStep } from '../check/check-step.js';
import { detect } from '../detect/detect.js';
import type { Facts } from '../detect/facts.js';
import { configureDockerStep } from '../docker/configure-step.js';
import { configureContainerdStep } from '../containerd/configure-step.js';
import { crictlStep } from '../containerd/crictl-step.js';
import { nerdctlStep } from '../containerd/nerdctl-step.js';
import { restartContainerdStep } from '../containerd/restart-step.js';
import { reloadDockerStep } from '../docker/reload-step.js';
import { LocalHost } from '../host/local-host.js';
import { RunLog } from '../log/run-log.js';
import { installRunscStep } from '../release/install-step.js';
import type { Step, StepContext } from '../steps/step.js';
import { UsageError } from '../cli/args.js';
import { registerJoinSecrets } from '../kube/steps/common.js';
import { kubernetesSteps } from '../kube/steps/index.js';
import type { WizardOptions } from './options.js';
import { Journal } from '../state/journal.js';
import { RunRecorder } from '../state/recorder.js';
import type { CheckView, EngineName, ProgressView } from './state.js';

/** The steps for an engine; with options.kubernetes (containerd only) the Kubernetes node path follows. */
export function stepsFor(engine: EngineName, options?: Pick<WizardOptions, 'kubernetes'>): Step[] {
  switch (engine) {
    case 'docker':
      return [installRunscStep, configureDockerStep, reloadDockerStep, isolationCheckStep];
    case 'containerd':
      return [
        installRunscStep, configureContainerdStep, restartContainerdStep, crictlStep, nerdctlStep, isolationCheckStep,
        ...(options?.kubernetes ? kubernetesSteps() : []),
      ];
  }
}

/** Which engines can be chosen on this machine, and why not when not. */
export function engineChoices(facts: Facts): { value: EngineName; label: string; disabledReason?: string }[] {
  const d = facts.docker;
  return [
    {
      value: 'docker',
      label: `docker${d.serverVersion ? ` ${d.serverVersion}` : ''}`,
      disabledReason: !d.installed ? (d.problem ?? 'docker is not installed') : !d.running && facts.init !== 'systemd' ? d.problem : undefined,
    },
    {
      value: 'containerd',
      label: `containerd${facts.containerd.version ? ` ${facts.containerd.version}` : ''}`,
      disabledReason: !facts.containerd.installed ? facts.containerd.problem : !facts.containerd.running && facts.init !== 'systemd' ? facts.containerd.problem : undefined,
    },
  ];
}

export interface SessionHooks {
  progress?(p: ProgressView | undefined): void;
  reportCheck?(c: CheckView): void;
}

export class Session {
  readonly log: RunLog;
  readonly host: LocalHost;
  /** Names this run in the state file, the journal and the backup folder. */
  readonly runId: string;
  /** Every change to the machine, for undo (none in a dry run). */
  readonly journal: Journal | null;
  readonly abort = new AbortController();
  readonly results = new Map<string, unknown>();
  facts: Facts | undefined;

  constructor(readonly options: WizardOptions, opts: { dryRun?: boolean; logName?: string; journal?: boolean } = {}) {
    try {
      this.log = new RunLog({ dir: options.logDir || null, name: opts.logName ?? 'run' });
    } catch (e) {
      throw new UsageError(`cannot write a log file in ${options.logDir}: ${(e as Error).message}; pass --log-dir DIR with a writable folder`);
    }
    // The join token and CA hash are masked in every line from the very first one.
    registerJoinSecrets(this.log.masker, options.join);
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    this.runId = `${stamp}-${process.pid}`;
    // Undo's own writes are not journaled: undoing an undo is not offered.
    this.journal = opts.dryRun || opts.journal === false ? null : new Journal(options.stateDir, this.runId);
    this.host = new LocalHost({
      root: options.root,
      dryRun: opts.dryRun ?? false,
      log: this.log,
      backupDir: opts.dryRun ? null : join(options.stateDir, 'backups', stamp),
      journal: this.journal,
    });
  }

  /** Starts recording this run in the state file (what resume and the step menu read). */
  beginRun(command: string, steps: readonly Step[], answered: ReadonlySet<string>, practice = false): RunRecorder {
    const rec = new RunRecorder({
      stateDir: this.options.stateDir,
      runId: this.runId,
      command,
      steps: steps.map((s) => s.id),
      options: this.options,
      answered,
      logFile: this.log.filePath,
      results: this.results,
      practice,
      warn: (t) => this.log.warn(t),
    });
    rec.start();
    return rec;
  }

  async detect(): Promise<Facts> {
    this.host.step = 'detect';
    this.facts = await detect(this.host, {
      dockerHost: this.options.dockerHost,
      dockerConfig: this.options.dockerConfig,
      serviceManager: this.options.serviceManager,
      containerdSocket: this.options.containerdSocket,
      containerdConfig: this.options.containerdConfig,
    });
    this.log.info(`detected: ${this.facts.distro.prettyName}, ${this.facts.arch.machine}, kernel ${this.facts.kernel}, init ${this.facts.init === 'systemd' ? 'systemd' : 'not systemd'}, cgroup ${this.facts.cgroup}`, 'detect');
    return this.facts;
  }

  context(hooks: SessionHooks = {}): StepContext {
    if (!this.facts) throw new Error('internal: detect() first');
    return {
      host: this.host,
      log: this.log,
      facts: this.facts,
      options: this.options,
      signal: this.abort.signal,
      progress: hooks.progress ?? (() => {}),
      results: this.results,
      reportCheck: hooks.reportCheck ?? (() => {}),
    };
  }

  close(): void {
    this.log.close();
  }
}
