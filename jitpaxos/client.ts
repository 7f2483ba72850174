/**
 * JitClient: the client library. Each operation resolves ok (committed, with its result and where it
 * committed), fail (definitely not applied) or info (timed out: it may or may not apply, now or later).
 */

import { wallClockMicros } from '../core/clocks.js';
import {
  abandonRequest,
  type ClientEffect,
  type ClientState,
  type CommitInfo,
  clientRequest,
  handleClientReply,
  initialClient,
  retryRequest,
} from './client-core.js';
import { type Mode, makeConfig, type ProtocolConfig, type Timing } from './config.js';
import type { ClientReply, KvOp } from './messages.js';
import type { Address } from './replica.js';
import { ClientConnection } from './transport.js';

export type ClientResult =
  | { type: 'ok'; value: string | null; commit: CommitInfo }
  | { type: 'fail'; error: string; commit?: CommitInfo }
  | { type: 'info'; error: string };

export interface JitClientOptions {
  /** Unique per client instance: the protocol deduplicates by (client id, request id). */
  id: string;
  /** Every replica's client address (through its client proxy, under the harness). */
  replicas: Record<string, Address>;
  mode: Mode;
  flaws?: string[];
  timing?: Partial<Timing>;
  /** The client's clock in microseconds; the clock nemesis skews it. Default: wall clock. */
  clock?: () => number;
  /** After this long without an outcome, an operation is indeterminate. */
  timeoutMs?: number;
  /** The view to start in (default 1), e.g. the newest view an earlier client on this machine learned. */
  initialView?: number;
  /** The hybrid clock's floor to start from (µs), e.g. the highest timestamp an earlier client here saw. */
  initialSeenTs?: number;
  log?: (line: string) => void;
}

interface Waiter {
  resolve: (r: ClientResult) => void;
  deadline: NodeJS.Timeout;
  retry: NodeJS.Timeout | null;
}

export class JitClient {
  readonly cfg: ProtocolConfig;
  private readonly state: ClientState;
  private readonly conns = new Map<string, ClientConnection>();
  private readonly waiters = new Map<number, Waiter>();
  private readonly clock: () => number;
  private readonly timeoutMs: number;
  private closed = false;
  /** Resolves once every replica's connection has been up. */
  private readonly connected: Promise<void>;

  constructor(readonly opts: JitClientOptions) {
    this.cfg = makeConfig({
      replicas: Object.keys(opts.replicas),
      mode: opts.mode,
      flaws: opts.flaws ?? [],
      timing: opts.timing,
    });
    this.state = initialClient(opts.id, opts.initialView ?? 1, opts.initialSeenTs ?? 0);
    this.clock = opts.clock ?? wallClockMicros;
    this.timeoutMs = opts.timeoutMs ?? 1000;
    const log = opts.log ?? (() => {});
    let allUp = () => {};
    this.connected = new Promise((resolve) => {
      allUp = resolve;
    });
    for (const [id, addr] of Object.entries(opts.replicas)) {
      this.conns.set(
        id,
        new ClientConnection({
          host: addr.host,
          port: addr.port,
          log,
          onMessage: (msg) => this.onReply(msg as ClientReply),
          // Connections are made after the constructor returns, so every one is in `conns` by then.
          onState: (up) => {
            if (up && [...this.conns.values()].every((c) => c.connects > 0)) allUp();
          },
        }),
      );
    }
  }

  /**
   * Resolves once every replica's connection is up, or after the operation timeout: a replica not reachable
   * by then is down for a reason the operations will meet anyway (the protocol needs only its quorum).
   */
  async open(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.connected,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, this.timeoutMs);
      }),
    ]);
    clearTimeout(timer);
  }

  /** The client's current view, as it learned it from replies. */
  get view(): number {
    return this.state.view;
  }

  /** The highest timestamp this client has seen (its hybrid clock's floor). */
  get seenTs(): number {
    return this.state.seenTs;
  }

  read(key: string): Promise<ClientResult> {
    return this.invoke({ f: 'read', key });
  }
  write(key: string, value: string): Promise<ClientResult> {
    return this.invoke({ f: 'write', key, value });
  }
  cas(key: string, expected: string | null, value: string): Promise<ClientResult> {
    return this.invoke({ f: 'cas', key, expected, value });
  }

  invoke(op: KvOp): Promise<ClientResult> {
    if (this.closed) return Promise.resolve({ type: 'fail', error: 'client closed' });
    return new Promise((resolve) => {
      const { reqID, effects } = clientRequest(this.cfg, this.state, op, this.clock());
      const deadline = setTimeout(() => {
        this.apply(abandonRequest(this.state, reqID));
        this.finish(reqID, { type: 'info', error: 'timeout' });
      }, this.timeoutMs);
      this.waiters.set(reqID, { resolve, deadline, retry: null });
      this.apply(effects);
    });
  }

  private onReply(msg: ClientReply): void {
    if (this.closed) return;
    this.apply(handleClientReply(this.cfg, this.state, msg, this.clock()));
  }

  private apply(effects: ClientEffect[]): void {
    for (const e of effects) {
      switch (e.kind) {
        case 'send':
          this.conns.get(e.to)?.send(e.msg);
          break;
        case 'timer': {
          const w = this.waiters.get(e.reqID);
          if (!w) break;
          if (w.retry) clearTimeout(w.retry);
          w.retry =
            e.ms === null
              ? null
              : setTimeout(() => {
                  if (w.retry) w.retry = null;
                  this.apply(retryRequest(this.cfg, this.state, e.reqID, this.clock()));
                }, e.ms);
          break;
        }
        case 'resolve': {
          const o = e.outcome;
          this.finish(
            e.reqID,
            o.type === 'ok'
              ? { type: 'ok', value: o.result.value, commit: o.commit }
              : { type: 'fail', error: o.error, commit: o.commit },
          );
          break;
        }
      }
    }
  }

  private finish(reqID: number, result: ClientResult): void {
    const w = this.waiters.get(reqID);
    if (!w) return;
    this.waiters.delete(reqID);
    clearTimeout(w.deadline);
    if (w.retry) clearTimeout(w.retry);
    w.resolve(result);
  }

  /** Close connections; operations still pending resolve as indeterminate. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const id of [...this.waiters.keys()]) this.finish(id, { type: 'info', error: 'client closed' });
    for (const c of this.conns.values()) c.close();
  }
}
