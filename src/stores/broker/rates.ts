/**
 * Message counters with rates over a sliding window, in the spirit of RabbitMQ's management
 * plugin: counters are sampled every `sampleMs` (RabbitMQ: collect_statistics_interval, 5 s), and
 * `<name>_details.rate` = (current value − value of the oldest sample inside the last `windowMs`)
 * ÷ elapsed seconds. With the defaults (1 s samples, 5 s window) a steady 100 msg/s reads 100.
 */

export const COUNTER_NAMES = [
  'publish',
  'deliver',
  'deliver_no_ack',
  'get',
  'get_no_ack',
  'ack',
  'redeliver',
  'confirm',
  'return_unroutable',
  'drop_unroutable',
  'reject',
  'rejected_publish',
  'dead_lettered',
] as const;
export type CounterName = (typeof COUNTER_NAMES)[number];
export type Counters = Record<CounterName, number>;

export const zeroCounters = (): Counters => Object.fromEntries(COUNTER_NAMES.map((n) => [n, 0])) as Counters;

interface Sample {
  t: number;
  values: Record<string, number>;
}

export class RatedCounters {
  /** Counters plus sampled gauges (queue depth), keyed by name. */
  readonly values: Counters & Record<string, number> = zeroCounters();
  private samples: Sample[] = [];

  constructor(private readonly windowMs = 5000) {}

  add(name: CounterName, n = 1): void {
    this.values[name] += n;
  }

  /** Gauges (depths) only change rate at sample time. */
  set(name: string, value: number): void {
    this.values[name] = value;
  }

  /** Called by the broker's sampler; keeps only what the window needs. */
  sample(now: number): void {
    this.samples.push({ t: now, values: { ...this.values } });
    while (this.samples.length > 1 && this.samples[1].t <= now - this.windowMs) this.samples.shift();
  }

  rate(name: string, now: number): number {
    const base = this.samples.find((s) => s.t >= now - this.windowMs) ?? this.samples[0];
    if (!base || now <= base.t) return 0;
    return ((this.values[name] ?? 0) - (base.values[name] ?? 0)) / ((now - base.t) / 1000);
  }

  details(name: string, now: number): { rate: number } {
    return { rate: round(this.rate(name, now)) };
  }

  /** RabbitMQ's message_stats shape: deliver_get etc. are sums, each with `_details.rate`. */
  messageStats(now: number): Record<string, number | { rate: number }> {
    const derived: Record<string, CounterName[]> = {
      publish: ['publish'],
      deliver: ['deliver'],
      deliver_no_ack: ['deliver_no_ack'],
      get: ['get'],
      get_no_ack: ['get_no_ack'],
      deliver_get: ['deliver', 'deliver_no_ack', 'get', 'get_no_ack'],
      ack: ['ack'],
      redeliver: ['redeliver'],
      confirm: ['confirm'],
      return_unroutable: ['return_unroutable'],
      drop_unroutable: ['drop_unroutable'],
      reject: ['reject'],
    };
    const out: Record<string, number | { rate: number }> = {};
    for (const [key, parts] of Object.entries(derived)) {
      out[key] = parts.reduce((sum, p) => sum + this.values[p], 0);
      out[`${key}_details`] = { rate: round(parts.reduce((sum, p) => sum + this.rate(p, now), 0)) };
    }
    return out;
  }
}

const round = (n: number) => Math.round(n * 10) / 10;
