import { decode, encode } from 'cborg';

/**
 * Every dchat frame on the wire is plain CBOR (RFC 8949), encoded deterministically (sorted map
 * keys). Byte strings decode to Uint8Array; anything decoded is untrusted until a schema has
 * accepted it. Decoding is strict: no duplicate map keys, no undefined, no indefinite lengths.
 */

export class FrameDecodeError extends Error {
  override readonly name = 'FrameDecodeError';
}

const decodeOptions = {
  useMaps: false,
  rejectDuplicateMapKeys: true,
  allowUndefined: false,
  allowIndefinite: false,
  allowBigInt: false,
  strict: true,
};

export function encodeCbor(value: unknown): Uint8Array {
  return encode(value);
}

export function decodeCbor(bytes: Uint8Array): unknown {
  try {
    return decode(bytes, decodeOptions);
  } catch (err) {
    throw new FrameDecodeError(`not CBOR: ${(err as Error).message}`);
  }
}
