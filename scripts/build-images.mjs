#!/usr/bin/env node
// Bakes the store image `sockshop-lab up` starts catalogue-db from (src/stores/images.ts): the seeded
// catalogue, cached once per machine and content, so that neither the pod nor the catalogue service
// seeds it at start. Part of `npm run build` (so of `npm ci`); a failure here only warns, since `up`
// then falls back to seeding at start.
import { storeImage } from '../dist/stores/images.js';

const started = Date.now();
try {
  const dir = await storeImage('catalogue-db');
  console.log(`store image catalogue-db ready in ${((Date.now() - started) / 1000).toFixed(1)} s: ${dir}`);
} catch (error) {
  console.warn(`store image catalogue-db not built (${error.message}); \`up\` seeds the catalogue at start`);
}
