// The node report a teacher grades: what the wizard did here (each step's last result with
// when), the machine, the answers (never a secret) and the isolation evidence. Built from
// the state file and a read-only detection; rendered as Markdown or JSON.

import { hostname } from 'node:os';
import type { Facts } from '../detect/facts.js';
import type { WizardStateFile } from '../state/state-file.js';
import type { EvidenceItem, Problem, StepStatus } from '../wizard/state.js';

/** Bumped when a field changes meaning; documented in the README (Report). */
export const REPORT_SCHEMA = 'gvisor-wizard-report/1';

export interface NodeReport {
  schema: typeof REPORT_SCHEMA;
  generatedAt: string;
  /** True when any recorded run was a practice run (stand-in engines): not a real node. */
  practice: boolean;
  node: {
    hostname: string;
    distro: string;
    arch: string;
    kernel: string;
    init: string;
    cgroup: string;
    kvm: boolean;
  };
  engine: string | null;
  versions: { docker: string | null; containerd: string | null; runsc: string | null };
  answers: Record<string, unknown>;
  release: { requested: string; sha512: string; version: string | null } | null;
  steps: { id: string; status: StepStatus; summary: string; at: string; problem: Problem | null; undoneAt: string | null }[];
  runs: { command: string; startedAt: string; endedAt: string | null; result: 'ok' | 'failed' | 'interrupted or running'; practice: boolean }[];
  check: { passed: boolean; verdict: string; at: string; runtimeName: string | null; engine: string | null; evidence: EvidenceItem[] } | null;
  /** One word for a grade sheet: isolated (the last check passed), failed (it did not), not-checked, practice (stand-in evidence). */
  verdict: 'isolated' | 'failed' | 'not-checked' | 'practice';
}

export function buildReport(state: WizardStateFile, facts: Facts, mask: (s: string) => string, now = new Date()): NodeReport {
  const stepOrder = [...new Set(state.runs.flatMap((r) => r.steps))];
  const ids = [...stepOrder.filter((id) => state.steps[id]), ...Object.keys(state.steps).filter((id) => !stepOrder.includes(id))];
  // A check from before the last undo proves nothing about the machine now.
  const c = state.check && !(state.undoneAt && state.undoneAt > state.check.at) ? state.check : undefined;
  const practiceCheck = Boolean(c && state.runs.find((r) => r.id === c.runId)?.practice);
  const report: NodeReport = {
    schema: REPORT_SCHEMA,
    generatedAt: now.toISOString(),
    practice: state.runs.some((r) => r.practice),
    node: {
      hostname: hostname(),
      distro: facts.distro.prettyName,
      arch: facts.arch.release ?? facts.arch.machine,
      kernel: facts.kernel,
      init: facts.init === 'systemd' ? 'systemd' : 'other',
      cgroup: facts.cgroup,
      kvm: facts.kvm,
    },
    engine: state.engine ?? null,
    versions: { docker: facts.docker.serverVersion ?? null, containerd: facts.containerd.version ?? null, runsc: state.release?.version ?? facts.runsc.version ?? null },
    answers: state.answers,
    release: state.release ? { requested: state.release.requested, sha512: state.release.sha512, version: state.release.version ?? null } : null,
    steps: ids.map((id) => {
      const s = state.steps[id]!;
      return { id, status: s.status, summary: s.summary, at: s.at, problem: s.problem ?? null, undoneAt: s.undoneAt ?? null };
    }),
    runs: state.runs.map((r) => ({ command: r.command, startedAt: r.startedAt, endedAt: r.endedAt ?? null, result: r.ok === undefined ? 'interrupted or running' : r.ok ? 'ok' : 'failed', practice: Boolean(r.practice) })),
    // A practice check proved nothing: it is never recorded as passed here.
    check: c ? { passed: c.passed && !practiceCheck, verdict: c.verdict, at: c.at, runtimeName: c.runtimeName ?? null, engine: c.engine ?? null, evidence: c.evidence } : null,
    verdict: !c ? 'not-checked' : practiceCheck ? 'practice' : c.passed ? 'isolated' : 'failed',
  };
  // Nothing secret is stored, but the report may be handed on: mask it all the same.
  return JSON.parse(mask(JSON.stringify(report))) as NodeReport;
}

