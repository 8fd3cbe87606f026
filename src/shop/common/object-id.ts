/**
 * Mongo-ObjectId-like identifiers (24 hex digits: 4-byte seconds timestamp, 5 random bytes,
 * 3-byte counter), because the original user and carts services hand out Mongo ids and
 * clients validate them as such (the user service answers `Invalid Id Hex` otherwise).
 */
import { randomBytes } from 'node:crypto';

const processRandom = randomBytes(5).toString('hex');
let counter = randomBytes(3).readUIntBE(0, 3);

export function newObjectId(now = Date.now()): string {
  counter = (counter + 1) % 0x1000000;
  const seconds = Math.floor(now / 1000) % 0x100000000;
  return seconds.toString(16).padStart(8, '0') + processRandom + counter.toString(16).padStart(6, '0');
}

export function isObjectIdHex(id: string): boolean {
  return /^[0-9a-fA-F]{24}$/.test(id);
}
