// Word wrap for plain text shown in a fixed number of columns (the CLI's `explain`, the TUI's
// side panel). Each input line is its own paragraph; a line that starts with spaces and/or "- "
// keeps that indent on its continuation lines, so short bullet lists stay readable when wrapped.

/** The indent a paragraph's continuation lines get: its leading spaces plus room for "- ". */
function hangingIndent(line: string): string {
  const m = /^(\s*)(- )?/.exec(line);
  return ' '.repeat((m?.[1]?.length ?? 0) + (m?.[2]?.length ?? 0));
}

/** Cut a word longer than the room into pieces (paths, URLs): never wider than `room`. */
function pieces(word: string, room: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < word.length; i += room) out.push(word.slice(i, i + room));
  return out;
}

/** Wrap one paragraph line. */
function wrapLine(line: string, width: number): string[] {
  const indent = hangingIndent(line);
  const lead = line.slice(0, indent.length);
  const words = line.slice(indent.length).split(/\s+/).filter(Boolean);
  if (words.length === 0) return [''];
  const out: string[] = [];
  let current = lead;
  let empty = true;
  const room = Math.max(1, width - indent.length);
  for (const word of words) {
    for (const piece of word.length > room ? pieces(word, room) : [word]) {
      if (!empty && current.length + 1 + piece.length > width) {
        out.push(current);
        current = indent;
        empty = true;
      }
      current += (empty ? '' : ' ') + piece;
      empty = false;
    }
  }
  out.push(current);
  return out;
}

/** `text` wrapped to at most `width` columns (at least 10); one array item per row. */
export function wrapText(text: string, width: number): string[] {
  const w = Math.max(10, Math.floor(width));
  return text.replace(/\r\n/g, '\n').split('\n').flatMap((line) => wrapLine(line.trimEnd(), w));
}
