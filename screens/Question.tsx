// One runsc option at a time: the question, why it matters, and the choices.

import { Box } from 'ink';
import SelectInput from 'ink-select-input';
import type { QuestionView } from '../src/wizard/state.js';
import { T } from './T.js';
import { useBurstSafeSelect } from './use-burst-safe-select.js';

function Indicator({ isSelected = false }: { isSelected?: boolean }) {
  return <T color="cyan">{isSelected ? '> ' : '  '}</T>;
}

function ItemRow({ isSelected = false, label }: { isSelected?: boolean; label: string }) {
  return (
    <T color={isSelected ? 'cyan' : undefined} bold={isSelected} wrap="truncate-end">
      {label}
    </T>
  );
}

export function Question({ question, onAnswer }: { question: QuestionView; onAnswer(value: string): void }) {
  const select = useBurstSafeSelect(onAnswer);
  return (
    <Box flexDirection="column">
      <T bold>{question.prompt}</T>
      <T dimColor wrap="wrap">{question.help}</T>
      <Box marginTop={1}>
        <SelectInput
          key={question.id}
          items={question.options.map((o) => ({ key: o.value, label: o.label, value: o.value }))}
          initialIndex={question.initial}
          indicatorComponent={Indicator}
          itemComponent={ItemRow}
          onHighlight={select.onHighlight}
          onSelect={select.onSelect}
        />
      </Box>
      <T dimColor>Up/Down to move, Enter to choose, q to quit</T>
    </Box>
  );
}
