/** The reports' public API, for the harness: a report per run, and the store's index. */
export { buildReportData } from './data.js';
export { renderReport, writeReport } from './report.js';
export { serveStore } from './serve.js';
export { storeData, writeStoreIndex } from './store-index.js';
export type { ReportData, StoreData, StoreRow } from './types.js';
