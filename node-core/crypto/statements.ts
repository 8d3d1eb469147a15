import { signWithContext, verifyWithContext, verifyWithContextAsync } from './signing.ts';

/**
 * A kind of signed statement: its domain-separation context and the one function that turns its
 * fields into the bytes that are signed. Signer and verifier both go through it, so what one
 * side signs and what the other checks cannot drift apart.
 */
export interface Statement<Fields> {
  readonly context: string;
  bytes(fields: Fields): Uint8Array;
  sign(secretKey: Uint8Array, fields: Fields): Uint8Array;
  verify(publicKey: Uint8Array, fields: Fields, signature: Uint8Array): boolean;
  /** verify() on the thread pool (see verifyWithContextAsync). */
  verifyAsync(publicKey: Uint8Array, fields: Fields, signature: Uint8Array): Promise<boolean>;
}

export function defineStatement<Fields>(context: string, encode: (fields: Fields) => Uint8Array): Statement<Fields> {
  return {
    context,
    bytes: encode,
    sign: (secretKey, fields) => signWithContext(context, secretKey, encode(fields)),
    verify: (publicKey, fields, signature) => verifyWithContext(context, publicKey, encode(fields), signature),
    verifyAsync: (publicKey, fields, signature) => verifyWithContextAsync(context, publicKey, encode(fields), signature),
  };
}
