// The wizard's view: renders the store's WizardState by phase and turns keys into intents.
// It runs nothing itself; quitting (q, Ctrl-C) is the controller's job (render with exitOnCtrlC: false).

import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { Box, useInput, useStdout } from 'ink';
import type { Phase, PlanView, WizardState, WizardStore } from '../src/wizard/state.js';
import { CheckResult } from './CheckResult.js';
import { LogPane } from './LogPane.js';
import { PlanConfirm } from './PlanConfirm.js';
import { Question } from './Question.js';
import { TextQuestion } from './TextQuestion.js';
import { ProblemView } from './ProblemView.js';
import { RuntimeChoice } from './RuntimeChoice.js';
import { StepList } from './StepList.js';
import { Summary } from './Summary.js';
import { T } from './T.js';
import { Welcome } from './Welcome.js';

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
  fatal: 'cannot continue',
};

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

function Body({ state, store, rows, columns }: { state: WizardState; store: WizardStore; rows: number; columns: number }) {
  switch (state.phase) {
    case 'detecting':
      return <T>Detecting this machine...</T>;
    case 'welcome':
      return state.facts ? <Welcome facts={state.facts} /> : <T>Detecting this machine...</T>;
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
        <PlanConfirm plan={state.pendingPlan} maxLines={rows - 5} />
      ) : (
        <T>Preparing the plan...</T>
      );
    case 'running': {
      const logRows = Math.max(3, Math.min(MAX_LOG_LINES, rows - 4 - stepListHeight(state)));
      return (
        <Box flexDirection="column">
          <StepList steps={state.steps} currentStepId={state.currentStepId} />
          <Box marginTop={1}>
            <LogPane lines={state.logTail} progress={state.progress} maxLines={logRows} width={columns} />
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
        />
      );
    case 'fatal':
      return (
        <Box flexDirection="column">
          {state.problem ? (
            <ProblemView problem={state.problem} />
          ) : (
            <T color="red">The wizard cannot continue.</T>
          )}
          {state.check ? <CheckResult check={state.check} /> : null}
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

  useInput((input, key) => {
    // While text is typed (the join line), q is a letter: only Ctrl-C quits.
    const typing = state.phase === 'question' && state.question?.kind === 'text';
    if ((!typing && (input === 'q' || input === 'Q')) || (key.ctrl && input === 'c')) {
      store.quit();
      return;
    }
    if (state.phase === 'welcome' && key.return && state.facts) {
      store.proceed();
      return;
    }
    if (state.phase === 'confirm' && state.pendingPlan && answered.current !== state.pendingPlan) {
      const yes = input === 'y' || input === 'Y' || key.return;
      const no = input === 'n' || input === 'N';
      if (yes || no) {
        answered.current = state.pendingPlan;
        store.confirm(yes);
      }
    }
  });

  return (
    <Box flexDirection="column" width={size.columns}>
      <T bold wrap="truncate-end">
        gvisor-wizard{state.engine ? ` (${state.engine})` : ''} - {PHASE_TITLE[state.phase]}
      </T>
      <Body state={state} store={store} rows={size.rows} columns={size.columns} />
      {state.phase === 'running' ? <T dimColor>q to quit (stops the running command safely)</T> : null}
    </Box>
  );
}
