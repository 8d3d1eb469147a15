import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Step } from './consensus-types.ts';

/**
 * Double-sign protection, as CometBFT's priv_validator_state: the last (height, round, step) this
 * validator signed, with a hash of the bytes and the signature, is on disk before the signature is
 * returned. A request to sign below it is refused; at the same (height, round, step) only the
 * very same bytes are signed again (the stored signature comes back), so a validator restarted
 * right after signing — even killed before its message left — never signs anything conflicting.
 */

const STEP_ORDER: Record<Step, number> = { propose: 1, prevote: 2, precommit: 3 };

const stateSchema = z.object({
  height: z.number().int().nonnegative(),
  round: z.number().int().nonnegative(),
  step: z.number().int().min(0).max(3),
  bytes: z.string().regex(/^[0-9a-f]{64}$/).nullable(),
  signature: z.string().regex(/^[0-9a-f]{128}$/).nullable(),
});
type SignState = z.output<typeof stateSchema>;

export class DoubleSignRefusedError extends Error {
  override readonly name = 'DoubleSignRefusedError';
}

export class SignStateDamagedError extends Error {
  override readonly name = 'SignStateDamagedError';
}

export interface SignGuard {
  /** Signs `bytes` at (height, round, step) with `sign`, or throws DoubleSignRefusedError. */
  sign(height: number, round: number, step: Step, bytes: Uint8Array, sign: (bytes: Uint8Array) => Uint8Array): Uint8Array;
  readonly last: { readonly height: number; readonly round: number; readonly step: number };
}

function readState(file: string): SignState {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { height: 0, round: 0, step: 0, bytes: null, signature: null };
    throw err;
  }
  try {
    return stateSchema.parse(JSON.parse(text));
  } catch (err) {
    // Never guess: signing on from a state we cannot read could double-sign.
    throw new SignStateDamagedError(`${file} is unreadable (${(err as Error).message}); restore it or start this validator at a later height by hand`);
  }
}

function writeDurably(file: string, state: SignState): void {
  const temp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(temp, 'w', 0o600);
  try {
    fs.writeSync(fd, JSON.stringify(state));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temp, file);
  const dir = fs.openSync(path.dirname(file), 'r');
  try {
    fs.fsyncSync(dir);
  } finally {
    fs.closeSync(dir);
  }
}

const compare = (a: SignState, height: number, round: number, step: number): number =>
  a.height !== height ? a.height - height : a.round !== round ? a.round - round : a.step - step;

export function openSignGuard(file: string): SignGuard {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  let state = readState(file);
  return {
    sign(height, round, step, bytes, sign) {
      const order = STEP_ORDER[step];
      const hash = createHash('sha256').update(bytes).digest('hex');
      const position = compare(state, height, round, order);
      if (position > 0) throw new DoubleSignRefusedError(`refusing to sign ${step} at height ${height} round ${round}: already signed at height ${state.height} round ${state.round} step ${state.step}`);
      if (position === 0 && state.bytes !== null) {
        if (state.bytes === hash && state.signature) return Buffer.from(state.signature, 'hex');
        throw new DoubleSignRefusedError(`refusing to sign a different ${step} at height ${height} round ${round}: one was signed already`);
      }
      const signature = sign(bytes);
      const next: SignState = { height, round, step: order, bytes: hash, signature: Buffer.from(signature).toString('hex') };
      writeDurably(file, next);
      state = next;
      return signature;
    },
    get last() {
      return { height: state.height, round: state.round, step: state.step };
    },
  };
}
