/** Logs of every pod for the run: parsing, a bounded searchable store and a platform collector. */
export { LogStore, type LogStoreOptions, type LogQuery, type LogPage, type LogSummary } from './store.js';
export { PlatformLogCollector, type LogCollectorOptions } from './collector.js';
export { parseLogLine, serviceOfPod } from './parse.js';
export { LOG_LEVELS, LogQueryError, type LogLevel, type LogRecord, type PodMeta } from './types.js';
