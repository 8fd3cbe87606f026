/**
 * Request metrics in both namings of sockshop-spec §10: the deployed `request_duration_seconds`
 * with `route` (labels and buckets per the original's language), and the HEAD-style
 * `http_request_duration_seconds` with `path` = request path, our documented extension so the
 * seed's `{job="front-end", path="/login"}` query works.
 */
import { collectDefaultMetrics, Gauge, Histogram, Registry, Counter } from 'prom-client';

/** Which original implementation a service mirrors: decides label sets, method case and buckets. */
export type Flavour = 'node' | 'go' | 'java';

const DEFAULT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const JAVA_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

/** Beyond this many distinct paths, new ones are counted as `other` so a 10,000-sock catalogue cannot explode the series count. */
const MAX_DISTINCT_PATHS = Number(process.env.METRICS_MAX_PATHS ?? 1000);

export class ShopMetrics {
  readonly registry = new Registry();
  private readonly legacy: Histogram<string>;
  private readonly http: Histogram<string>;
  private readonly paths = new Set<string>();

  constructor(
    readonly service: string,
    readonly flavour: Flavour,
  ) {
    const buckets = flavour === 'java' ? JAVA_BUCKETS : DEFAULT_BUCKETS;
    const legacyLabels =
      flavour === 'go'
        ? ['method', 'route', 'status_code', 'isWS']
        : ['service', 'method', 'route', 'status_code'];
    this.legacy = new Histogram({
      name: 'request_duration_seconds',
      help: 'Time (in seconds) spent serving HTTP requests.',
      labelNames: legacyLabels,
      buckets,
      registers: [this.registry],
    });
    this.http = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time (in seconds) spent serving HTTP requests, labelled by request path.',
      labelNames: ['service', 'method', 'path', 'status_code'],
      buckets,
      registers: [this.registry],
    });
    collectDefaultMetrics({ register: this.registry });
  }

  observe(method: string, route: string, path: string, statusCode: number, seconds: number): void {
    const m = this.flavour === 'node' ? method.toLowerCase() : method.toUpperCase();
    const status = String(statusCode);
    if (this.flavour === 'go') {
      this.legacy.observe({ method: m, route, status_code: status, isWS: 'false' }, seconds);
    } else {
      this.legacy.observe({ service: this.service, method: m, route, status_code: status }, seconds);
    }
    this.http.observe(
      { service: this.service, method: m, path: this.boundedPath(path), status_code: status },
      seconds,
    );
  }

  private boundedPath(path: string): string {
    if (this.paths.has(path)) return path;
    if (this.paths.size >= MAX_DISTINCT_PATHS) return 'other';
    this.paths.add(path);
    return path;
  }

  gauge(name: string, help: string, labelNames: string[] = []): Gauge<string> {
    return new Gauge({ name, help, labelNames, registers: [this.registry] });
  }

  counter(name: string, help: string, labelNames: string[] = []): Counter<string> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  histogram(
    name: string,
    help: string,
    labelNames: string[] = [],
    buckets = DEFAULT_BUCKETS,
  ): Histogram<string> {
    return new Histogram({ name, help, labelNames, buckets, registers: [this.registry] });
  }
}

/** Go services' route label: the mux template with non-alphanumeric runs turned into `_`, trimmed, lower-cased, empty → `root`. */
export function goRouteLabel(template: string): string {
  const label = template
    .replace(/[^a-zA-Z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toLowerCase();
  return label === '' ? 'root' : label;
}
