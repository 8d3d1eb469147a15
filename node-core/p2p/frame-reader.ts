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
  return new LengthPrefixedReader(init);
}

class LengthPrefixedReader implements FrameReader {
  private readonly init: FrameReaderInit;
  private readonly now: () => number;
  private readonly maxPrefixBytes: number;
  private dead = false;
  private prefixBytes = 0;
  private length = 0;
  private body: Uint8Array | null = null;
  private filled = 0;
  private ticket: BudgetTicket | null = null;
  private skipping = -1;
  private startedAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private armedFor = 0;

  constructor(init: FrameReaderInit) {
    this.init = init;
    this.now = init.now ?? Date.now;
    this.maxPrefixBytes = varintLength(init.maxFrameBytes);
  }

  push(chunk: StreamChunk): void {
    if (this.dead) return;
    if (chunk instanceof Uint8Array) this.consume(chunk);
    else for (const buf of chunk) this.consume(buf);
    this.arm();
  }

  end(): boolean {
    const unfinished = !this.dead && this.inFrame();
    this.destroy();
    return unfinished;
  }

  destroy(): void {
    this.dead = true;
    this.disarm();
    this.ticket?.release();
    this.ticket = null;
    this.body = null;
  }

  get midFrame(): boolean {
    return !this.dead && this.inFrame();
  }

  private inFrame(): boolean {
    return this.prefixBytes > 0 || this.body !== null || this.skipping >= 0;
  }

  private fail(err: FrameReadError): void {
    if (this.dead) return;
    this.destroy();
    this.init.onError(err);
  }

  private frameDone(): void {
    this.prefixBytes = 0;
    this.length = 0;
    this.body = null;
    this.filled = 0;
    this.skipping = -1;
  }

  private consume(buf: Uint8Array): void {
    let i = 0;
    while (i < buf.length && !this.dead) {
      if (this.body) i += this.fill(buf, i);
      else if (this.skipping >= 0) i += this.skip(buf, i);
      else this.prefixByte(buf[i++]!);
    }
  }

  /** Copies body bytes from `buf` at `i`; returns how many it took. */
  private fill(buf: Uint8Array, i: number): number {
    const body = this.body!;
    const n = Math.min(this.length - this.filled, buf.length - i);
    body.set(buf.subarray(i, i + n), this.filled);
    this.filled += n;
    if (this.filled === this.length) {
      const held = this.ticket!;
      this.ticket = null;
      this.frameDone();
      this.init.onFrame(body, held);
    }
    return n;
  }

  /** Counts off bytes of a refused frame; returns how many it took. */
  private skip(buf: Uint8Array, i: number): number {
    const n = Math.min(this.skipping, buf.length - i);
    this.skipping -= n;
    if (this.skipping === 0) this.frameDone();
    return n;
  }

  private prefixByte(byte: number): void {
    if (this.prefixBytes === 0) {
      this.startedAt = this.now();
      this.length = 0;
    }
    this.length += (byte & 0x7f) * 2 ** (7 * this.prefixBytes);
    this.prefixBytes++;
    if (!(byte & 0x80)) this.lengthKnown();
    else if (this.prefixBytes >= this.maxPrefixBytes) this.fail(new FrameLengthError(`a length prefix of more than ${this.maxPrefixBytes} bytes`));
  }

  private lengthKnown(): void {
    const { length, init } = this;
    if (length > init.maxFrameBytes) return this.fail(new FrameTooLargeError(`a frame of ${length} bytes is over the limit of ${init.maxFrameBytes}`));
    const admitted = init.admit(length);
    this.prefixBytes = 0;
    if (typeof admitted === 'string') {
      if (init.onRefused(admitted, length) === 'stop') return this.destroy();
      if (length === 0) this.frameDone();
      else this.skipping = length;
      return;
    }
    if (length === 0) {
      this.frameDone();
      init.onFrame(new Uint8Array(0), admitted);
      return;
    }
    this.ticket = admitted;
    this.body = new Uint8Array(length);
  }

  // The deadline is armed once per push at most, and only for a frame still unfinished at the
  // end of it: pipelined small frames never touch a timer.
  private arm(): void {
    if (this.dead || !this.inFrame()) return this.disarm();
    const expected = this.prefixBytes > 0 ? 0 : (this.length * 1000) / this.init.minFrameBytesPerSecond;
    const due = this.startedAt + this.init.frameDeadlineMs + expected;
    if (this.timer && this.armedFor === due) return;
    this.disarm();
    this.armedFor = due;
    this.timer = setTimeout(() => this.stalled(), Math.max(0, due - this.now()));
    this.timer.unref();
  }

  private stalled(): void {
    const { prefixBytes, length, filled } = this;
    this.fail(new FrameStalledError(prefixBytes > 0 ? 'a length prefix did not end in time' : `a frame of ${length} bytes did not arrive in time (${filled} bytes did)`));
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = 0;
  }
}
