/** Replica log lines (jitpaxos/PROTOCOL.md: `{t, replica, event, ...}`) into the report's event list. */
import fs from 'node:fs';
import path from 'node:path';
import { forEachJsonLine } from './jsonl.js';
import type { ReplicaEvents } from './types.js';

/** Events that tell the story of a replica; the rest (link, wire, listening, ...) are only counted. */
export const STORY_EVENTS = new Set([
  'start',
  'stop',
  'status',
  'view',
  'start-view',
  'repair',
  'recovered',
  'fatal',
]);
const MAX_DETAIL = 300;

function detailOf(line: Record<string, unknown>): string {
  const { t: _t, replica: _r, event: _e, view: _v, status: _s, ...rest } = line;
  const text =
    typeof rest.detail === 'string' && Object.keys(rest).length === 1 ? rest.detail : JSON.stringify(rest);
  return text.length > MAX_DETAIL ? `${text.slice(0, MAX_DETAIL - 1)}…` : text;
}

/** Reads replicas/*.log; `startMs` (epoch ms of the run's start) puts events on the history's time axis. */
export async function readReplicaEvents(dir: string, startMs: number): Promise<ReplicaEvents> {
  const out: ReplicaEvents = { replicas: [], events: [], restarts: {}, other: {}, nonJson: 0 };
  if (!fs.existsSync(dir)) return out;
  const logs = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.log'))
    .sort();
  for (const file of logs) {
    const id = path.basename(file, '.log');
    out.replicas.push(id);
    let starts = 0;
    const stats = await forEachJsonLine(path.join(dir, file), (v) => {
      if (!v || typeof v !== 'object') return;
      const line = v as Record<string, unknown>;
      const event = String(line.event ?? '');
      if (!STORY_EVENTS.has(event)) {
        out.other[event] = (out.other[event] ?? 0) + 1;
        return;
      }
      if (event === 'start') starts++;
      out.events.push({
        t: typeof line.t === 'number' ? line.t - startMs : 0,
        replica: typeof line.replica === 'string' ? line.replica : id,
        event,
        view: typeof line.view === 'number' ? line.view : null,
        status: typeof line.status === 'string' ? line.status : null,
        detail: detailOf(line),
      });
    });
    out.nonJson += stats.malformed;
    out.restarts[id] = Math.max(0, starts - 1);
  }
  out.events.sort((a, b) => a.t - b.t);
  return out;
}
