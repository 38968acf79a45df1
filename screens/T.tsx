// Text that honours NO_COLOR: chalk (used by Ink) ignores NO_COLOR, so every color and style
// in the screens goes through here and is dropped when NO_COLOR is set.

import { Text, type TextProps } from 'ink';
import { colorEnabled } from './format.js';

export function T(props: TextProps) {
  if (colorEnabled()) return <Text {...props} />;
  const { children, wrap } = props;
  return <Text wrap={wrap}>{children}</Text>;
}
