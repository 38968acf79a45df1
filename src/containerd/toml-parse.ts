// Parsing containerd TOML for reading and verification only (edits are text edits).
// @iarna/toml rejects a CR inside comments ("Control characters ... not allowed in
// comments"), so a CRLF file that containerd reads fine would be refused: parse with LF.

import TOML from '@iarna/toml';

export function parseTomlText(text: string): Record<string, unknown> {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  return TOML.parse(body.replace(/\r\n/g, '\n')) as Record<string, unknown>;
}
