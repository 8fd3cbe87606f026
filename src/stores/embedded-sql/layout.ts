/**
 * Names of the embedded SQL engine's saved databases, apart from the engine itself: the lab and the
 * image builder read them without loading PGlite.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Tied to the PGlite version: another version's data directory may not load. */
export const TEMPLATE_FILE = 'pglite-0.5.14.tar.gz';
/** The same database unpacked (a cleanly shut-down data directory), beside TEMPLATE_FILE. */
export const UNPACKED_DIR = 'pgdata-0.5.14';

/** The pristine template's directory, shared by every pod on the machine that has no other. */
export function defaultTemplateDir(): string {
  return join(tmpdir(), 'sockshop-lab-pglite');
}
