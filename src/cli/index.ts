#!/usr/bin/env node
/**
 * `sockshop-lab`. Runs the one-file bundle of the CLI that `npm run build` makes (dist/bundle/, see
 * scripts/bundle-cli.mjs) when there is one, else the modules themselves (tsc's output, or the
 * sources under tsx): loading ~250 modules one by one cost `up` about half a CPU-second before it
 * could start the first pod.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundle = new URL('../bundle/cli.mjs', import.meta.url);
await import(existsSync(fileURLToPath(bundle)) ? bundle.href : './main.js');
