/**
 * Shipping rates by country from a versioned YAML file (our extension, DESIGN.md §3). The file is
 * polled for changes; a file that fails validation is reported and the last good version stays
 * active, so a bad config push degrades nothing but the log and the version gauge staying put.
 */
import { readFile, stat } from 'node:fs/promises';
import type { Logger } from 'pino';
import { parse } from 'yaml';
import { z } from 'zod';
import type { ShopMetrics } from '../common/metrics.js';

/** The original's flat shipping charge (sockshop-spec §6.3). */
export const ORIGINAL_SHIPPING_RATE = 4.99;

const positiveRate = z.number().finite().nonnegative();

const ratesSchema = z.strictObject({
  version: z.number().int().nonnegative(),
  default: positiveRate,
  countries: z.record(z.string().min(1), positiveRate).default({}),
});

export type RatesConfig = z.infer<typeof ratesSchema>;

/** Used until a valid file has been read (version 0 = built in). */
const BUILT_IN: RatesConfig = { version: 0, default: ORIGINAL_SHIPPING_RATE, countries: {} };

export interface RateQuote {
  country: string | null;
  rate: number;
  version: number;
}

export class ShippingRates {
  private active: RatesConfig = BUILT_IN;
  private byCountry = new Map<string, number>();
  /** Modification time and size of the file last read; '' = not read yet, 'missing' = unreadable. */
  private lastSeen = '';
  private timer: NodeJS.Timeout | undefined;
  private readonly versionGauge;
  private readonly reloadFailures;

  constructor(
    private readonly file: string,
    private readonly log: Logger,
    metrics: ShopMetrics,
  ) {
    this.versionGauge = metrics.gauge(
      'shipping_rates_config_version',
      'Version of the active shipping rates configuration.',
    );
    this.reloadFailures = metrics.counter(
      'shipping_rates_reload_failures_total',
      'Shipping rates files that could not be read or failed validation.',
    );
    this.apply(BUILT_IN);
  }

  get version(): number {
    return this.active.version;
  }

  quote(country: string | undefined): RateQuote {
    const key = country?.trim().toLowerCase();
    const rate = key ? this.byCountry.get(key) : undefined;
    return { country: country ?? null, rate: rate ?? this.active.default, version: this.active.version };
  }

  /** Reads the file now, then re-reads it whenever its modification time changes. */
  async start(pollMs: number): Promise<void> {
    await this.checkForChange();
    this.timer = setInterval(() => void this.checkForChange(), pollMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async checkForChange(): Promise<void> {
    let seen: string;
    try {
      const info = await stat(this.file);
      seen = `${info.mtimeMs}:${info.size}`;
    } catch (error) {
      if (this.lastSeen !== 'missing') {
        this.reloadFailures.inc();
        this.log.error(
          { file: this.file, reason: (error as Error).message, version: this.version },
          'shipping rates file unreadable; keeping the active version',
        );
      }
      this.lastSeen = 'missing';
      return;
    }
    if (seen === this.lastSeen) return;
    this.lastSeen = seen;
    await this.reload();
  }

  private async reload(): Promise<void> {
    try {
      const parsed = ratesSchema.safeParse(parse(await readFile(this.file, 'utf8')));
      if (!parsed.success) {
        throw new Error(
          parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '),
        );
      }
      this.apply(parsed.data);
      this.log.info({ file: this.file, version: parsed.data.version }, 'shipping rates loaded');
    } catch (error) {
      this.reloadFailures.inc();
      this.log.error(
        { file: this.file, reason: (error as Error).message, version: this.version },
        'invalid shipping rates file; keeping the active version',
      );
    }
  }

  private apply(config: RatesConfig): void {
    this.active = config;
    this.byCountry = new Map(
      Object.entries(config.countries).map(([country, rate]) => [country.toLowerCase(), rate]),
    );
    this.versionGauge.set(config.version);
  }
}
