/**
 * The catalogue on SQL, one implementation for PostgreSQL (real or the embedded PGlite pod) and
 * MariaDB: the original schema (sockshop-spec §4.3) and the original's queries — sock joined to
 * sock_tag and tag, tags aggregated per sock, the any-of tag filter applied before grouping (so
 * a listed sock shows only the requested tags it matched), `sock_id` order, COUNT(DISTINCT).
 *
 * Search (`q`, our extension) is a case-insensitive substring of `name + "\n" + description`,
 * like the in-memory store. Its index can be dropped and re-created at run time (the
 * "search-degradation" scenario): each dialect says how, and how the query uses it.
 */
import type {
  CatalogueSeed,
  CatalogueStore,
  PageWindow,
  Sock,
  SockFilter,
  SockRow,
  SockUpdate,
} from './types.js';

/** What a SQL engine must provide to hold the catalogue. */
export interface CatalogueDialect {
  readonly engine: 'postgres' | 'mariadb';
  /** Placeholder for the n-th (1-based) parameter. */
  param(n: number): string;
  /** Aggregate of `t.name` per group, comma-separated. */
  readonly tagAggregate: string;
  /** Statements that create the three tables (when absent). */
  readonly schema: string[];
  /** True when the `sock` table exists. */
  hasTables(): Promise<boolean>;
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
  /** The WHERE condition for search; `next` hands out parameter placeholders in order. */
  searchCondition(q: string, indexed: boolean, next: (value: unknown) => string): string;
  createSearchIndex(): Promise<void>;
  dropSearchIndex(): Promise<void>;
  searchIndexExists(): Promise<boolean>;
  /** The engine's plan for a query, as text. */
  explain(sql: string, params: unknown[]): Promise<string>;
  /** Whether a plan text shows the search index at work. */
  planUsesSearchIndex(plan: string): boolean;
  /** The error a query that relies on the search index gets once the index is gone. */
  isMissingIndexError(error: unknown): boolean;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export interface SearchIndexStatus {
  present: boolean;
  /** How the index works, e.g. `pg_trgm GIN` or `InnoDB FULLTEXT`. */
  kind: string;
}

export interface SearchExplain {
  plan: string;
  usesSearchIndex: boolean;
}

interface SockResultRow {
  id: string;
  name: string;
  description: string;
  price: number | string;
  count: number | string;
  image_url_1: string;
  image_url_2: string;
  tags: string | null;
}

const SEED_BATCH = 500;
export const SEARCH_INDEX_NAME = 'sock_search';

export class SqlCatalogueStore implements CatalogueStore {
  private indexed = false;

  constructor(private readonly sql: CatalogueDialect) {}

  /** Creates the schema and loads the seed when the database has no catalogue yet. */
  async prepare(seed: CatalogueSeed, options: { searchIndex?: boolean } = {}): Promise<void> {
    if (!(await this.sql.hasTables())) {
      for (const statement of this.sql.schema) await this.sql.query(statement);
      await this.load(seed);
      if (options.searchIndex ?? true) await this.sql.createSearchIndex();
    }
    this.indexed = await this.sql.searchIndexExists();
  }

  async list(filter: SockFilter, window: PageWindow): Promise<Sock[]> {
    if (window.limit <= 0) return [];
    const rows = await this.run(() => {
      const { sql, params } = this.listQuery(filter, window);
      return this.sql.query<SockResultRow>(sql, params);
    });
    return rows.map(toSock);
  }

  async count(filter: SockFilter): Promise<number> {
    const rows = await this.run(() => {
      const params: unknown[] = [];
      const where = this.where(filter, params);
      return this.sql.query<{ n: number | string }>(
        `SELECT COUNT(DISTINCT s.sock_id) AS n ${FROM_JOINED} ${where}`,
        params,
      );
    });
    return Number(rows[0]?.n ?? 0);
  }

  async get(id: string): Promise<Sock | undefined> {
    const rows = await this.sql.query<SockResultRow>(
      `${this.select()} ${FROM_JOINED} WHERE s.sock_id = ${this.sql.param(1)} ${GROUP_BY}`,
      [id],
    );
    return rows[0] && toSock(rows[0]);
  }

  async tags(): Promise<string[]> {
    return (await this.sql.query<{ name: string }>('SELECT name FROM tag ORDER BY tag_id')).map(
      (r) => r.name,
    );
  }

  async update(id: string, change: SockUpdate): Promise<Sock | undefined> {
    const p = (n: number) => this.sql.param(n);
    await this.sql.query(
      `UPDATE sock SET price = COALESCE(${p(1)}, price), count = COALESCE(${p(2)}, count) WHERE sock_id = ${p(3)}`,
      [change.price === undefined ? null : Math.fround(change.price), change.count ?? null, id],
    );
    return this.get(id);
  }

  async health(): Promise<boolean> {
    return this.sql.ping();
  }

