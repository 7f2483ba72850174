/**
 * A long run's operation columns, gzipped into the page: as JSON they are most of a report (35 MB at a million
 * operations), and numbers this repetitive shrink several times over. The page unpacks them with the
 * browser's own DecompressionStream. History indices are stored as differences (nearly all small).
 * The JSON is made and compressed a slice at a time: as one string (and the buffer gzip wants) it was 80 MB
 * at 830,000 operations, the largest thing a report build held.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { emptyColumns } from './ops.js';
import { OP_COLUMNS, type OpColumns, type OpColumnsOf, type ReportData } from './types.js';

/** Below this many operations the columns stay plain JSON: small reports need no unpacking. */
export const PACK_FROM = 20_000;

/** Numbers per slice of JSON handed to gzip. */
const SLICE = 1 << 16;

/** A number as JSON.stringify writes it (NaN, Infinity and holes as null). */
function json(v: number | undefined): string {
  return typeof v === 'number' && Number.isFinite(v) ? String(v) : 'null';
}

/** The JSON of the first `count` operations of `cols`, indices as differences, in slices. */
function* columnsJson(cols: OpColumnsOf<ArrayLike<number>>, count: number): Generator<string> {
  for (const [n, k] of OP_COLUMNS.entries()) {
    yield `${n === 0 ? '{' : ','}${JSON.stringify(k)}:[`;
    const col = cols[k];
    for (let from = 0; from < count; from += SLICE) {
      const parts: string[] = [];
      for (let i = from; i < Math.min(count, from + SLICE); i++) {
        const v = col[i]!;
        parts.push(json(k === 'index' && i > 0 ? v - col[i - 1]! : v));
      }
      yield `${from === 0 ? '' : ','}${parts.join(',')}`;
    }
    yield ']';
  }
  yield '}';
}

/** The columns gzipped and base64-encoded, as ReportData.opsPacked holds them. */
async function packColumns(cols: OpColumnsOf<ArrayLike<number>>, count: number): Promise<string> {
  const out: Buffer[] = [];
  await pipeline(Readable.from(columnsJson(cols, count)), zlib.createGzip({ level: 9 }), async (gz) => {
    for await (const b of gz) out.push(b as Buffer);
  });
  return Buffer.concat(out).toString('base64');
}

/** The page's columns for `count` operations: `plain()` below PACK_FROM, else packed (`ops` then empty). */
export async function pageColumns(
  cols: OpColumnsOf<ArrayLike<number>>,
  count: number,
  plain: () => OpColumns,
): Promise<Pick<ReportData, 'ops' | 'opsPacked'>> {
  if (count < PACK_FROM) return { ops: plain() };
  return { ops: emptyColumns(), opsPacked: await packColumns(cols, count) };
}

/** Report data whose columns are plain and long, packed (data built elsewhere, e.g. synthetic). */
export async function packOps(data: ReportData): Promise<ReportData> {
  return { ...data, ...(await pageColumns(data.ops, data.ops.latUs.length, () => data.ops)) };
}
