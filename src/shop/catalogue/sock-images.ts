/**
 * Product pictures drawn in code: a simple sock silhouette per file name, with colours and a
 * pattern derived from the name, encoded as PNG. The original photos are not ours to ship.
 * The files keep their original `.jpg`/`.jpeg` names and content type; browsers decode
 * images by their signature, so the PNG bytes render all the same.
 */
import { crc32, deflateSync } from 'node:zlib';

const SIZE = 200;

type Rgb = [number, number, number];

/** FNV-1a: a stable hash so each file always gets the same picture. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

function hsl(hue: number, saturation: number, lightness: number): Rgb {
  const a = saturation * Math.min(lightness, 1 - lightness);
  const channel = (n: number) => {
    const k = (n + hue / 30) % 12;
    return Math.round(255 * (lightness - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [channel(0), channel(8), channel(4)];
}

/** Whether (x, y) lies on the sock: a leg, a foot and a rounded toe. */
function onSock(x: number, y: number): boolean {
  const leg = x >= 62 && x <= 112 && y >= 18 && y <= 140;
  const foot = x >= 62 && x <= 150 && y >= 112 && y <= 168;
  const toe = (x - 150) ** 2 + (y - 140) ** 2 <= 28 ** 2;
  const heel = (x - 70) ** 2 + (y - 150) ** 2 <= 20 ** 2;
  return leg || foot || toe || heel;
}

function drawSock(name: string): Uint8Array {
  const h = hash(name);
  const main = hsl(h % 360, 0.65, 0.5);
  const accent = hsl((h >>> 9) % 360, 0.7, 0.35);
  const background = hsl((h >>> 18) % 360, 0.25, 0.93);
  const pattern = (h >>> 27) % 3; // 0 stripes, 1 dots, 2 plain
  const pixels = new Uint8Array(SIZE * SIZE * 3);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      let colour = background;
      if (onSock(x, y)) {
        const cuff = y < 34 && x <= 112;
        const stripe = pattern === 0 && Math.floor(y / 12) % 2 === 0;
        const dot =
          pattern === 1 && (x % 16) - 8 < 3 && (x % 16) - 8 > -3 && (y % 16) - 8 < 3 && (y % 16) - 8 > -3;
        colour = cuff || stripe || dot ? accent : main;
      }
      pixels.set(colour, (y * SIZE + x) * 3);
    }
  }
  return pixels;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

export function encodePng(width: number, height: number, rgb: Uint8Array): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit depth, truecolour, deflate, no filter method, no interlace
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 3 + 1)] = 0; // filter type None
    raw.set(rgb.subarray(y * width * 3, (y + 1) * width * 3), y * (width * 3 + 1) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** One picture per file name. */
/** The product images, each drawn the first time it is asked for so that start-up stays cheap. */
export class SockImages {
  private readonly rendered = new Map<string, Buffer>();
  private readonly known: ReadonlySet<string>;

  constructor(fileNames: readonly string[]) {
    this.known = new Set(fileNames);
  }

  names(): string[] {
    return [...this.known];
  }

  get(name: string): Buffer | undefined {
    if (!this.known.has(name)) return undefined;
    let png = this.rendered.get(name);
    if (!png) {
      png = encodePng(SIZE, SIZE, drawSock(name));
      this.rendered.set(name, png);
    }
    return png;
  }
}

const CONTENT_TYPES: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.gif': 'image/gif',
  '.svg': 'image/svg+xml',
};

/** Content type by extension, as Go's file server picks it. */
export function contentTypeFor(fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  return CONTENT_TYPES[fileName.slice(dot).toLowerCase()] ?? 'application/octet-stream';
}
