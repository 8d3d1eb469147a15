import { AVATAR_MAX_BYTES } from '../domain/inputs.ts';
import { ValidationError } from '../domain/errors.ts';

export interface DecodedAvatar {
  readonly bytes: Uint8Array;
  readonly type: string;
}

const SIGNATURES: ReadonlyArray<{ type: string; test: (b: Uint8Array) => boolean }> = [
  { type: 'image/png', test: (b) => b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47 },
  { type: 'image/jpeg', test: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { type: 'image/gif', test: (b) => b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x38 },
  {
    type: 'image/webp',
    test: (b) => b[0] === 0x52 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x46 && b[8] === 0x57 && b[9] === 0x45,
  },
];

/** Decodes a `data:image/...;base64,` URL and checks the bytes really are that kind of image. */
export function decodeAvatar(dataUrl: string): DecodedAvatar {
  const match = /^data:(image\/(?:png|jpeg|webp|gif));base64,(.+)$/.exec(dataUrl);
  if (!match) throw new ValidationError('avatar: expected a data:image/(png|jpeg|webp|gif);base64 URL');
  const declared = match[1]!;
  const bytes = new Uint8Array(Buffer.from(match[2]!, 'base64'));
  if (bytes.length > AVATAR_MAX_BYTES) {
    throw new ValidationError(`avatar: ${bytes.length} bytes is over the ${AVATAR_MAX_BYTES}-byte limit`);
  }
  const actual = SIGNATURES.find((s) => s.test(bytes))?.type;
  if (actual !== declared) {
    throw new ValidationError(`avatar: the data is ${actual ? `a ${actual}` : 'not a PNG, JPEG, WebP or GIF image'}, not ${declared}`);
  }
  return { bytes, type: declared };
}

export function encodeAvatar(bytes: Uint8Array | null, type: string | null): string | null {
  return bytes && type ? `data:${type};base64,${Buffer.from(bytes).toString('base64')}` : null;
}
