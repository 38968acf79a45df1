// A line of text typed or pasted (the kubeadm join command). A secret is shown masked as it
// is typed; a line ending in "\" continues, as in a shell paste. Enter sends, Ctrl-U clears.

import { useState } from 'react';
import { Box, useInput } from 'ink';
import type { QuestionView } from '../src/wizard/state.js';
import { redactJoinText } from '../src/kube/join.js';
import { T } from './T.js';

export function TextQuestion({ question, width, onAnswer }: { question: QuestionView; width: number; onAnswer(value: string): void }) {
  const [text, setText] = useState('');
  useInput((input, key) => {
    if (key.ctrl && input === 'u') { setText(''); return; }
    if (key.backspace || key.delete) { setText((t) => t.slice(0, -1)); return; }
    if (key.return) {
      if (/\\\s*$/.test(text)) { setText((t) => `${t}\n`); return; }
      if (text.trim()) onAnswer(text);
      return;
    }
    if (key.ctrl || key.meta || key.escape || key.upArrow || key.downArrow || key.leftArrow || key.rightArrow || key.tab) return;
    // A paste arrives as one chunk, possibly with line breaks.
    setText((t) => t + input.replace(/\r/g, '\n'));
  });
  const shown = question.secret ? redactJoinText(text) : text;
  const lines = shown.split('\n').slice(-4);
  return (
    <Box flexDirection="column" width={width}>
      <T bold wrap="wrap">{question.prompt}</T>
      <T dimColor wrap="wrap">{question.help}</T>
      <Box marginTop={1} flexDirection="column">
        {lines.map((l, i) => (
          <T key={i} wrap="truncate-start">{`${i === 0 ? '> ' : '  '}${l}`}</T>
        ))}
      </Box>
      {question.error ? <T color="red" wrap="wrap">{question.error}</T> : null}
      <T dimColor>Enter to check it, Ctrl-U to clear, Ctrl-C to quit</T>
    </Box>
  );
}
