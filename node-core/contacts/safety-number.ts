import { sha512 } from '@noble/hashes/sha2.js';
import { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';

/**
 * Safety numbers as Signal computes them: each identity's fingerprint is 30 digits from an
 * iterated SHA-512 of its key (slow on purpose, to make finding a lookalike key expensive), and
 * the safety number of a pair is both fingerprints, the lower first, so both users see the same
 * 60 digits and can compare them in person or over a call.
 */

const ITERATIONS = 5200;
const VERSION = new Uint8Array([0, 0]);

function fingerprintDigits(identityKey: Uint8Array): string {
  let hash = concatBytes(VERSION, identityKey, utf8ToBytes('dchat'));
  for (let i = 0; i < ITERATIONS; i++) hash = sha512(concatBytes(hash, identityKey));
  let digits = '';
  for (let chunk = 0; chunk < 6; chunk++) {
    let value = 0;
    for (let i = 0; i < 5; i++) value = value * 256 + hash[chunk * 5 + i]!;
    digits += String(value % 100000).padStart(5, '0');
  }
  return digits;
}

/** 60 digits in 12 groups of 5, identical on both sides. */
export function safetyNumber(a: Uint8Array, b: Uint8Array): string {
  const [first, second] = [fingerprintDigits(a), fingerprintDigits(b)].sort();
  return `${first}${second}`.match(/\d{5}/g)!.join(' ');
}
