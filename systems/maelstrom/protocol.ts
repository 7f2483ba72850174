/**
 * Maelstrom's wire protocol, as jitter speaks it: one JSON message per line, `{src, dest, body}`, where a
 * body has a `type`, and requests a `msg_id` that replies name in `in_reply_to`. Errors carry a `code` that
 * says whether the operation definitely did not happen.
 */

export interface Body {
  type: string;
  msg_id?: number;
  in_reply_to?: number;
  [field: string]: unknown;
}

export interface Message {
  src: string;
  dest: string;
  body: Body;
}

/** A parsed line, or null when it is not a Maelstrom message (a node may print junk; it is dropped). */
export function parseMessage(line: string): Message | null {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const m = v as Partial<Message>;
  if (typeof m.src !== 'string' || typeof m.dest !== 'string') return null;
  if (typeof m.body !== 'object' || m.body === null || typeof m.body.type !== 'string') return null;
  return m as Message;
}

/** Maelstrom's error codes; `definite` ones mean the operation did not take place. */
export const ERRORS: Record<number, { name: string; definite: boolean }> = {
  0: { name: 'timeout', definite: false },
  1: { name: 'node-not-found', definite: true },
  10: { name: 'not-supported', definite: true },
  11: { name: 'temporarily-unavailable', definite: true },
  12: { name: 'malformed-request', definite: true },
  13: { name: 'crash', definite: false },
  14: { name: 'abort', definite: true },
  20: { name: 'key-does-not-exist', definite: true },
  21: { name: 'key-already-exists', definite: true },
  22: { name: 'precondition-failed', definite: true },
  30: { name: 'txn-conflict', definite: true },
};

export const KEY_DOES_NOT_EXIST = 20;

/**
 * The first line on every connection to a node's inbox names who is calling: a peer node (its messages go
 * to the node) or a client (replies addressed to it come back on this connection). Not a Maelstrom message:
 * the router consumes it.
 */
export interface Hello {
  jitter: 'peer' | 'client';
  id: string;
}

export function parseHello(line: string): Hello | null {
  try {
    const v = JSON.parse(line) as Partial<Hello>;
    return (v.jitter === 'peer' || v.jitter === 'client') && typeof v.id === 'string' ? (v as Hello) : null;
  } catch {
    return null;
  }
}

/** Splits a stream into lines, keeping a partial last line until the rest arrives. */
export class LineSplitter {
  private rest = '';
  constructor(private readonly onLine: (line: string) => void) {}
  push(chunk: Buffer | string): void {
    const text = this.rest + chunk.toString();
    const lines = text.split('\n');
    this.rest = lines.pop() ?? '';
    for (const l of lines) if (l.trim()) this.onLine(l);
  }
}

/** "python3 node.py --x" → ["python3", "node.py", "--x"]; single or double quotes group words. */
export function splitCommand(command: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(command); m; m = re.exec(command)) out.push(m[1] ?? m[2] ?? m[3]!);
  return out;
}
