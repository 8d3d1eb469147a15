import { Decoder, Encoder } from 'cbor-x';

/**
 * Every dchat frame on the wire is plain CBOR (RFC 8949): no cbor-x record extensions, so other
 * implementations can read it. Byte strings decode to Uint8Array; anything decoded is untrusted
 * until a schema has accepted it.
 */
const encoder = new Encoder({ useRecords: false, mapsAsObjects: true, variableMapSize: true, tagUint8Array: false });
const decoder = new Decoder({ useRecords: false, mapsAsObjects: true });

export class FrameDecodeError extends Error {
  override readonly name = 'FrameDecodeError';
}

export function encodeCbor(value: unknown): Uint8Array {
  return encoder.encode(value);
}

export function decodeCbor(bytes: Uint8Array): unknown {
  try {
    return decoder.decode(bytes);
  } catch (err) {
    throw new FrameDecodeError(`not CBOR: ${(err as Error).message}`);
  }
}
