/**
 * The agent's view of the agent API: each call goes through the ToolClient and is counted; a failed
 * call yields an error value instead of throwing, so one broken tool never ends an investigation.
 * The helpers shape answers into the few forms the rules read (series with labels and a value).
 */
import { arr, first, list, num, obj, str, type Json } from './json.js';
import type { ToolClient } from './types.js';

export interface Sample {
  labels: Record<string, string>;
  value: number;
}

export interface RangeSeries {
  labels: Record<string, string>;
  values: number[];
  last?: number;
}

export class ToolError extends Error {
  override name = 'ToolError';
}

const labelsOf = (item: Json): Record<string, string> => {
  const raw = obj(item.labels) ?? obj(item.metric) ?? {};
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, String(v)]));
};

/** A sample value as Prometheus writes it ([t, "v"]) or as a plain number. */
const sampleValue = (v: unknown): number | undefined => (Array.isArray(v) ? num(v[1]) : num(v));

export class AgentTools {
  calls = 0;
  private readonly memos = new Map<string, Promise<unknown>>();

  constructor(private readonly client: ToolClient) {}

  /** Raw call; throws ToolError with the API's message when the call fails. */
  async call(name: string, args: object = {}): Promise<unknown> {
    this.calls++;
    let answer: unknown;
    try {
      answer = await this.client.call(name, args);
    } catch (error) {
      throw new ToolError(`${name}: ${(error as Error).message}`);
    }
    const err = obj(obj(answer)?.error);
    if (err) throw new ToolError(`${name}: ${str(err.message) ?? str(err.code) ?? 'failed'}`);
    return answer;
  }

  /** Like call, but a failure is returned as undefined (reads the agent can live without). */
  async tryCall(name: string, args: object = {}): Promise<unknown> {
    try {
      return await this.call(name, args);
    } catch {
      return undefined;
    }
  }

  /** Reads once per key, for answers that only change with what the key names (a version, a revision). A failed read (undefined) is asked again next time. */
  memo<T>(key: string, read: () => Promise<T>): Promise<T> {
    let answer = this.memos.get(key) as Promise<T> | undefined;
    if (!answer) {
      answer = read();
      this.memos.set(key, answer);
      void answer.then(
        (v) => v === undefined && this.memos.delete(key),
        () => this.memos.delete(key),
      );
    }
    return answer;
  }

  async query(promql: string, limit = 50): Promise<Sample[]> {
    const answer = await this.tryCall('query', { promql, limit });
    return list(answer, 'result', 'series', 'samples', 'vector')
      .map((item) => ({ labels: labelsOf(item), value: sampleValue(first(item, ['value'], ['v'])) }))
      .filter((s): s is Sample => s.value !== undefined);
  }

  /** The single value of an aggregated query (undefined when the vector is empty). */
  async scalar(promql: string): Promise<number | undefined> {
    const samples = await this.query(promql, 5);
    return samples[0]?.value;
  }

  async queryRange(promql: string, since: string, step?: string): Promise<RangeSeries[]> {
    const answer = await this.tryCall('query_range', step ? { promql, since, step } : { promql, since });
    return list(answer, 'series', 'result').map((item) => {
      const points = arr(first(item, ['points'], ['values']));
      const values = points.map(sampleValue).filter((v): v is number => v !== undefined);
      return { labels: labelsOf(item), values, last: num(item.last) ?? values.at(-1) };
    });
  }

  /** A listing tool's items, whatever the array is called in its answer. */
  async items(name: string, args: object, ...keys: string[]): Promise<Json[]> {
    return list(await this.tryCall(name, args), ...keys, 'items');
  }
}
