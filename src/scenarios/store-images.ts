/**
 * Store "images" with their data baked in, as the original's catalogue-db and user-db images were
 * (database images that load the seed dump when they start). The lab's embedded SQL pods otherwise
 * start empty from a pristine PGlite template, and the services create and seed their tables once, at
 * their own start — so a store pod rolled by a fault (`store-resources` sets new limits, which rolls
 * the deployment as `kubectl set resources` does) would come back empty and the shop would fail for a
 * reason that is not the fault. Here a PGlite template already holding the seeded catalogue (with the
 * large generated catalogue) or the users is built, and the pods start from it (`TEMPLATE_DIR`).
 * Built once per machine and content, cached under the OS temp directory.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../lib/project-root.js';
import { TEMPLATE_FILE } from '../stores/embedded-sql/template.js';

export type ImageStore = 'catalogue-db' | 'user-db';

export interface ImageOptions {
  /** Generated socks added to the catalogue's seed (CATALOGUE_EXTRA_SOCKS). */
  extraSocks?: number;
  /** Where images are cached (default: `<os tmp>/sockshop-lab-images`). */
  cacheDir?: string;
}

/** The code whose output is baked in: a change to any of it makes a new image. */
const SOURCES: Record<ImageStore, string[]> = {
  'catalogue-db': [
    'catalogue/seed.ts',
    'catalogue/generator.ts',
    'catalogue/sql.ts',
    'catalogue/postgres.ts',
  ],
  'user-db': ['users/seed.ts', 'users/postgres.ts', 'users/password.ts'],
};

function imageKey(store: ImageStore, extraSocks: number): string {
  const hash = createHash('sha256').update(`${TEMPLATE_FILE}\n${store}\n${extraSocks}\n`);
  for (const file of SOURCES[store]) {
    const path = join(projectRoot(), 'src', 'stores', file);
    hash.update(existsSync(path) ? readFileSync(path) : file);
  }
  return `${store}-${hash.digest('hex').slice(0, 16)}`;
}

// The engine and the store code load only when an image is built (most CLI commands never do).
async function seed(store: ImageStore, url: string, extraSocks: number): Promise<void> {
  if (store === 'catalogue-db') {
    const { openPostgresCatalogue } = await import('../stores/catalogue/postgres.js');
    const { catalogueSeed } = await import('../stores/catalogue/seed.js');
    const catalogue = await openPostgresCatalogue({ url }, catalogueSeed({ extraSocks }));
    await catalogue.close();
  } else {
    const { openPostgresUserStore } = await import('../stores/users/postgres.js');
    const { userSeed } = await import('../stores/users/seed.js');
    const users = await openPostgresUserStore({ url }, userSeed());
    await users.close();
  }
}

/** The template directory for `store`'s pods (TEMPLATE_DIR), building the image when it is not cached. */
export async function storeImage(store: ImageStore, options: ImageOptions = {}): Promise<string> {
  const extraSocks = store === 'catalogue-db' ? (options.extraSocks ?? 0) : 0;
  const dir = join(options.cacheDir ?? join(tmpdir(), 'sockshop-lab-images'), imageKey(store, extraSocks));
  const file = join(dir, TEMPLATE_FILE);
  if (existsSync(file)) return dir;

  // The same engine and wire protocol as the pod, in this process, seeded by the shop's own store code.
  const { PGlite } = await import('@electric-sql/pglite');
  const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  const db = await PGlite.create({ extensions: { pg_trgm } });
  try {
    const server = new PGLiteSocketServer({ db, port: 0, host: '127.0.0.1', maxConnections: 8 });
    await server.start();
    try {
      await seed(store, `postgres://postgres@${server.getServerConn()}/postgres`, extraSocks);
    } finally {
      await server.stop();
    }
    const dump = await db.dumpDataDir('gzip');
    await mkdir(dir, { recursive: true });
    const partial = `${file}.${process.pid}.tmp`; // pods or labs starting together never read half an image
    await writeFile(partial, Buffer.from(await dump.arrayBuffer()));
    await rename(partial, file);
  } finally {
    await db.close();
  }
  return dir;
}
