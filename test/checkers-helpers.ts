/** Builds histories for checker tests: [process, type, f, value, key?] per event, in real-time order. */
import type { History, Op } from '../core/history.js';

export type Ev = [Op['process'], Op['type'], string, unknown, string?];

export function hist(events: Ev[]): History {
  return events.map(([process, type, f, value, key], index) => {
    const op: Op = { index, time: index * 1000, type, process, f, value };
    if (key !== undefined) op.key = key;
    return op;
  });
}
