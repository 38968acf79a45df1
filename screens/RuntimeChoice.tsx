// Pick the container engine to put behind gVisor. Options that cannot be chosen are listed
// below the menu, dimmed, with the reason; they are not in the menu at all.

import { Box } from 'ink';
import SelectInput from 'ink-select-input';
import type { EngineName, RuntimeChoiceView } from '../src/wizard/state.js';
import { T } from './T.js';
import { useBurstSafeSelect } from './use-burst-safe-select.js';

export interface RuntimeChoiceProps {
  choices: RuntimeChoiceView[];
  /** Preselected engine, if any. */
  engine?: EngineName;
  onChoose(engine: EngineName): void;
}

function Indicator({ isSelected = false }: { isSelected?: boolean }) {
  return <T color="cyan">{isSelected ? '> ' : '  '}</T>;
}

function Item({ isSelected = false, label }: { isSelected?: boolean; label: string }) {
  return (
    <T color={isSelected ? 'cyan' : undefined} bold={isSelected}>
      {label}
    </T>
  );
}

export function RuntimeChoice({ choices, engine, onChoose }: RuntimeChoiceProps) {
  const enabled = choices.filter((c) => c.disabledReason === undefined);
  const disabled = choices.filter((c) => c.disabledReason !== undefined);
  const items = enabled.map((c) => ({ key: c.value, label: c.label, value: c.value }));
  const initial = Math.max(0, enabled.findIndex((c) => c.value === engine));
  const select = useBurstSafeSelect((v) => onChoose(v as (typeof items)[number]['value']));
  return (
    <Box flexDirection="column">
      <T bold>Which container engine should run containers under gVisor?</T>
      {items.length > 0 ? (
        <SelectInput
          items={items}
          initialIndex={initial}
          indicatorComponent={Indicator}
          itemComponent={Item}
          onHighlight={select.onHighlight}
          onSelect={select.onSelect}
        />
      ) : (
        <T color="red">No engine can be set up on this machine.</T>
      )}
      {disabled.map((c) => (
        <T key={c.value} dimColor wrap="truncate-end">
          {'  x '}
          {c.label} (not available: {c.disabledReason})
        </T>
      ))}
      <T dimColor>{items.length > 0 ? 'Up/Down to move, Enter to choose, q to quit' : 'q to quit'}</T>
    </Box>
  );
}
