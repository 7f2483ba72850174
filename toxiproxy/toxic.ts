/**
 * What a toxic plugin is: a type name, its attributes with defaults, and a factory for the stage that runs it on
 * one direction of one connection. Each toxic lives in its own file under toxics/ and registers itself by name
 * (see toxics/registry.ts), as Toxiproxy's toxics do.
 */

/** Toxiproxy's attribute values are Go integers; negative values are accepted, as upstream does. */
export type Attributes = Record<string, number>;

export interface Sink {
  write(chunk: Buffer): void;
  /** End of stream. `terminate` means a toxic cut the connection (upstream closes it either way). */
  end(terminate: boolean): void;
}

/** What a stage may ask of the link it sits on. */
export interface StageHost {
  /** Bytes held inside stages; the link pauses its source above a limit (stages themselves never block). */
  hold(bytes: number): void;
  release(bytes: number): void;
  /** Reset both sockets (RST) at once. */
  reset(): void;
  /** Random generator private to this stage on this connection (seeded, so runs reproduce). */
  rand: () => number;
}

/** One toxic on one direction of one connection. Chunks are Buffers passed by reference, never copied. */
export abstract class Stage implements Sink {
  next: Sink;
  constructor(
    protected readonly host: StageHost,
    protected attrs: Attributes,
    next: Sink,
  ) {
    this.next = next;
  }
  abstract write(chunk: Buffer): void;
  abstract end(terminate: boolean): void;
  /**
   * The toxic was updated, or the chain changed right after it. Upstream stops and restarts the toxic's goroutine
   * then, which lets go of what it was holding; each stage says what that means for it. Default: new attributes.
   */
  interrupt(attrs: Attributes): void {
    this.attrs = attrs;
  }
  /** The toxic is leaving the chain: hand everything held to `next` now (upstream does not drop data either). */
  flush(): void {}
  /** Stop timers; the connection is gone. */
  dispose(): void {}
}

export interface ToxicDefinition {
  readonly type: string;
  /** Attribute names with their defaults, in the order upstream's JSON lists them. */
  readonly attributes: Readonly<Attributes>;
  /** The stage for one connection direction, or null for a toxic that does nothing (noop). */
  create(host: StageHost, attrs: Attributes, next: Sink): Stage | null;
  /** Removing the toxic closes the connections it sat on instead of passing data again (upstream's timeout). */
  readonly closesOnRemove?: boolean;
}
