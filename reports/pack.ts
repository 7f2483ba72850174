/**
 * A long run's operation columns, gzipped into the page: as JSON they are most of a report (35 MB at a million
 * operations), and numbers this repetitive shrink several times over. The page unpacks them with the
 * browser's own DecompressionStream. History indices are stored as differences (nearly all small).
 */
import zlib from 'node:zlib';
import { emptyColumns } from './ops.js';
import type { ReportData } from './types.js';

/** Below this many operations the columns stay plain JSON: small reports need no unpacking. */
export const PACK_FROM = 20_000;

export function packOps(data: ReportData): ReportData {
  if (data.ops.latUs.length < PACK_FROM) return data;
  const index = data.ops.index.map((v, i, a) => (i === 0 ? v : v - a[i - 1]!));
  const gz = zlib.gzipSync(JSON.stringify({ ...data.ops, index }), { level: 9 });
  return { ...data, ops: emptyColumns(), opsPacked: gz.toString('base64') };
}
