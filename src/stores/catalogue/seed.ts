/**
 * The catalogue as the deployed Sock Shop ships it (sockshop-spec §4.4): nine socks with the
 * original ids, names, prices, stock counts, tags and image names. The descriptions are our
 * own copy. "Weave special" only exists in the later dump; it is opt-in.
 */
import { generateSocks } from './generator.js';
import type { CatalogueSeed, SockRow } from './types.js';

/** Tag names in tag_id order (1 brown … 11 green). */
export const SEED_TAGS = [
  'brown',
  'geek',
  'formal',
  'blue',
  'skin',
  'red',
  'action',
  'sport',
  'black',
  'magic',
  'green',
];

const IMAGE_PREFIX = '/catalogue/images/';

function sock(
  id: string,
  name: string,
  price: number,
  count: number,
  tags: string[],
  images: [string, string],
  description: string,
): SockRow {
  return {
    id,
    name,
    description,
    price: Math.fround(price),
    count,
    imageUrl1: IMAGE_PREFIX + images[0],
    imageUrl2: IMAGE_PREFIX + images[1],
    tags,
  };
}

export const SEED_SOCKS: readonly SockRow[] = [
  sock(
    '03fef6ac-1896-4ce8-bd69-b798f85c6e0b',
    'Holy',
    99.99,
    1,
    ['magic', 'action'],
    ['holy_1.jpeg', 'holy_2.jpeg'],
    'More holes than sock, and somehow proud of it. Said to work small miracles on cold mornings.',
  ),
  sock(
    '3395a43e-2d88-40de-b95f-e00e1502085b',
    'Colourful',
    18,
    438,
    ['brown', 'blue'],
    ['colourful_socks.jpg', 'colourful_socks.jpg'],
    'Every colour we had left on the loom, knitted into one cheerful pair.',
  ),
  sock(
    '510a0d7e-8e83-4193-b483-e27e09ddc34d',
    'SuperSport XL',
    15,
    820,
    ['sport', 'black', 'formal'],
    ['puma_1.jpeg', 'puma_2.jpeg'],
    'Cushioned soles for engineers who sprint between meetings and still want to look tidy.',
  ),
  sock(
    '808a2de1-1aaa-4c25-a9b9-6612e8f29a38',
    'Crossed',
    17.32,
    738,
    ['blue', 'red', 'action', 'formal'],
    ['cross_1.jpeg', 'cross_2.jpeg'],
    'A grown-up criss-cross pattern that goes with jeans as well as a suit.',
  ),
  sock(
    '819e1fbf-8b7e-4f6d-811f-693534916a8b',
    'Figueroa',
    14,
    808,
    ['formal', 'green', 'blue'],
    ['WAT.jpg', 'WAT2.jpg'],
    'Quiet green and blue stripes, named after a street we once walked in them.',
  ),
  sock(
    '837ab141-399e-4c1f-9abc-bace40296bac',
    'Cat socks',
    15,
    175,
    ['brown', 'green', 'formal'],
    ['catsocks.jpg', 'catsocks2.jpg'],
    'Small cats on a warm brown knit. Not recommended for dogs.',
  ),
  sock(
    'a0a4f044-b040-410d-8ead-4de0446aec7e',
    'Nerd leg',
    7.99,
    115,
    ['blue', 'skin'],
    ['bit_of_leg_1.jpeg', 'bit_of_leg_2.jpeg'],
    'For calves that have spent years under a desk and are ready to be seen again.',
  ),
  sock(
    'd3588630-ad8e-49df-bbd7-3167f7efb246',
    'YouTube.sock',
    10.99,
    801,
    ['geek', 'formal'],
    ['youtube_1.jpeg', 'youtube_2.jpeg'],
    'Buffering not included. Plays best on the left foot.',
  ),
  sock(
    'zzz4f044-b040-410d-8ead-4de0446aec7e',
    'Classic',
    12,
    127,
    ['brown', 'green'],
    ['classic.jpg', 'classic2.jpg'],
    'Plain, warm, done.',
  ),
];

/** The tenth sock of the later catalogue dump (sockshop-spec §0.1). */
export const WEAVE_SPECIAL: SockRow = sock(
  '6d62d909-f957-430e-8689-b5129c0bb75e',
  'Weave special',
  17.15,
  33,
  ['geek', 'black'],
  ['weave1.jpg', 'weave2.jpg'],
  'A short run in company colours, knitted for people who draw architecture diagrams on napkins.',
);

/** Every image file name a catalogue may reference (the original image folder's contents). */
export const IMAGE_FILES = [
  'WAT.jpg',
  'WAT2.jpg',
  'bit_of_leg_1.jpeg',
  'bit_of_leg_2.jpeg',
  'catsocks.jpg',
  'catsocks2.jpg',
  'classic.jpg',
  'classic2.jpg',
  'colourful_socks.jpg',
  'cross_1.jpeg',
  'cross_2.jpeg',
  'holy_1.jpeg',
  'holy_2.jpeg',
  'holy_3.jpeg',
  'puma_1.jpeg',
  'puma_2.jpeg',
  'rugby_socks.jpg',
  'sock.jpeg',
  ...Array.from({ length: 10 }, (_, i) => `weave${i + 1}.jpg`),
  'youtube_1.jpeg',
  'youtube_2.jpeg',
];

export interface SeedOptions {
  /** Adds "Weave special" (the later dump's tenth sock). */
  includeWeaveSpecial?: boolean;
  /** Adds this many deterministic generated socks for large-catalogue scenarios. */
  extraSocks?: number;
}

/** The catalogue a store starts with, sorted by sock id as the original query returns it. */
export function catalogueSeed(options: SeedOptions = {}): CatalogueSeed {
  const socks = [...SEED_SOCKS];
  if (options.includeWeaveSpecial) socks.push(WEAVE_SPECIAL);
  if (options.extraSocks) socks.push(...generateSocks(options.extraSocks, SEED_TAGS, IMAGE_FILES));
  socks.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { tags: [...SEED_TAGS], socks };
}
