/** `report.html` for one run folder. */
import path from 'node:path';
import { FILES, writeFileAtomic } from '../core/store.js';
import { pageAssets } from './bundle.js';
import { buildReportData } from './data.js';
import { renderPage } from './html.js';
import { packOps } from './pack.js';
import type { ReportData } from './types.js';

export async function renderReport(data: ReportData): Promise<string> {
  const verdict =
    data.verdict === true
      ? 'valid'
      : data.verdict === false
        ? 'INVALID'
        : String(data.verdict ?? 'not checked');
  return renderPage({
    title: `${verdict} · ${data.title} · jitter`,
    dataId: 'report-data',
    data: await packOps(data),
    assets: await pageAssets('report'),
  });
}

/** Writes report.html into the run's folder from whatever files it has; returns the report's path. */
export async function writeReport(runDir: string): Promise<string> {
  const data = await buildReportData(runDir);
  const file = path.join(runDir, FILES.report);
  writeFileAtomic(file, await renderReport(data));
  return file;
}
