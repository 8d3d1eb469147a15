import type { BudgetRefusal, BudgetTicket } from './frame-budget.ts';

/**
 * Reads varint-length-prefixed frames from the bytes of a stream as they arrive. Unlike
 * lpStream it buffers nothing on its own: a frame's body is copied into one buffer of exactly
 * its declared length, allocated only once the budget admitted that length; the bytes of a
 * refused frame are counted off and dropped. Each frame must be complete within a deadline that
 * starts at its first byte, so a length prefix alone, an unterminated varint or a trickle of
 * bytes cannot hold anything for long.
 */

export class FrameTooLargeError extends Error {
  override readonly name = 'FrameTooLargeError';
}
/** The length prefix is longer than any allowed length needs (an unterminated varint, say). */
export class FrameLengthError extends Error {
  override readonly name = 'FrameLengthError';
}
export class FrameStalledError extends Error {
  override readonly name = 'FrameStalledError';
}

export type FrameReadError = FrameTooLargeError | FrameLengthError | FrameStalledError;

/** Bytes a varint needs for `n`. */
export function varintLength(n: number): number {
  let bytes = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    bytes++;
  }
  return bytes;
}

export function encodeVarint(n: number): Uint8Array {
  const out = new Uint8Array(varintLength(n));
  for (let i = 0; i < out.length; i++) {
    out[i] = (n % 128) | (i < out.length - 1 ? 0x80 : 0);
    n = Math.floor(n / 128);
  }
  return out;
}

export interface FrameReaderInit {
  readonly maxFrameBytes: number;
  readonly frameDeadlineMs: number;
  readonly minFrameBytesPerSecond: number;
  /** Reserves memory for a frame of this length, or says why not. */
  admit(length: number): BudgetTicket | BudgetRefusal;
  /** A complete frame; the ticket is the caller's to release. */
  onFrame(frame: Uint8Array, ticket: BudgetTicket): void;
  /**
   * A frame that was not admitted: 'skip' drops its bytes as they arrive and reads on, 'stop'
   * ends reading (the caller closes the stream, so the peer stops sending the body at all).
   */
  onRefused(reason: BudgetRefusal, length: number): 'skip' | 'stop';
  /** The stream broke the framing rules; the reader has stopped. */
  onError(err: FrameReadError): void;
  readonly now?: () => number;
}

/** What a libp2p stream's message event carries: a Uint8Array or a list of them. */
export type StreamChunk = Uint8Array | Iterable<Uint8Array>;

export interface FrameReader {
  push(chunk: StreamChunk): void;
  /** The remote ended its side; true when it left a frame unfinished. */
  end(): boolean;
  destroy(): void;
  /** Some bytes of a frame arrived, not all of them. */
  readonly midFrame: boolean;
}

export function createFrameReader(init: FrameReaderInit): FrameReader {
  const now = init.now ?? Date.now;
  const maxPrefixBytes = varintLength(init.maxFrameBytes);
  let dead = false;
  let prefixBytes = 0;
  let length = 0;
  let body: Uint8Array | null = null;
  let filled = 0;
  let ticket: BudgetTicket | null = null;
  let skipping = -1;
  let startedAt = 0;
  let timer: NodeJS.Timeout | undefined;
  let armedFor = 0;

  const midFrame = () => prefixBytes > 0 || body !== null || skipping >= 0;

  const disarm = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    armedFor = 0;
  };

  const destroy = () => {
    dead = true;
    disarm();
    ticket?.release();
    ticket = null;
    body = null;
  };

  const fail = (err: FrameReadError) => {
    if (dead) return;
    destroy();
    init.onError(err);
  };

  const frameDone = () => {
    prefixBytes = 0;
    length = 0;
    body = null;
    filled = 0;
    skipping = -1;
  };

  const lengthKnown = () => {
    if (length > init.maxFrameBytes) return fail(new FrameTooLargeError(`a frame of ${length} bytes is over the limit of ${init.maxFrameBytes}`));
    const admitted = init.admit(length);
    prefixBytes = 0;
    if (typeof admitted === 'string') {
      if (init.onRefused(admitted, length) === 'stop') return destroy();
      if (length === 0) frameDone();
      else skipping = length;
      return;
    }
    if (length === 0) {
      frameDone();
      init.onFrame(new Uint8Array(0), admitted);
      return;
    }
    ticket = admitted;
    body = new Uint8Array(length);
  };

  const consume = (buf: Uint8Array) => {
    let i = 0;
    while (i < buf.length && !dead) {
      if (body) {
        const n = Math.min(length - filled, buf.length - i);
        body.set(buf.subarray(i, i + n), filled);
        filled += n;
        i += n;
        if (filled === length) {
          const frame = body;
          const held = ticket!;
          ticket = null;
          frameDone();
          init.onFrame(frame, held);
        }
      } else if (skipping >= 0) {
        const n = Math.min(skipping, buf.length - i);
        skipping -= n;
        i += n;
        if (skipping === 0) frameDone();
      } else {
        const byte = buf[i++]!;
        if (prefixBytes === 0) {
          startedAt = now();
          length = 0;
        }
        length += (byte & 0x7f) * 2 ** (7 * prefixBytes);
        prefixBytes++;
        if (byte & 0x80) {
          if (prefixBytes >= maxPrefixBytes) fail(new FrameLengthError(`a length prefix of more than ${maxPrefixBytes} bytes`));
        } else {
          lengthKnown();
        }
      }
    }
  };

  // The deadline is armed once per push at most, and only for a frame still unfinished at the
  // end of it: pipelined small frames never touch a timer.
  const arm = () => {
    if (dead || !midFrame()) return disarm();
    const expected = prefixBytes > 0 ? 0 : (length * 1000) / init.minFrameBytesPerSecond;
    const due = startedAt + init.frameDeadlineMs + expected;
    if (timer && armedFor === due) return;
    disarm();
    armedFor = due;
    timer = setTimeout(() => {
      fail(new FrameStalledError(prefixBytes > 0 ? 'a length prefix did not end in time' : `a frame of ${length} bytes did not arrive in time (${filled} bytes did)`));
    }, Math.max(0, due - now()));
    timer.unref();
  };

  return {
    push(chunk) {
      if (dead) return;
      if (chunk instanceof Uint8Array) consume(chunk);
      else for (const buf of chunk) consume(buf);
      arm();
    },
    end() {
      const unfinished = !dead && midFrame();
      destroy();
      return unfinished;
    },
    destroy,
    get midFrame() {
      return !dead && midFrame();
    },
  };
}
