/** A simulated run as a readable step list: faults, replica view/status changes and client operations in time order. */
import type { Op } from '../core/history.js';
import type { ScheduledAction } from '../nemesis/types.js';
import type { SimFault } from './fault-types.js';
import type { SimRun } from './run.js';
import { SIM_EPOCH_MS } from './world.js';

const ms = (ns: number) => `${(ns / 1e6).toFixed(3).padStart(10)} ms`;

function opLine(op: Op): string {
  if (op.process === 'nemesis') return `nemesis ${op.f} ${JSON.stringify(op.value)}`;
  const where = op.commit ? ` (view ${op.commit.view}, index ${op.commit.index})` : '';
  const why = op.error ? ` [${op.error}]` : '';
  return `p${op.process} ${op.type} ${op.f}${op.key !== undefined ? ` ${op.key}` : ''} ${JSON.stringify(op.value)}${where}${why}`;
}

export function stepList(run: SimRun, checkers: readonly string[], maxLines = 2000): string {
  const lines: Array<{ t: number; text: string }> = run.history.map((op) => ({
    t: op.time,
    text: opLine(op),
  }));
  for (const [replica, log] of run.replicaLogs) {
    for (const l of log) {
      const e = l as {
        t: number;
        event: string;
        detail?: string;
        status?: string;
        view?: number;
      };
      if (!['start', 'stop', 'status', 'view', 'start-view', 'recovered', 'repair'].includes(e.event))
        continue;
      lines.push({
        t: (e.t - SIM_EPOCH_MS) * 1e6,
        text: `${replica} ${e.event}${e.detail ? `: ${e.detail}` : ''}`,
      });
    }
  }
  // Replica lines carry millisecond stamps on the simulated epoch; a stable sort keeps same-time order.
  const placed = lines.sort((a, b) => a.t - b.t);
  const o = run.options;
  const head = [
    `seed ${o.seed}, ${o.replicas} replicas, ${o.mode}${o.flaws.length ? ` +${o.flaws.join('+')}` : ''}, ` +
      `${o.concurrency} clients, ${o.timeLimit} s${o.opLimit !== undefined ? `, at most ${o.opLimit} operations` : ''}`,
    ...checkers.map(
      (c) => `failing: ${c}: ${run.results.checkers[c]?.reason ?? run.results.checkers[c]?.valid}`,
    ),
    '',
  ];
  const body = placed.slice(0, maxLines).map((l) => `${ms(l.t)}  ${l.text}`);
  if (placed.length > maxLines) body.push(`... ${placed.length - maxLines} more steps`);
  return `${[...head, ...body].join('\n')}\n`;
}

/** The schedule's actions that `jitter test --schedule` can carry out against real processes. */
export function realSchedule(
  schedule: readonly ScheduledAction[],
  faults: Map<string, SimFault>,
): ScheduledAction[] {
  return schedule.filter((a) => faults.get(a.fault)?.real === true);
}
