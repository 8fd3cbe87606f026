/**
 * The catalogue on MariaDB/MySQL, the original's catalogue-db engine. Search uses an InnoDB
 * FULLTEXT index on (name, description) when present: MATCH … AGAINST in boolean mode narrows
 * the rows through the index (every word of `q` as a required prefix), and the LIKE on
 * `name + "\n" + description` keeps the result exact. Without the index it is the LIKE alone,
 * a full scan. Documented difference: FULLTEXT finds words by their start, so with the index a
 * `q` that begins in the middle of a word (`ocks` for `socks`) finds nothing, and words shorter
 * than three letters or on InnoDB's stopword list are left to the LIKE.
 */
import type { Registry } from 'prom-client';
import { MysqlPool } from '../sql/mysql-pool.js';
import { SEARCH_INDEX_NAME, SqlCatalogueStore, likePattern, type CatalogueDialect } from './sql.js';
import type { CatalogueSeed } from './types.js';

/** innodb_ft_min_token_size default. */
const MIN_WORD = 3;
/** InnoDB's default full-text stopwords (INFORMATION_SCHEMA.INNODB_FT_DEFAULT_STOPWORD). */
const STOPWORDS = new Set(
  'a about an are as at be by com de en for from how i in is it la of on or that the this to was what when where who will with und www'.split(
    ' ',
  ),
);

export class MysqlCatalogueDialect implements CatalogueDialect {
  readonly engine = 'mariadb';
  readonly tagAggregate = 'GROUP_CONCAT(t.name)';
  readonly schema = [
    `CREATE TABLE sock (sock_id varchar(40) NOT NULL PRIMARY KEY, name varchar(20) NOT NULL DEFAULT '',
      description varchar(200) NOT NULL DEFAULT '', price float, count int,
      image_url_1 varchar(40), image_url_2 varchar(40)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
    `CREATE TABLE tag (tag_id MEDIUMINT NOT NULL AUTO_INCREMENT PRIMARY KEY, name varchar(20)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
    `CREATE TABLE sock_tag (sock_id varchar(40), tag_id MEDIUMINT NOT NULL,
      FOREIGN KEY (sock_id) REFERENCES sock (sock_id), FOREIGN KEY (tag_id) REFERENCES tag (tag_id)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
  ];

  constructor(readonly pool: MysqlPool) {}

  param(): string {
    return '?';
  }

  query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    return this.pool.query<T>(sql, params);
  }

  async hasTables(): Promise<boolean> {
    const rows = await this.query<{ n: number }>(
      `SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'sock'`,
    );
    return Number(rows[0]?.n) > 0;
  }

  searchCondition(q: string, indexed: boolean, next: (value: unknown) => string): string {
    // `?` placeholders bind by position, so the MATCH parameter must be taken before the LIKE one.
    const terms = indexed ? fullTextTerms(q) : '';
    const match = terms ? `MATCH (s.name, s.description) AGAINST (${next(terms)} IN BOOLEAN MODE) AND ` : '';
    return `${match}LOWER(CONCAT(s.name, '\\n', s.description)) LIKE ${next(likePattern(q))}`;
  }

  async createSearchIndex(): Promise<void> {
    if (!(await this.searchIndexExists())) {
      await this.query(`ALTER TABLE sock ADD FULLTEXT INDEX ${SEARCH_INDEX_NAME} (name, description)`);
    }
  }

  async dropSearchIndex(): Promise<void> {
    if (await this.searchIndexExists()) await this.query(`ALTER TABLE sock DROP INDEX ${SEARCH_INDEX_NAME}`);
  }

  async searchIndexExists(): Promise<boolean> {
    const rows = await this.query<{ n: number }>(
      `SELECT COUNT(*) AS n FROM information_schema.statistics
        WHERE table_schema = DATABASE() AND table_name = 'sock' AND index_name = ?`,
      [SEARCH_INDEX_NAME],
    );
    return Number(rows[0]?.n) > 0;
  }

  async explain(sql: string, params: unknown[]): Promise<string> {
    const rows = await this.query<Record<string, unknown>>(`EXPLAIN ${sql}`, params);
    return rows
      .map(
        (r) =>
          `${String(r.table)}: type=${String(r.type)} key=${String(r.key)} rows=${String(r.rows)} ${typeof r.Extra === 'string' ? r.Extra : ''}`,
      )
      .join('\n');
  }

  planUsesSearchIndex(plan: string): boolean {
    return new RegExp(`type=fulltext key=${SEARCH_INDEX_NAME}\\b`).test(plan);
  }

  isMissingIndexError(error: unknown): boolean {
    return (error as { code?: string }).code === 'ER_FT_MATCHING_KEY_NOT_FOUND';
  }

  ping(): Promise<boolean> {
    return this.pool.ping();
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/** `+word*` for every word the full-text index holds; empty when none qualifies. */
export function fullTextTerms(q: string): string {
  return q
    .toLowerCase()
    .split(/[^\p{L}\p{N}_]+/u)
    .filter((w) => w.length >= MIN_WORD && !STOPWORDS.has(w))
    .map((w) => `+${w}*`)
    .join(' ');
}

export interface MysqlCatalogueOptions {
  /** `mysql://root@127.0.0.1:3306/socksdb` (the database is created if absent). */
  url: string;
  poolSize?: number;
  acquireTimeoutMs?: number;
  registry?: Registry;
  searchIndex?: boolean;
  envName?: string;
}

export async function openMysqlCatalogue(
  options: MysqlCatalogueOptions,
  seed: CatalogueSeed,
): Promise<SqlCatalogueStore> {
  const pool = await MysqlPool.open({
    url: options.url,
    name: 'catalogue-db',
    envName: options.envName ?? 'CATALOGUE_DB_URL',
    size: options.poolSize,
    acquireTimeoutMs: options.acquireTimeoutMs,
    registry: options.registry,
  });
  const store = new SqlCatalogueStore(new MysqlCatalogueDialect(pool));
  try {
    await store.prepare(seed, { searchIndex: options.searchIndex });
  } catch (error) {
    await pool.close();
    throw error;
  }
  return store;
}
