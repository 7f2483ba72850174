/** The checkers' public API, for the harness and for scripts. */
export { type AvailabilityOptions, type AvailabilityResult, checkAvailability } from './availability.js';
export { CommitChecker } from './commit-checker.js';
export {
  type CommitConsistencyResult,
  checkCommitConsistency,
  commitsOf,
  finalDumps,
} from './commit-consistency.js';
export { type ComposedResult, combineVerdicts, composeResults } from './compose.js';
export {
  COMPACTED,
  type DecodedDump,
  DumpDecoder,
  DumpEncoder,
  type DumpRecord,
  decodeDumps,
  isCompacted,
  isDelta,
  isSuffix,
  type LogSuffix,
  recordLine,
  SeenPrefixes,
  type StoredDelta,
} from './dump-stream.js';
export { HistoryError } from './errors.js';
export { checkHistory } from './linearizability.js';
export { checkHistoryStream } from './linearizability-stream.js';
export { casRegister, etcdRegister, getModel, jitterKv, kvModel, MODEL_NAMES } from './models/index.js';
export { pairOperations } from './operations.js';
export {
  availabilityChecker,
  commitConsistencyChecker,
  linearizabilityChecker,
  statsChecker,
} from './plugins.js';
export { OP_SCHEMA } from './readers/history-schema.js';
export { defaultModel, FORMATS, type Format, parseHistory, readHistoryFile } from './readers/index.js';
export { validateJsonlFile } from './readers/jsonl.js';
export {
  type Checker,
  type CheckInput,
  type CheckNeed,
  checkerNames,
  getChecker,
  type LiveChecker,
  type LiveCheckOptions,
  registerChecker,
  resultOf,
  runChecker,
  runCheckers,
  type StreamCheckInput,
} from './registry.js';
export { checkStats, type StatsResult } from './stats.js';
export * from './types.js';
