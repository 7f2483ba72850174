/**
 * Commit-consistency violations with the replicas' log entries side by side: the final log of every replica,
 * and the log the violation was found in, around the index concerned.
 */
import type { CommitConsistencyResult } from '../checkers/commit-consistency.js';
import { type DecodedLogDump, isCompacted } from '../checkers/dump-stream.js';
import type { LogLike } from '../checkers/entry-table.js';
import type { CommitViolation, LogEntry } from '../checkers/types.js';
import { nsToMs, showValue } from './ops.js';
import type { CommitView, EntryView, SideBySide, ViolationView } from './types.js';

/** Log indices shown on each side of the one a violation names. */
const AROUND = 1;

export function entryView(e: LogEntry | null | undefined, index: number): EntryView | null {
  // Compacted by the replica before any dump showed it: nothing to show.
  if (!e || typeof e !== 'object' || isCompacted(e)) return null;
  return { index, ts: e.ts, client: String(e.client), req: e.req, op: showValue(e.op) ?? '' };
}

/** A decoded dump, or one kept as it was (its log copied). */
type ShownDump = Omit<DecodedLogDump, 'log'> & { log: LogLike };

/** Keeps, while dumps stream by, only what the view needs: final logs and the dumps violations cite. */
export class DumpCollector {
  private readonly latest = new Map<string, ShownDump>();
  private readonly flagged = new Map<string, ShownDump>();
  private readonly cited = new Map<string, ShownDump>();
  count = 0;

  constructor(private readonly wanted: Set<string>) {}

  static citing(violations: CommitViolation[]): DumpCollector {
    return new DumpCollector(
      new Set(
        violations
          .filter((v) => v.replica && v.takenAt !== undefined)
          .map((v) => `${v.replica}@${v.takenAt}`),
      ),
    );
  }

  add(d: ShownDump): void {
    if (!d || typeof d !== 'object' || typeof d.replica !== 'string') return;
    this.count++;
    const seen = this.latest.get(d.replica);
    if (!seen || d.takenAt >= seen.takenAt) this.latest.set(d.replica, d);
    if (d.final) this.flagged.set(d.replica, d);
    const key = `${d.replica}@${d.takenAt}`;
    // A decoded dump's log changes with the replica's next dump: a cited one is kept as it was.
    if (this.wanted.has(key)) this.cited.set(key, { ...d, log: d.log.slice() });
  }

  /** Same rule as the checker's finalDumps: the flagged final ones, else each replica's latest. */
  finals(): ShownDump[] {
    const list = this.flagged.size > 0 ? [...this.flagged.values()] : [...this.latest.values()];
    return list.sort((a, b) => a.replica.localeCompare(b.replica));
  }

  cite(replica: string, takenAt: number): ShownDump | undefined {
    return this.cited.get(`${replica}@${takenAt}`);
  }
}

function sideBySide(v: CommitViolation, dumps: DumpCollector): SideBySide | null {
  if (v.index === undefined) return null;
  const cols: ShownDump[] = dumps.finals();
  const labels = cols.map((d) => (d.final ? 'final' : `last dump @ ${nsToMs(d.takenAt)} ms`));
  if (v.replica !== undefined && v.takenAt !== undefined) {
    const cited = dumps.cite(v.replica, v.takenAt);
    // Cited dumps are copies (see add): the final one is recognised by replica and time.
    if (cited && !cols.some((d) => d.replica === cited.replica && d.takenAt === cited.takenAt)) {
      cols.unshift(cited);
      labels.unshift(`dump @ ${nsToMs(cited.takenAt)} ms`);
    }
  }
  if (cols.length === 0) return null;
  const rows: SideBySide['rows'] = [];
  for (let index = Math.max(1, v.index - AROUND); index <= v.index + AROUND; index++) {
    rows.push({ index, cells: cols.map((d) => entryView(d.log.at(index - 1), index)) });
  }
  return {
    columns: cols.map((d, i) => ({
      replica: d.replica,
      label: labels[i]!,
      status: String(d.status),
      view: d.view,
      length: d.log.length,
    })),
    rows,
  };
}

export function commitView(
  result: Partial<CommitConsistencyResult> | undefined,
  dumps: DumpCollector,
): CommitView | null {
  if (!result) return null;
  // Partial: a results.json written by an older jitter may lack fields.
  const violations = Array.isArray(result.violations) ? result.violations : [];
  return {
    valid: result.valid ?? 'unknown',
    reason: typeof result.reason === 'string' ? result.reason : null,
    counts: result.counts ?? {},
    commits: Number(result.commits ?? 0),
    dumps: Number(result.dumps ?? dumps.count),
    violations: violations.map(
      (v): ViolationView => ({
        kind: String(v.kind),
        message: String(v.message ?? ''),
        index: v.index ?? null,
        replica: v.replica ?? null,
        takenAt: v.takenAt === undefined ? null : nsToMs(v.takenAt),
        commit: (v.commit as unknown as Record<string, unknown>) ?? null,
        other: (v.other as unknown as Record<string, unknown>) ?? null,
        entries: (v.entries ?? []).map((e) => entryView(e, v.index ?? 0)),
        sideBySide: sideBySide(v, dumps),
      }),
    ),
  };
}
