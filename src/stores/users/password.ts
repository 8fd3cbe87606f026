/** Password hashing as the original user service did it: hex SHA-1 of salt + password, salt = hex SHA-1 of a random value. */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export function sha1Hex(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

export function newSalt(): string {
  return sha1Hex(randomBytes(16).toString('hex'));
}

export function hashPassword(salt: string, password: string): string {
  return sha1Hex(salt + password);
}

export function passwordMatches(salt: string, password: string, expectedHash: string): boolean {
  const actual = Buffer.from(hashPassword(salt, password));
  const expected = Buffer.from(expectedHash);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
