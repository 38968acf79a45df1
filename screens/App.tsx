// The wizard's view: renders the store's WizardState by phase and turns keys into intents.
// It runs nothing itself; quitting (q, Ctrl-C) is the controller's job (render with exitOnCtrlC: false).

import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { Box, useInput, useStdout } from 'ink';
import type { Phase, PlanAnswer, PlanView, WizardState, WizardStore } from '../src/wizard/state.js';
import { CheckResult } from './CheckResult.js';
import { LogPane } from './LogPane.js';
import { PlanConfirm } from './PlanConfirm.js';
import { Question } from './Question.js';
import { TextQuestion } from './TextQuestion.js';
import { ProblemView } from './ProblemView.js';
import { RuntimeChoice } from './RuntimeChoice.js';
import { StepList } from './StepList.js';
import { StepMenu } from './StepMenu.js';
import { Summary } from './Summary.js';
import { T } from './T.js';
import { UndoScreen } from './UndoScreen.js';
import { Welcome } from './Welcome.js';
import { WhyPanel } from './WhyPanel.js';

/** Columns of the why-panel (toggled with ?); shown only on terminals of 80 columns or more. */
const WHY_WIDTH = 38;

export interface AppProps {
  store: WizardStore;
  /** Override the terminal size (tests; or to leave room below the app). */
  rows?: number;
  columns?: number;
}

const PHASE_TITLE: Record<Phase, string> = {
  detecting: 'looking at this machine',
  welcome: 'welcome',
  'choose-runtime': 'choose the engine',
  question: 'runsc options',
  confirm: 'review a change',
  running: 'working',
  summary: 'summary',
  'step-menu': 'step menu',
  undo: 'undo',
  fatal: 'cannot continue',
};

/** The modes, on every screen: a dry run and lab mode must never be mistaken for a normal run. */
/** Each mode in long words when alone, short when several must share one 80-column line. */
const MODES = [
  { on: (st: ModeState) => st.practice, long: 'PRACTICE: stand-in engines, this machine is not changed', short: 'PRACTICE (stand-in engines)' },
  { on: (st: ModeState) => st.dryRun, long: 'DRY RUN: nothing is changed', short: 'DRY RUN (nothing changes)' },
  { on: (st: ModeState) => st.lab, long: 'LAB MODE: do each step yourself (c) or let the wizard (w)', short: 'LAB (c: I did it, w: wizard)' },
];
type ModeState = Pick<WizardState, 'dryRun' | 'lab' | 'practice'>;

export function modeLine(state: ModeState): string | undefined {
  const on = MODES.filter((m) => m.on(state));
  if (on.length === 0) return undefined;
  return on.length === 1 ? on[0]!.long : on.map((m) => m.short).join(' - ');
}

export const RUNNING_KEYS = 'PgUp/PgDn k/j scroll - End follow - f this step only - ? why - q quit';

/** Most log lines shown at once: the redrawn region stays well below a 24-row terminal. */
const MAX_LOG_LINES = 12;

function useTerminalSize(rows?: number, columns?: number): { rows: number; columns: number } {
  const { stdout } = useStdout();
  const read = () => ({ rows: rows ?? stdout.rows ?? 24, columns: columns ?? stdout.columns ?? 80 });
  const [size, setSize] = useState(read);
  useEffect(() => {
    const onResize = () => setSize(read());
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout, rows, columns]);
  return rows !== undefined && columns !== undefined ? { rows, columns } : size;
}

/** Rows a step list takes: one per step, plus about three per shown problem. */
function stepListHeight(state: WizardState): number {
  return state.steps.reduce((n, s) => n + 1 + (s.status === 'failed' && s.problem ? 3 : 0), 0);
}

/** Rows of the log pane on the running screen. */
function logRowsOf(state: WizardState, rows: number): number {
  return Math.max(3, Math.min(MAX_LOG_LINES, rows - 4 - stepListHeight(state)));
}

/** The confirm screen's keys: y/Enter/n, or in lab mode w (wizard), c (by hand, check), s (skip). */
function planAnswer(input: string, enter: boolean, byHand?: boolean): PlanAnswer | undefined {
  const k = input.toLowerCase();
  if (enter || k === 'y' || (byHand && k === 'w')) return true;
  if (k === 'n' || (byHand && k === 's')) return false;
  if (byHand && k === 'c') return 'by-hand';
  return undefined;
}

