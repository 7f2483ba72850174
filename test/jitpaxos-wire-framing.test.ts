import { describe, expect, it } from 'vitest';
import { encodeFrame, FrameDecoder, type FrameError, MAX_FRAME_BYTES } from '../jitpaxos/framing.js';

function collect() {
  const frames: unknown[] = [];
  const errors: FrameError[] = [];
  const dec = new FrameDecoder(
    (v) => frames.push(v),
    (e) => errors.push(e),
  );
  return { dec, frames, errors };
}

function header(n: number): Buffer {
  const h = Buffer.alloc(4);
  h.writeUInt32BE(n, 0);
  return h;
}

const messages = Array.from({ length: 300 }, (_, i) => ({
  type: 'Heartbeat',
  src: `r${i % 3}`,
  viewID: i,
  // Varying sizes and multi-byte UTF-8 so that byte length != string length.
  pad: 'é☃'.repeat(i % 17) + 'x'.repeat(i * 7),
}));

describe('framing', () => {
  it('encodes a 4-byte big-endian length followed by UTF-8 JSON', () => {
    const f = encodeFrame({ a: 'é' });
    const json = '{"a":"é"}';
    expect(f.readUInt32BE(0)).toBe(Buffer.byteLength(json));
    expect(f.subarray(4).toString('utf8')).toBe(json);
    expect(f.length).toBe(4 + Buffer.byteLength(json));
  });

  it('round-trips many messages pushed in one chunk', () => {
    const { dec, frames, errors } = collect();
    dec.push(Buffer.concat(messages.map(encodeFrame)));
    expect(errors).toEqual([]);
    expect(frames).toEqual(messages);
  });

  it('round-trips many messages pushed byte by byte', () => {
    const { dec, frames, errors } = collect();
    const all = Buffer.concat(messages.map(encodeFrame));
    for (let i = 0; i < all.length; i++) dec.push(all.subarray(i, i + 1));
    expect(errors).toEqual([]);
    expect(frames).toEqual(messages);
  });

  it('round-trips with chunk boundaries at every offset of odd sizes', () => {
    const all = Buffer.concat(messages.slice(0, 40).map(encodeFrame));
    for (const size of [2, 3, 5, 7, 13, 101, 4096]) {
      const { dec, frames, errors } = collect();
      for (let i = 0; i < all.length; i += size) dec.push(all.subarray(i, i + size));
      expect(errors).toEqual([]);
      expect(frames).toEqual(messages.slice(0, 40));
    }
  });

  it('skips a malformed JSON frame and still decodes the next one', () => {
    const { dec, frames, errors } = collect();
    const bad = Buffer.from('{"type": nope');
    const stream = Buffer.concat([
      encodeFrame({ n: 1 }),
      header(bad.length),
      bad,
      header(0), // an empty frame is malformed JSON too
      encodeFrame({ n: 2 }),
    ]);
    // Split inside the bad frame so that the straddling path is exercised as well.
    dec.push(stream.subarray(0, 20));
    dec.push(stream.subarray(20));
    expect(frames).toEqual([{ n: 1 }, { n: 2 }]);
    expect(errors).toHaveLength(2);
    expect(errors.every((e) => !e.fatal)).toBe(true);
    expect(errors[0]!.reason).toMatch(/malformed JSON/);
  });

  it('gives a fatal error on an oversized length and stops decoding', () => {
    const { dec, frames, errors } = collect();
    dec.push(Buffer.concat([encodeFrame({ n: 1 }), header(MAX_FRAME_BYTES + 1), encodeFrame({ n: 2 })]));
    expect(frames).toEqual([{ n: 1 }]);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.fatal).toBe(true);
    expect(dec.failed).toBe(true);
    dec.push(encodeFrame({ n: 3 }));
    expect(frames).toEqual([{ n: 1 }]);
  });

  it('detects an oversized length whose header straddles chunks', () => {
    const { dec, frames, errors } = collect();
    const h = header(0xffffffff);
    dec.push(h.subarray(0, 2));
    expect(errors).toEqual([]);
    dec.push(h.subarray(2));
    expect(errors.map((e) => e.fatal)).toEqual([true]);
    expect(frames).toEqual([]);
  });

  it('accepts a frame of exactly MAX_FRAME_BYTES', () => {
    const { dec, frames, errors } = collect();
    const s = 'a'.repeat(MAX_FRAME_BYTES - 2); // JSON string quotes make it exactly the max
    const f = encodeFrame(s as unknown as object);
    expect(f.readUInt32BE(0)).toBe(MAX_FRAME_BYTES);
    for (let i = 0; i < f.length; i += 65536) dec.push(f.subarray(i, i + 65536));
    expect(errors).toEqual([]);
    expect(frames).toHaveLength(1);
    expect((frames[0] as string).length).toBe(MAX_FRAME_BYTES - 2);
    expect(() => encodeFrame(`${s}a` as unknown as object)).toThrow(RangeError);
  });
});