  async close(): Promise<void> {
    await this.sql.close();
  }

  async createSearchIndex(): Promise<void> {
    await this.sql.createSearchIndex();
    this.indexed = true;
  }

  async dropSearchIndex(): Promise<void> {
    await this.sql.dropSearchIndex();
    this.indexed = false;
  }

  async indexStatus(): Promise<SearchIndexStatus> {
    this.indexed = await this.sql.searchIndexExists();
    return {
      present: this.indexed,
      kind: this.sql.engine === 'postgres' ? 'pg_trgm GIN' : 'InnoDB FULLTEXT',
    };
  }

  /** The engine's plan for the list query with search `q` (first page of 10). */
  async explain(q: string, tags: string[] = []): Promise<SearchExplain> {
    const { sql, params } = this.listQuery({ q, tags }, { offset: 0, limit: 10 });
    const plan = await this.sql.explain(sql, params);
    return { plan, usesSearchIndex: this.sql.planUsesSearchIndex(plan) };
  }

  private listQuery(filter: SockFilter, window: PageWindow): { sql: string; params: unknown[] } {
    const params: unknown[] = [];
    const where = this.where(filter, params);
    params.push(window.limit, window.offset);
    const limit = `LIMIT ${this.sql.param(params.length - 1)} OFFSET ${this.sql.param(params.length)}`;
    return {
      sql: `${this.select()} ${FROM_JOINED} ${where} ${GROUP_BY} ORDER BY s.sock_id ${limit}`,
      params,
    };
  }

  private select(): string {
    return `SELECT s.sock_id AS id, s.name, s.description, s.price, s.count, s.image_url_1, s.image_url_2, ${this.sql.tagAggregate} AS tags`;
  }

  /** The original's `WHERE tag.name=? OR tag.name=? …`, plus search; parameters go into `params`. */
  private where(filter: SockFilter, params: unknown[]): string {
    const next = (value: unknown) => {
      params.push(value);
      return this.sql.param(params.length);
    };
    const conditions: string[] = [];
    const tags = filter.tags?.filter((t) => t !== '') ?? [];
    if (tags.length > 0) conditions.push(`(${tags.map((t) => `t.name = ${next(t)}`).join(' OR ')})`);
    if (filter.q) conditions.push(this.sql.searchCondition(filter.q.toLowerCase(), this.indexed, next));
    return conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
  }

  /** Runs a search-bearing query; if the index vanished underneath (another client dropped it), retries without it. */
  private async run<T>(attempt: () => Promise<T>): Promise<T> {
    try {
      return await attempt();
    } catch (error) {
      if (!this.indexed || !this.sql.isMissingIndexError(error)) throw error;
      this.indexed = false;
      return attempt();
    }
  }

  private async load(seed: CatalogueSeed): Promise<void> {
    const p = (n: number) => this.sql.param(n);
    for (const [i, name] of seed.tags.entries()) {
      await this.sql.query(`INSERT INTO tag (tag_id, name) VALUES (${p(1)}, ${p(2)})`, [i + 1, name]);
    }
    const tagIds = new Map(seed.tags.map((name, i) => [name, i + 1]));
    for (let start = 0; start < seed.socks.length; start += SEED_BATCH) {
      const batch = seed.socks.slice(start, start + SEED_BATCH);
      await this.insertRows(
        'sock (sock_id, name, description, price, count, image_url_1, image_url_2)',
        batch.map(sockValues),
      );
      const links = batch.flatMap((s) =>
        s.tags.flatMap((t) => (tagIds.has(t) ? [[s.id, tagIds.get(t)]] : [])),
      );
      if (links.length > 0) await this.insertRows('sock_tag (sock_id, tag_id)', links);
    }
  }

  private async insertRows(target: string, rows: unknown[][]): Promise<void> {
    let n = 0;
    const tuples = rows.map((row) => `(${row.map(() => this.sql.param(++n)).join(', ')})`);
    await this.sql.query(`INSERT INTO ${target} VALUES ${tuples.join(', ')}`, rows.flat());
  }
}

const FROM_JOINED =
  'FROM sock s JOIN sock_tag st ON st.sock_id = s.sock_id JOIN tag t ON t.tag_id = st.tag_id';
const GROUP_BY = 'GROUP BY s.sock_id, s.name, s.description, s.price, s.count, s.image_url_1, s.image_url_2';

function sockValues(s: SockRow): unknown[] {
  return [s.id, s.name, s.description, s.price, s.count, s.imageUrl1, s.imageUrl2];
}

function toSock(row: SockResultRow): Sock {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    imageUrl: [row.image_url_1, row.image_url_2],
    price: Math.fround(Number(row.price)),
    count: Number(row.count),
    tag: row.tags ? row.tags.split(',') : [],
  };
}

/** `%…%` LIKE pattern matching `text` literally (backslash is the escape in both engines). */
export function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
