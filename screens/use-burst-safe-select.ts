// Keys that arrive together (Down then Enter in one read: a paste, a fast typist, a laggy
// link) reach ink-select-input before it re-renders, so its Enter handler still sees the old
// row and would choose it. The row it highlighted last, before the next render, is the one
// the operator chose: pass these two handlers to SelectInput.

import { useEffect, useRef } from 'react';

export function useBurstSafeSelect<T extends { value: string }>(onChoose: (value: string) => void): {
  onHighlight(item: T): void;
  onSelect(item: T): void;
} {
  const movedTo = useRef<T | null>(null);
  // After a render the component's own state is current again.
  useEffect(() => { movedTo.current = null; });
  return {
    onHighlight: (item) => { movedTo.current = item; },
    onSelect: (item) => onChoose((movedTo.current ?? item).value),
  };
}
