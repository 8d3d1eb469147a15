import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';

/**
 * node:crypto takes Ed25519 and X25519 keys as DER, not as the raw 32 bytes the protocol carries:
 * a raw key becomes DER by a fixed prefix per algorithm and kind (RFC 8410).
 */
const hex = (h: string) => Buffer.from(h, 'hex');
const PREFIXES = {
  ed25519: { private: hex('302e020100300506032b657004220420'), public: hex('302a300506032b6570032100') },
  x25519: { private: hex('302e020100300506032b656e04220420'), public: hex('302a300506032b656e032100') },
} as const;
type Curve = keyof typeof PREFIXES;

const der = (curve: Curve, kind: 'private' | 'public', raw: Uint8Array) => Buffer.concat([PREFIXES[curve][kind], raw]);

export const rawPrivateKey = (curve: Curve, raw: Uint8Array): KeyObject => createPrivateKey({ key: der(curve, 'private', raw), format: 'der', type: 'pkcs8' });
export const rawPublicKey = (curve: Curve, raw: Uint8Array): KeyObject => createPublicKey({ key: der(curve, 'public', raw), format: 'der', type: 'spki' });
/** The raw 32 bytes of a public key object (the end of its SPKI form). */
export const publicKeyBytes = (key: KeyObject): Uint8Array => new Uint8Array(key.export({ format: 'der', type: 'spki' }).subarray(-32));
