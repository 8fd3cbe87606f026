/** Metrics telemetry: embedded TSDB, PromQL engine, Prometheus HTTP API, scraper. */
export { Tsdb, type TsdbOptions, type TsdbStats } from './tsdb/tsdb.js';
export { labelsKey, type Labels } from './tsdb/labels.js';
export { newMatcher, type LabelMatcher } from './tsdb/matchers.js';
export { PromqlEngine, MAX_POINTS_PER_SERIES, type EngineOptions } from './promql/engine.js';
export { parsePromql, ParseError } from './promql/parser.js';
export { EvalError, QueryTimeoutError, type Value, type Sample, type RangeSeries } from './promql/values.js';
export { parseExposition, ExpositionError, type Exposition } from './exposition/parse.js';
export { Scraper, type ScrapeTarget, type ScraperOptions, type TargetStatus } from './scrape/scraper.js';
export { prometheusApi, type PrometheusApiOptions } from './api/routes.js';
export { instantData, matrixResult } from './api/serialize.js';
