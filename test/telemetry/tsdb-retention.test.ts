/** The embedded TSDB's bounds: time retention, and the memory budget that wins over it. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Tsdb } from '../../src/telemetry/tsdb/tsdb.js';

const SCRAPE_MS = 2000;

/** `series` series scraped every 2 s for `minutes`, value = minute of the sample. */
function fill(tsdb: Tsdb, series: number, minutes: number): void {
  const end = (minutes * 60_000) / SCRAPE_MS;
  for (let step = 0; step < end; step++)
    for (let s = 0; s < series; s++) tsdb.append({ __name__: 'm', s: String(s) }, step * SCRAPE_MS, step);
}

const oldestMinute = (tsdb: Tsdb) => Math.min(...tsdb.select([]).map((s) => s.chunks[0].minTime)) / 60_000;

it('drops samples older than the retention', () => {
  const tsdb = new Tsdb({ retentionMs: 30 * 60_000 });
  fill(tsdb, 10, 60);
  const oldest = oldestMinute(tsdb);
  // whole chunks go (120 samples = 4 min at this scrape), so up to one chunk more is kept
  assert.ok(oldest >= 25 && oldest <= 31, `oldest sample at minute ${oldest}`);
  assert.equal(tsdb.stats().series, 10);
});

it('keeps the newest samples within the memory budget, even inside the retention', () => {
  const series = 200;
  // 384 KB per 4 minutes of these series (a 1,920-byte chunk each): 1.2 MB hold about 11 minutes
  const tsdb = new Tsdb({ retentionMs: 6 * 3600_000, maxBytes: 1_200_000 });
  fill(tsdb, series, 60);
  const stats = tsdb.stats();
  assert.ok(stats.approxBytes <= 1_200_000 + series * 1920, `${stats.approxBytes} bytes kept`);
  assert.equal(stats.series, series, 'no live series is dropped');
  const oldest = oldestMinute(tsdb);
  assert.ok(oldest >= 40 && oldest < 56, `oldest sample at minute ${oldest}`);
  const newest = tsdb.select([]).map((s) => s.chunks.at(-1)!.maxTime);
  assert.ok(
    newest.every((t) => t === 60 * 60_000 - SCRAPE_MS),
    'the newest samples are all there',
  );
});
