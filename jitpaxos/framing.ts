/**
 * Wire framing: a 4-byte big-endian unsigned length, then that many bytes of UTF-8 JSON.
 */

/** Larger frames are refused: a length this big is garbage or an attack, not a protocol message. */
export const MAX_FRAME_BYTES = 16 * 1024 * 1024;

const HEADER_BYTES = 4;

export interface FrameError {
  /** Fatal errors leave the stream unframed; the decoder stops and the caller must close the socket. */
  fatal: boolean;
  reason: string;
}

/** Encodes one message as a frame, in a single allocation. Throws if the JSON exceeds MAX_FRAME_BYTES. */
export function encodeFrame(msg: object): Buffer {
  const json = JSON.stringify(msg);
  if (json === undefined) throw new TypeError('encodeFrame: value is not JSON-serialisable');
  const n = Buffer.byteLength(json, 'utf8');
  if (n > MAX_FRAME_BYTES)
    throw new RangeError(`encodeFrame: frame of ${n} bytes exceeds ${MAX_FRAME_BYTES}`);
  const buf = Buffer.allocUnsafe(HEADER_BYTES + n);
  buf.writeUInt32BE(n, 0);
  buf.write(json, HEADER_BYTES, n, 'utf8');
  return buf;
}

/**
 * Incremental decoder. Complete frames inside a chunk are parsed in place (no copy); only a frame that
 * straddles chunks is copied, once, into a buffer of exactly its size, so total copying is linear.
 *
 * onFrame / onError are called synchronously from push(); the decoder's state is advanced before each call,
 * but an exception thrown by a callback propagates and the rest of that chunk is not decoded.
 */
export class FrameDecoder {
  private readonly header = Buffer.alloc(HEADER_BYTES);
  private headerFilled = 0;
  /** Body of a frame that straddles chunks, allocated once its length is known. */
  private body: Buffer | null = null;
  private bodyFilled = 0;
  private stopped = false;

  constructor(
    private readonly onFrame: (value: unknown) => void,
    private readonly onError: (err: FrameError) => void,
  ) {}

  /** True after a fatal error: further input is ignored. */
  get failed(): boolean {
    return this.stopped;
  }

  push(chunk: Buffer): void {
    if (this.stopped) return;
    let off = 0;
    const len = chunk.length;

    // 1. Finish a frame left over from earlier chunks.
    if (this.headerFilled > 0 || this.body !== null) {
      if (this.body === null) {
        const take = Math.min(HEADER_BYTES - this.headerFilled, len);
        chunk.copy(this.header, this.headerFilled, 0, take);
        this.headerFilled += take;
        off = take;
        if (this.headerFilled < HEADER_BYTES) return;
        const n = this.header.readUInt32BE(0);
        this.headerFilled = 0;
        if (!this.checkLength(n)) return;
        this.body = Buffer.allocUnsafe(n);
        this.bodyFilled = 0;
      }
      const body = this.body;
      const take = Math.min(body.length - this.bodyFilled, len - off);
      chunk.copy(body, this.bodyFilled, off, off + take);
      this.bodyFilled += take;
      off += take;
      if (this.bodyFilled < body.length) return;
      this.body = null;
      this.emit(body);
      if (this.stopped) return;
    }

    // 2. Whole frames inside this chunk, parsed without copying.
    while (len - off >= HEADER_BYTES) {
      const n = chunk.readUInt32BE(off);
      if (!this.checkLength(n)) return;
      if (len - off - HEADER_BYTES < n) break;
      const start = off + HEADER_BYTES;
      off = start + n;
      this.emit(chunk.subarray(start, off));
      if (this.stopped) return;
    }

    // 3. Keep the tail: a partial header, or a partial body copied into a right-sized buffer.
    const rest = len - off;
    if (rest === 0) return;
    if (rest < HEADER_BYTES) {
      chunk.copy(this.header, 0, off, len);
      this.headerFilled = rest;
      return;
    }
    const n = chunk.readUInt32BE(off);
    this.body = Buffer.allocUnsafe(n);
    chunk.copy(this.body, 0, off + HEADER_BYTES, len);
    this.bodyFilled = rest - HEADER_BYTES;
  }

  private checkLength(n: number): boolean {
    if (n <= MAX_FRAME_BYTES) return true;
    this.stopped = true;
    this.body = null;
    this.onError({ fatal: true, reason: `frame length ${n} exceeds maximum ${MAX_FRAME_BYTES}` });
    return false;
  }

  private emit(bytes: Buffer): void {
    let value: unknown;
    try {
      value = JSON.parse(bytes.toString('utf8'));
    } catch (e) {
      this.onError({
        fatal: false,
        reason: `malformed JSON in ${bytes.length}-byte frame: ${(e as Error).message}`,
      });
      return;
    }
    this.onFrame(value);
  }
}