const STATUS_WORDS: Record<string, string> = { ok: 'applied', done: 'already done', 'not-applicable': 'not applicable', failed: 'FAILED', skipped: 'skipped', running: 'interrupted', needed: 'not applied' };

export function reportMarkdown(r: NodeReport): string {
  const out: string[] = [];
  const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  out.push(`# gvisor-wizard report: ${r.node.hostname}`);
  out.push('');
  if (r.practice) out.push('> **PRACTICE RUN** — the engines were stand-ins; nothing here proves a real sandbox.', '');
  const verdicts = { isolated: 'isolated (the last isolation check passed)', failed: 'FAILED (the last isolation check did not pass)', 'not-checked': 'not checked yet', practice: 'practice only (simulated evidence: proves nothing about a real sandbox)' };
  out.push(`**Verdict: ${verdicts[r.verdict]}**`);
  out.push('');
  out.push(`Generated ${r.generatedAt} by \`gvisor-wizard report\`.`);
  out.push('');
  out.push('## Node', '');
  out.push('| | |', '|---|---|');
  out.push(`| distro | ${esc(r.node.distro)} |`, `| arch | ${r.node.arch} |`, `| kernel | ${esc(r.node.kernel)} |`, `| init | ${r.node.init} |`, `| cgroup | ${r.node.cgroup} |`, `| /dev/kvm | ${r.node.kvm ? 'yes' : 'no'} |`);
  out.push(`| engine | ${r.engine ?? '(none chosen)'} |`, `| docker | ${r.versions.docker ?? '-'} |`, `| containerd | ${r.versions.containerd ?? '-'} |`, `| runsc | ${r.versions.runsc ?? '-'} |`);
  if (r.release) out.push(`| release | ${esc(r.release.requested)} (sha512 ${r.release.sha512.slice(0, 16)}…) |`);
  out.push('');
  out.push('## Steps', '');
  if (r.steps.length === 0) out.push('No step has run on this node yet.');
  else {
    out.push('| step | result | when | detail |', '|---|---|---|---|');
    for (const s of r.steps) out.push(`| ${s.id} | ${STATUS_WORDS[s.status] ?? s.status}${s.undoneAt ? `, undone ${s.undoneAt}` : ''} | ${s.at} | ${esc(s.problem ? `${s.problem.what}: ${s.problem.why}` : s.summary)} |`);
  }
  out.push('');
  out.push('## Isolation check', '');
  if (!r.check) out.push('No isolation check since the last change to this node (`gvisor-wizard check`).');
  else {
    const what = r.check.runtimeName ? ` — runtime \`${r.check.runtimeName}\`${r.check.engine ? ` on ${r.check.engine}` : ''}` : '';
    const word = r.verdict === 'practice' ? '' : `${r.check.passed ? 'PASS' : 'FAIL'}: `;
    out.push(`${word}${esc(r.check.verdict)} (${r.check.at})${what}`, '');
    for (const e of r.check.evidence) out.push(`- [${e.ok ? 'x' : ' '}] ${esc(e.label)}: \`${e.detail.replace(/`/g, "'")}\``);
  }
  out.push('');
  out.push('## Answers', '');
  const keys = Object.keys(r.answers);
  if (keys.length === 0) out.push('(none recorded)');
  else for (const k of keys) out.push(`- \`${k}\` = \`${JSON.stringify(r.answers[k])}\``);
  out.push('');
  out.push('## Runs', '');
  for (const run of r.runs) out.push(`- ${run.startedAt} \`${run.command}\`: ${run.result}${run.practice ? ' (practice)' : ''}`);
  out.push('');
  return out.join('\n');
}
