/** After a run (or a re-analysis): its HTML report and, when a store is given, the store's index. */
import { writeReport, writeStoreIndex } from '../reports/index.js';

export { writeStoreIndex };

export async function writeRunReport(runDir: string, store?: string): Promise<void> {
  await writeReport(runDir);
  if (store) await writeStoreIndex(store);
}
