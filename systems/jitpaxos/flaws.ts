/**
 * JIT Paxos's seed flaws as the harness exposes them: which nemesis and settings show each flaw in otherwise
 * fixed mode, and which flaws the fixes mask when switched on alone.
 */
import { ALL_FLAWS } from '../../jitpaxos/config.js';
import { FAULT_NAMES } from '../../nemesis/index.js';

export { ALL_FLAWS };

/** The test-config fields a flaw's exposure sets (a subset of `jitter test`'s config). */
// A type alias, not an interface, so that it fits TestConfig's index signature.
export type FlawConfig = {
  mode?: 'fixed' | 'seed';
  flaws?: string[];
  fsync?: boolean;
  jitLeadMs?: number;
  timeLimit?: number;
  nemesisInterval?: number;
  nemesis?: string[];
  replicas?: number;
  workload?: 'register' | 'kv';
  clockGranularityUs?: number;
  schedule?: unknown[];
};

/**
 * Flaws that the other fixes make harmless when switched on alone, so that no run can show them (DESIGN.md
 * §2.3; the core tests "view-change-choice alone" pin the reasons down). view-change-choice: the primary
 * handles its own StartView before any later reply, so it never sends a second log; the arbitrary choice is
 * among logs that all carry every commit; and a half-size view of an even cluster still meets every commit
 * quorum (n/2 + 1). They show in seed mode, with the other flaws.
 */
export const MASKED_FLAWS: readonly string[] = ['view-change-choice'];

/** Which nemesis (and setting) exposes each seed flaw in otherwise fixed mode. */
export const FLAW_EXPOSURE: Record<string, FlawConfig> = {
  // Coarse clocks make timestamps tie.
  'timestamp-tie': { nemesis: [], clockGranularityUs: 1000 },
  // Jitter reorders requests between replicas, which is what sends them into reconcile and repair. Both
  // reconcile flaws sit on the path that just-in-time stamping (DESIGN §2.8) keeps traffic off, so their
  // exposures stamp on the client's clock alone (jitLeadMs 0): the exposure's job is to drive that path.
  'repair-splice': { nemesis: ['latency'], replicas: 3, workload: 'kv', jitLeadMs: 0 },
  // A slow primary answers last, so the seed sends the reconcile to the primary, which ignores it: the
  // replicas that fell behind are never repaired and nothing commits while the primary stays slow. 120 ms
  // (not 40) so the primary still answers last when a busy machine delays the backups' answers too.
  'misdirected-reconcile': {
    nemesis: ['latency'],
    workload: 'kv',
    jitLeadMs: 0,
    schedule: [
      {
        atMs: 3000,
        fault: 'latency',
        action: 'start',
        params: { scope: 'primary', attributes: { latency: 120, jitter: 5 } },
      },
    ],
  },
  // Coarse clocks make concurrent clients' timestamps collide; the primary rejects all but the first of
  // each tie, and without the client's resend those requests are abandoned although no fault is active.
  'no-retry': { nemesis: [], clockGranularityUs: 1000 },
  'no-durability': { nemesis: ['kill'] },
  'view-change-choice': { nemesis: ['partition', 'latency'], replicas: 5 },
  // Half the clients jump 30 s ahead and stay there until the final heal: without the hybrid clock the
  // others, and then everyone once clocks are reset, are rejected until real time catches up.
  'clock-skew': {
    nemesis: ['clock'],
    schedule: [
      {
        atMs: 4000,
        fault: 'clock',
        action: 'start',
        params: { op: 'bump', deltaUs: 30_000_000, who: 'clients', fraction: 0.5, pickSeed: 7 },
      },
    ],
  },
  'local-reads': { nemesis: ['partition'] },
};

/** The config of a fixed-mode run with exactly this flaw on, exposed by its nemesis. */
export function flawConfig(flaw: string, timeLimit: number): FlawConfig {
  const exposure = FLAW_EXPOSURE[flaw] ?? {};
  // Faults the registry does not have (yet) are left out rather than failing the whole matrix.
  const nemesis = (exposure.nemesis ?? []).filter((n) => FAULT_NAMES.includes(n));
  return { mode: 'fixed', flaws: [flaw], fsync: false, timeLimit, nemesisInterval: 3, ...exposure, nemesis };
}