function Body({ state, store, rows, columns }: { state: WizardState; store: WizardStore; rows: number; columns: number }) {
  switch (state.phase) {
    case 'detecting':
      return <T>Detecting this machine...</T>;
    case 'welcome':
      return state.facts ? <Welcome facts={state.facts} resumeOffer={state.resumeOffer} dryRun={state.dryRun} /> : <T>Detecting this machine...</T>;
    case 'choose-runtime':
      return <RuntimeChoice choices={state.runtimeChoices} engine={state.engine} onChoose={(engine) => store.chooseRuntime(engine)} />;
    case 'question':
      if (!state.question) return null;
      return state.question.kind === 'text' ? (
        <TextQuestion question={state.question} width={columns} onAnswer={(v) => store.answer(state.question!.id, v)} />
      ) : (
        <Question question={state.question} onAnswer={(v) => store.answer(state.question!.id, v)} />
      );
    case 'confirm':
      return state.pendingPlan ? (
        <PlanConfirm plan={state.pendingPlan} maxLines={rows - 5} dryRun={state.dryRun} byHand={state.planByHand} note={state.planNote} width={columns} />
      ) : (
        <T>Preparing the plan...</T>
      );
    case 'running': {
      const logRows = logRowsOf(state, rows);
      return (
        <Box flexDirection="column">
          <StepList steps={state.steps} currentStepId={state.currentStepId} />
          <Box marginTop={1}>
            <LogPane lines={state.logTail} progress={state.progress} maxLines={logRows} width={columns} view={state.logView ?? { scrolledUp: 0 }} />
          </Box>
        </Box>
      );
    }
    case 'summary':
      return (
        <Summary
          success={state.success}
          steps={state.steps}
          check={state.check}
          logFile={state.logFile}
          problem={state.problem}
          dryRun={state.dryRun}
          savedAnswers={state.savedAnswers}
          diagnoses={state.diagnoses}
          diagnosing={state.diagnosing}
          practice={state.practice}
        />
      );
    case 'step-menu':
      return state.menu ? (
        <StepMenu menu={state.menu} maxLines={rows - 1} onRerun={(id) => store.rerunStep(id)} onUndo={(id) => store.openUndo(id)} onBack={() => store.back()} />
      ) : null;
    case 'undo':
      return state.undo ? <UndoScreen undo={state.undo} maxLines={rows - 1} width={columns} dryRun={state.dryRun} logTail={state.logTail} /> : null;
    case 'fatal':
      return (
        <Box flexDirection="column">
          {state.problem ? (
            <ProblemView problem={state.problem} />
          ) : (
            <T color="red">The wizard cannot continue.</T>
          )}
          {state.check ? <CheckResult check={state.check} practice={state.practice} /> : null}
          <T wrap="truncate-end">Log file: {state.logFile ?? 'none (not written)'}</T>
          <T dimColor>press q to quit</T>
        </Box>
      );
  }
}

export function App({ store, rows, columns }: AppProps) {
  // Wrapped so a store whose methods need `this` (a class instance) works too.
  const subscribe = useCallback((l: () => void) => store.subscribe(l), [store]);
  const getState = useCallback(() => store.getState(), [store]);
  const state = useSyncExternalStore(subscribe, getState);
  const size = useTerminalSize(rows, columns);
  // One answer per plan: a second Enter before the controller moves on must not apply twice.
  const answered = useRef<PlanView | undefined>(undefined);
  const [showWhy, setShowWhy] = useState(false);

  useInput((input, key) => {
    // While text is typed (the join line), q is a letter: only Ctrl-C quits.
    const typing = state.phase === 'question' && state.question?.kind === 'text';
    if ((!typing && (input === 'q' || input === 'Q')) || (key.ctrl && input === 'c')) {
      store.quit();
      return;
    }
    // ? shows why the current step exists (lab classes), beside the screen.
    if (!typing && input === '?') {
      setShowWhy((v) => !v);
      return;
    }
    switch (state.phase) {
      case 'welcome':
        if (!state.facts) return;
        if (key.return) store.proceed();
        else if (input === 'r' && state.resumeOffer) store.resume();
        else if (input === 'm') store.openMenu();
        else if (input === 'd') store.toggleDryRun();
        return;
      case 'confirm': {
        if (!state.pendingPlan || answered.current === state.pendingPlan) return;
        const answer = planAnswer(input, key.return, state.planByHand);
        if (answer === undefined) return;
        answered.current = state.pendingPlan;
        store.confirm(answer);
        return;
      }
      case 'running': {
        // No list has focus here: arrows and k/j scroll the log too.
        const page = Math.max(1, logRowsOf(state, size.rows) - 2);
        if (key.pageUp) store.scrollLog(page);
        else if (key.pageDown) store.scrollLog(-page);
        else if (key.upArrow || input === 'k') store.scrollLog(1);
        else if (key.downArrow || input === 'j') store.scrollLog(-1);
        else if (key.end || input === 'G') store.scrollLog('end');
        else if (input === 'f') store.toggleLogFilter();
        return;
      }
      case 'summary':
        if (input === 'm') store.openMenu();
        else if (input === 'u') store.openUndo();
        return;
      case 'undo': {
        const stage = state.undo?.stage;
        if (stage === 'review' || stage === 'ask') {
          if (input === 'y' || input === 'Y') store.undoAnswer(true);
          else if (input === 'n' || input === 'N') store.undoAnswer(false);
          else if (stage === 'review' && (key.escape || input === 'b')) store.back();
        } else if (stage === 'done' && (key.escape || input === 'b')) {
          store.back();
        }
        return;
      }
      default:
        return;
    }
  });
  const mode = modeLine(state);
  const why = showWhy && size.columns >= 80;
  const bodyColumns = why ? size.columns - WHY_WIDTH : size.columns;
  const bodyRows = size.rows - (mode ? 1 : 0);

  return (
    <Box flexDirection="column" width={size.columns}>
      <T bold wrap="truncate-end">
        gvisor-wizard{state.engine ? ` (${state.engine})` : ''} - {PHASE_TITLE[state.phase]}
      </T>
      {mode ? (
        <T bold color="magenta" wrap="truncate-end">
          {mode}
        </T>
      ) : null}
      {why ? (
        <Box flexDirection="row">
          <Box flexDirection="column" width={bodyColumns}>
            <Body state={state} store={store} rows={bodyRows} columns={bodyColumns} />
          </Box>
          <WhyPanel stepId={state.currentStepId ?? 'detect'} width={WHY_WIDTH} maxRows={bodyRows - 1} noColor={'NO_COLOR' in process.env} />
        </Box>
      ) : (
        <Body state={state} store={store} rows={bodyRows} columns={size.columns} />
      )}
      {state.phase === 'running' ? <T dimColor wrap="truncate-end">{RUNNING_KEYS}</T> : null}
    </Box>
  );
}
