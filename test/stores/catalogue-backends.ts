/**
 * The catalogue backends the store tests run against: in memory, the embedded PGlite pod, the
 * machine's PostgreSQL (a schema per store) and its MariaDB (a database per store). Each opener
 * returns the store and a cleanup that removes what it created.
 */
import mysql from 'mysql2/promise';
import pg from 'pg';
import { MemoryCatalogueStore } from '../../src/stores/catalogue/memory.js';
import { openMysqlCatalogue } from '../../src/stores/catalogue/mysql.js';
import { openPostgresCatalogue } from '../../src/stores/catalogue/postgres.js';
import type { SqlCatalogueStore } from '../../src/stores/catalogue/sql.js';
import type { CatalogueSeed, CatalogueStore } from '../../src/stores/catalogue/types.js';
import { REAL_MARIADB_URL, REAL_POSTGRES_URL, uniqueName } from './pods.js';

export interface OpenedCatalogue<S extends CatalogueStore = CatalogueStore> {
  store: S;
  cleanup(): Promise<void>;
}

export function openMemory(seed: CatalogueSeed): Promise<OpenedCatalogue> {
  const store = new MemoryCatalogueStore(seed);
  return Promise.resolve({ store, cleanup: () => store.close() });
}

export async function openPostgresAt(
  url: string,
  seed: CatalogueSeed,
): Promise<OpenedCatalogue<SqlCatalogueStore>> {
  const schema = uniqueName('catalogue');
  const store = await openPostgresCatalogue({ url, schema }, seed);
  return {
    store,
    cleanup: async () => {
      await store.close();
      await dropPgSchema(url, schema);
    },
  };
}

export async function openMariadb(seed: CatalogueSeed): Promise<OpenedCatalogue<SqlCatalogueStore>> {
  const database = uniqueName('socksdb');
  const store = await openMysqlCatalogue({ url: `${REAL_MARIADB_URL}/${database}` }, seed);
  return {
    store,
    cleanup: async () => {
      await store.close();
      await dropMariadbDatabase(database);
    },
  };
}

export function openRealPostgres(seed: CatalogueSeed): Promise<OpenedCatalogue<SqlCatalogueStore>> {
  return openPostgresAt(REAL_POSTGRES_URL, seed);
}

export async function dropMariadbDatabase(database: string): Promise<void> {
  const url = new URL(REAL_MARIADB_URL);
  const admin = await mysql.createConnection({
    host: url.hostname,
    port: Number(url.port || 3306),
    user: url.username || 'root',
    password: url.password,
  });
  try {
    await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
  } finally {
    await admin.end();
  }
}

export async function dropPgSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
