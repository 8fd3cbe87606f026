/** Kubernetes events for the run: a deduplicating log with queries, and a platform poller. */
export {
  EventLog,
  EventCollector,
  EventQueryError,
  type EventQuery,
  type EventCollectorOptions,
} from './event-log.js';
