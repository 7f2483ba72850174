/**
 * Operation generators with Jepsen-like combinators, so that a workload is a small declarative value.
 *
 * A generator is asked, by one logical process at a time, for that process's next operation. Every random
 * choice comes from the asking process's own seeded stream, so the sequence of operations each process
 * performs depends on the seed, not on timing (time limits only decide where the sequence is cut).
 */
import type { ClientOp, ClientOutcome } from './db.js';
import type { Rng } from './rng.js';

export interface GenContext {
  /** Milliseconds since the run started. */
  now: number;
  /** The worker slot asking (stable across process retirement: 0..concurrency-1). */
  slot: number;
  /** The process number currently serving that slot. */
  process: number;
  /** This slot's random stream. */
  rng: Rng;
}

/** An operation (after an optional delay), nothing yet (ask again shortly), or nothing ever again. */
export type Next = { op: ClientOp; delayMs?: number } | 'wait' | 'done';

export interface Generator {
  next(ctx: GenContext): Next;
  /** The outcome of an operation this generator produced. */
  update?(ctx: GenContext, op: ClientOp, outcome: ClientOutcome['type']): void;
}

/** An endless stream of operations made by `f`. */
export function fn(f: (rng: Rng, ctx: GenContext) => ClientOp): Generator {
  return { next: (ctx) => ({ op: f(ctx.rng, ctx) }) };
}

/** Each call picks one of the generators at random. */
export function mix(...gens: Generator[]): Generator {
  const chosen = new WeakMap<ClientOp, Generator>();
  return {
    next(ctx) {
      const g = ctx.rng.pick(gens);
      const n = g.next(ctx);
      if (typeof n === 'object') chosen.set(n.op, g);
      return n;
    },
    update(ctx, op, outcome) {
      chosen.get(op)?.update?.(ctx, op, outcome);
    },
  };
}

/** A random pause before each operation, uniform in [0, 2 * meanMs): on average one op per meanMs per process. */
export function stagger(meanMs: number, gen: Generator): Generator {
  return {
    next(ctx) {
      const n = gen.next(ctx);
      if (typeof n !== 'object') return n;
      return { op: n.op, delayMs: (n.delayMs ?? 0) + ctx.rng.next() * 2 * meanMs };
    },
    update: gen.update?.bind(gen),
  };
}

/** Done `ms` after the first operation was asked for. */
export function timeLimit(ms: number, gen: Generator): Generator {
  let start: number | null = null;
  return {
    next(ctx) {
      start ??= ctx.now;
      return ctx.now - start >= ms ? 'done' : gen.next(ctx);
    },
    update: gen.update?.bind(gen),
  };
}

/** At most `n` operations in all. */
export function limit(n: number, gen: Generator): Generator {
  let given = 0;
  return {
    next(ctx) {
      if (given >= n) return 'done';
      const x = gen.next(ctx);
      if (typeof x === 'object') given++;
      return x;
    },
    update: gen.update?.bind(gen),
  };
}

/** One operation, to the first process that asks. */
export function once(op: ClientOp): Generator {
  return limit(1, { next: () => ({ op }) });
}

/** The same operation, one attempt at a time, until one attempt is ok (or `maxAttempts` ran out). */
export function untilOk(op: ClientOp, maxAttempts = 20): Generator {
  let inFlight = false;
  let done = false;
  let attempts = 0;
  return {
    next() {
      if (done || attempts >= maxAttempts) return 'done';
      if (inFlight) return 'wait';
      inFlight = true;
      attempts++;
      // A fresh object each attempt, so the outcome is attributed to this attempt.
      return { op: { ...op } };
    },
    update(_ctx, _op, outcome) {
      inFlight = false;
      if (outcome === 'ok') done = true;
    },
  };
}

/** Each process walks through the generators in order, moving on when the current one is done for it. */
export function phases(...gens: Generator[]): Generator {
  const at = new Map<number, number>();
  const from = new WeakMap<ClientOp, Generator>();
  return {
    next(ctx) {
      let i = at.get(ctx.slot) ?? 0;
      while (i < gens.length) {
        const n = gens[i]!.next(ctx);
        if (n !== 'done') {
          if (typeof n === 'object') from.set(n.op, gens[i]!);
          at.set(ctx.slot, i);
          return n;
        }
        i++;
      }
      at.set(ctx.slot, i);
      return 'done';
    },
    update(ctx, op, outcome) {
      from.get(op)?.update?.(ctx, op, outcome);
    },
  };
}

/** A generator of its own for each worker slot. */
export function perProcess(make: (slot: number) => Generator): Generator {
  const gens = new Map<number, Generator>();
  const get = (slot: number) => {
    let g = gens.get(slot);
    if (!g) {
      g = make(slot);
      gens.set(slot, g);
    }
    return g;
  };
  return {
    next: (ctx) => get(ctx.slot).next(ctx),
    update: (ctx, op, outcome) => get(ctx.slot).update?.(ctx, op, outcome),
  };
}

/** Several generators served side by side, each to whoever asks first, until all are done. */
export function concat(...gens: Generator[]): Generator {
  const from = new WeakMap<ClientOp, Generator>();
  return {
    next(ctx) {
      let waiting = false;
      for (const g of gens) {
        const n = g.next(ctx);
        if (typeof n === 'object') {
          from.set(n.op, g);
          return n;
        }
        if (n === 'wait') waiting = true;
      }
      return waiting ? 'wait' : 'done';
    },
    update(ctx, op, outcome) {
      from.get(op)?.update?.(ctx, op, outcome);
    },
  };
}
