/**
 * Store "images" with their data baked in, as the original's catalogue-db and user-db images were
 * (database images that load the seed dump when they start). Without one, an embedded SQL pod starts
 * empty from the pristine PGlite template and the service creates and seeds its tables at its own
 * start — seconds of CPU on every `up` (the catalogue's pg_trgm index included), and a store pod
 * rolled by a fault (`store-resources` sets new limits, which rolls the deployment as `kubectl set
 * resources` does) would come back empty, failing the shop for a reason that is not the fault. An
 * image is a template directory for the pods (`TEMPLATE_DIR`, see embedded-sql/template.ts) already
 * holding the seeded catalogue (optionally with the large generated catalogue) or the users: as a
 * tarball and unpacked, so that a pod starts from a copy of the directory.
 *
 * Built once per machine and content, cached under the OS temp directory: `npm run build` builds the
 * default catalogue's (scripts/build-images.mjs), the scenario runner the ones its labs use.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../lib/project-root.js';
import { defaultTemplateDir, TEMPLATE_FILE, UNPACKED_DIR } from './embedded-sql/layout.js';

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
    const { openPostgresCatalogue } = await import('./catalogue/postgres.js');
    const { catalogueSeed } = await import('./catalogue/seed.js');
    const catalogue = await openPostgresCatalogue({ url }, catalogueSeed({ extraSocks }));
    await catalogue.close();
  } else {
    const { openPostgresUserStore } = await import('./users/postgres.js');
    const { userSeed } = await import('./users/seed.js');
    const users = await openPostgresUserStore({ url }, userSeed());
    await users.close();
  }
}

function imageDir(store: ImageStore, options: ImageOptions): string {
  const extraSocks = store === 'catalogue-db' ? (options.extraSocks ?? 0) : 0;
  return join(options.cacheDir ?? join(tmpdir(), 'sockshop-lab-images'), imageKey(store, extraSocks));
}

const complete = (dir: string) =>
  existsSync(join(dir, TEMPLATE_FILE)) && existsSync(join(dir, UNPACKED_DIR, 'PG_VERSION'));

/** The template directory of `store`'s image if it is built, without building it. */
export function cachedStoreImage(store: ImageStore, options: ImageOptions = {}): string | undefined {
  const dir = imageDir(store, options);
  return complete(dir) ? dir : undefined;
}

/** The template directory for `store`'s pods (TEMPLATE_DIR), building the image when it is not cached. */
export async function storeImage(store: ImageStore, options: ImageOptions = {}): Promise<string> {
  const dir = imageDir(store, options);
  if (complete(dir)) return dir;
  await build(store, dir, store === 'catalogue-db' ? (options.extraSocks ?? 0) : 0);
  return dir;
}

/**
 * The same engine and wire protocol as the pod, in this process, on a data directory of its own,
 * seeded by the shop's own store code; the tarball is dumped from it, and closing it leaves it
 * cleanly shut down, ready to be copied. Everything is written under temporary names and renamed,
 * so pods or labs starting together never read half an image, and two builders never clash.
 */
async function build(store: ImageStore, dir: string, extraSocks: number): Promise<void> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  const { START_PARAMS } = await import('./embedded-sql/template.js');
  await mkdir(dir, { recursive: true });
  const file = join(dir, TEMPLATE_FILE);
  const work = join(dir, `${UNPACKED_DIR}.${process.pid}.tmp`);
  rmSync(work, { recursive: true, force: true });
  // An image from before images were unpacked is seeded already; otherwise start from the pristine
  // template when there is one (initdb takes seconds).
  const seeded = await readFile(file).catch(() => undefined);
  const start = seeded ?? (await readFile(join(defaultTemplateDir(), TEMPLATE_FILE)).catch(() => undefined));
  try {
    const db = await PGlite.create({
      dataDir: work,
      extensions: { pg_trgm },
      startParams: START_PARAMS,
      ...(start && { loadDataDir: new Blob([start]) }),
    });
    try {
      if (!seeded) {
        const server = new PGLiteSocketServer({ db, port: 0, host: '127.0.0.1', maxConnections: 8 });
        await server.start();
        try {
          await seed(store, `postgres://postgres@${server.getServerConn()}/postgres`, extraSocks);
        } finally {
          await server.stop();
        }
        await db.query('CHECKPOINT'); // a pod started from the tarball then has no WAL to replay
        const dump = await db.dumpDataDir('gzip');
        const partial = `${file}.${process.pid}.tmp`;
        await writeFile(partial, Buffer.from(await dump.arrayBuffer()));
        await rename(partial, file);
      }
    } finally {
      await db.close();
    }
  } catch (error) {
    rmSync(work, { recursive: true, force: true });
    throw error;
  }
  await rename(work, join(dir, UNPACKED_DIR)).catch(() => {
    rmSync(work, { recursive: true, force: true }); // another builder was first
  });
}
