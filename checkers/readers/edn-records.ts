/**
 * Splits Jepsen EDN text into its operation maps, with their line numbers. The values themselves are parsed
 * by edn-data; this pass exists because edn-data is lenient about structure (it silently accepts a missing
 * or mismatched bracket and a stray `}`), reports no line numbers, and we must name the line of bad input.
 * A history is either a sequence of maps or one top-level vector / list of maps.
 */
export interface EdnRecord {
  text: string;
  line: number;
}

export class EdnStructureError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

const CLOSER: Record<string, string> = { '[': ']', '(': ')', '{': '}' };

export function ednRecords(src: string): EdnRecord[] {
  const records: EdnRecord[] = [];
  const stack: Array<{ ch: string; line: number }> = [];
  let recordDepth = -1; // decided by the first significant character
  let wrapperClosed = false;
  let start = -1;
  let startLine = 0;
  let line = 1;
  const n = src.length;
  for (let i = 0; i < n; i++) {
    const c = src[i]!;
    if (c === '\n') {
      line++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === ',') continue;
    if (c === ';') {
      while (i + 1 < n && src[i + 1] !== '\n') i++;
      continue;
    }
    if (recordDepth === -1) recordDepth = c === '[' || c === '(' ? 1 : 0;
    if (wrapperClosed)
      throw new EdnStructureError(line, 'unexpected text after the closing bracket of the history');
    const depth = stack.length;
    // A tagged record (#jepsen.history.Op{...}): the record starts at the tag.
    if (c === '#' && depth === recordDepth && src[i + 1] !== '{' && src[i + 1] !== '_') {
      const tagStart = i;
      while (i + 1 < n && !/[\s{,]/.test(src[i + 1]!)) i++;
      if (src[i + 1] !== '{') throw new EdnStructureError(line, 'expected a map after the tag');
      i++;
      start = tagStart;
      startLine = line;
      stack.push({ ch: '{', line });
      continue;
    }
    const closer = c === ']' || c === ')' || c === '}';
    if (depth === recordDepth && c !== '{' && !closer && !(depth === 0 && recordDepth === 1)) {
      throw new EdnStructureError(
        line,
        `expected an operation map "{...}", found "${src.slice(i, i + 20).split('\n')[0]}"`,
      );
    }
    if (c === '"') {
      const open = line;
      for (i++; i < n && src[i] !== '"'; i++) {
        if (src[i] === '\\') i++;
        else if (src[i] === '\n') line++;
      }
      if (i >= n) throw new EdnStructureError(open, 'unterminated string');
      continue;
    }
    if (c === '\\') {
      i++; // a character literal such as \] must not count as a bracket
      continue;
    }
    if (c === '[' || c === '(' || c === '{') {
      if (depth === recordDepth) {
        start = i;
        startLine = line;
      }
      stack.push({ ch: c, line });
      continue;
    }
    if (c === ']' || c === ')' || c === '}') {
      const top = stack.pop();
      if (!top) throw new EdnStructureError(line, `unmatched "${c}"`);
      if (CLOSER[top.ch] !== c) {
        throw new EdnStructureError(line, `"${c}" does not close the "${top.ch}" opened on line ${top.line}`);
      }
      if (stack.length === recordDepth) records.push({ text: src.slice(start, i + 1), line: startLine });
      if (stack.length === 0 && recordDepth === 1) wrapperClosed = true;
    }
  }
  const open = stack.pop();
  if (open) throw new EdnStructureError(open.line, `"${open.ch}" opened here is never closed`);
  return records;
}
