/** The checkers jitter ships, registered by name (importing this module registers them). */

import type { History } from '../core/history.js';
import { type AvailabilityResult, checkAvailability } from './availability.js';
import { CommitChecker } from './commit-checker.js';
import { type CommitConsistencyResult, checkCommitConsistency } from './commit-consistency.js';
import { checkHistory } from './linearizability.js';
import { checkHistoryStream } from './linearizability-stream.js';
import { liveLinearizability } from './live-linearizability.js';
import { registerChecker } from './registry.js';
import { checkReplicaState, type ReplicaStateResult } from './replica-state.js';
import { checkStats, type StatsResult } from './stats.js';
import type { LinearizabilityResult } from './types.js';

/** The times of the history events at these indices (skipping absent ones). */
function timesAt(history: History, indices: Array<number | null | undefined>): number[] {
  return indices.flatMap((i) => {
    const t = i == null ? undefined : history[i]?.time;
    return t === undefined ? [] : [t];
  });
}

export const linearizabilityChecker = registerChecker<LinearizabilityResult>({
  name: 'linearizability',
  description: "every key's history has a linearization under the workload's model",
  needs: ['client-ops'],
  kind: 'safety',
  check: (input) =>
    checkHistory(input.history, { model: input.model, maxSteps: input.maxSteps, timeoutMs: input.timeoutMs }),
  stream: (input) =>
    checkHistoryStream(input.history, {
      model: input.model,
      maxSteps: input.maxSteps,
      timeoutMs: input.timeoutMs,
    }),
  live: liveLinearizability,
  implicated: (r, history) => {
    const cx = r.counterexample;
    return timesAt(
      history,
      [cx?.op, ...(cx?.pending ?? [])].map((op) => op && (op.ret ?? op.call)),
    );
  },
});

export const commitConsistencyChecker = registerChecker<CommitConsistencyResult>({
  name: 'commit-consistency',
  description: 'committed entries stay at their index in every replica log (Inv, agreement, durability)',
  // Not 'dumps': agreement among the history's commits is checked without them (the checker says unknown
  // when that is all it could check).
  needs: [],
  kind: 'safety',
  check: (input) =>
    checkCommitConsistency({
      history: input.history,
      dumps: input.dumps,
      replicas: [...input.replicas],
    }),
  // It reads the history once, in order: a stream does as well as an array.
  stream: (input) =>
    checkCommitConsistency({
      history: input.history,
      dumps: input.dumps,
      replicas: [...input.replicas],
    }),
  live: (o) => {
    const checker = new CommitChecker(o.replicas);
    return {
      op: (op) => checker.op(op),
      dump: (r) => checker.record(r),
      // Durability waits for the end: mid-run, a commit newer than a replica's last dump is not missing.
      anomaly: () => {
        const v = checker.result().violations.find((x) => x.kind !== 'durability');
        return v ? `${v.kind}: ${v.message}` : null;
      },
    };
  },
  implicated: (r, history) =>
    timesAt(
      history,
      r.violations.flatMap((v) => [v.commit?.opIndex, v.other?.opIndex]),
    ),
});

export const statsChecker = registerChecker<StatsResult>({
  name: 'stats',
  description: 'counts of ok / fail / info per operation kind',
  needs: ['client-ops'],
  kind: 'info',
  check: (input) => checkStats(input.history, { survives: input.survives }),
  stream: (input) => checkStats(input.history, { survives: input.survives }),
});

export const availabilityChecker = registerChecker<AvailabilityResult>({
  name: 'availability',
  description:
    'operations complete within a bound, and nothing stalls, while no disruptive fault is active (crashes of nodes the system survives losing are not)',
  needs: ['client-ops'],
  kind: 'liveness',
  check: (input) => checkAvailability(input.history, { survives: input.survives }),
  stream: (input) => checkAvailability(input.history, { survives: input.survives }),
  implicated: (r) => [...r.late.map((l) => l.invokedAt), ...r.stalls.map((st) => st.start)],
});

export const replicaStateChecker = registerChecker<ReplicaStateResult>({
  name: 'replica-state',
  description:
    "a replica's view and logViewID never go back, its status moves only along the protocol's transitions",
  needs: ['replica-events'],
  kind: 'safety',
  check: (input) =>
    checkReplicaState({
      events: input.replicaEvents ?? [],
      dumps: input.dumps,
      history: input.history,
      logChecksum: input.logChecksum,
    }),
  stream: (input) =>
    checkReplicaState({
      events: input.replicaEvents ?? [],
      dumps: input.dumps,
      history: input.history,
      logChecksum: input.logChecksum,
    }),
});
