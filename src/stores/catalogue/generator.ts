/**
 * A deterministic large catalogue for search and scale scenarios: the same count always
 * yields the same socks (ids, names, descriptions, tags, prices, stock), so runs compare.
 */
import type { SockRow } from './types.js';

const ADJECTIVES = [
  'Striped',
  'Merino',
  'Woolly',
  'Ankle',
  'Argyle',
  'Dotted',
  'Bamboo',
  'Thermal',
  'Trail',
  'Silk',
  'Cosy',
  'Retro',
  'Neon',
  'Knee-high',
  'Chunky',
  'Lucky',
  'Arctic',
  'Velvet',
  'Pixel',
  'Harbour',
];
const NOUNS = [
  'Runner',
  'Walker',
  'Classic',
  'Dreamer',
  'Hiker',
  'Sprinter',
  'Sleeper',
  'Voyager',
  'Drifter',
  'Climber',
  'Skater',
  'Dancer',
  'Rambler',
  'Cyclist',
  'Sailor',
];
const MATERIALS = [
  'merino wool',
  'organic cotton',
  'bamboo fibre',
  'recycled nylon',
  'alpaca blend',
  'cashmere blend',
];
const PATTERNS = [
  'bold stripes',
  'tiny polka dots',
  'an argyle diamond',
  'a plain rib',
  'a zig-zag band',
  'little foxes',
  'pixel hearts',
  'a fading gradient',
];
const PROMISES = [
  'keeps toes warm on winter commutes',
  'breathes on long summer hikes',
  'survives a hundred washes',
  'cushions the heel for marathon days',
  'stays up without pinching',
  'dries overnight on a radiator',
];

/** mulberry32: a tiny seeded PRNG, enough for varied but reproducible data. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)];
}

function uuid(random: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16)).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`;
}

export function generateSocks(count: number, tags: readonly string[], images: readonly string[]): SockRow[] {
  const random = prng(20161214);
  const socks: SockRow[] = [];
  for (let i = 0; i < count; i++) {
    const tagCount = 1 + Math.floor(random() * 3);
    const sockTags = new Set<string>();
    while (sockTags.size < tagCount) sockTags.add(pick(random, tags));
    const image = Math.floor(random() * images.length);
    // Name stays within the original varchar(20); the number keeps names distinct.
    const name = `${pick(random, ADJECTIVES)} ${pick(random, NOUNS)}`.slice(0, 14) + ` ${i + 1}`;
    socks.push({
      id: uuid(random),
      name,
      description:
        `${pick(random, MATERIALS)} with ${pick(random, PATTERNS)}; ${pick(random, PROMISES)}.`.replace(
          /^./,
          (c) => c.toUpperCase(),
        ),
      price: Math.fround(Math.round((3 + random() * 57) * 100) / 100),
      count: Math.floor(random() * 1000),
      imageUrl1: `/catalogue/images/${images[image]}`,
      imageUrl2: `/catalogue/images/${images[(image + 1) % images.length]}`,
      tags: [...sockTags],
    });
  }
  return socks;
}
