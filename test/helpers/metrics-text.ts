/** Reading Prometheus text exposition in tests. */

/** The value of one sample line (`name{labels} value`) in Prometheus text, or undefined. */
export function sample(metricsText: string, series: string): number | undefined {
  for (const line of metricsText.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}
