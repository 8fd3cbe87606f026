/**
 * A freshly initialised PGlite database takes seconds to create (initdb runs in WASM), but
 * loading a saved one takes well under that. So the first pod on a machine saves its pristine
 * data directory as a tarball in a template directory, and every later pod without a DATA_DIR
 * starts from that tarball (in memory, as before). The file is written under a temporary name
 * and renamed, so pods starting together never read half a template.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite, type Extensions } from '@electric-sql/pglite';

/** Tied to the PGlite version: another version's data directory may not load. */
export const TEMPLATE_FILE = 'pglite-0.5.14.tar.gz';

export function defaultTemplateDir(): string {
  return join(tmpdir(), 'sockshop-lab-pglite');
}

/** An in-memory PGlite started from the template, creating the template first if it is missing. */
export async function createFromTemplate(
  templateDir: string,
  extensions: Extensions,
): Promise<{ db: PGlite; fromTemplate: boolean }> {
  const file = join(templateDir, TEMPLATE_FILE);
  const saved = await readFile(file).catch(() => undefined);
  if (saved) {
    try {
      const db = await PGlite.create({ loadDataDir: new Blob([saved]), extensions });
      return { db, fromTemplate: true };
    } catch {
      // An unreadable template is rebuilt below.
    }
  }
  const db = await PGlite.create({ extensions });
  const dump = await db.dumpDataDir('gzip');
  await mkdir(templateDir, { recursive: true });
  const partial = `${file}.${process.pid}.tmp`;
  await writeFile(partial, Buffer.from(await dump.arrayBuffer()));
  await rename(partial, file);
  return { db, fromTemplate: false };
}
