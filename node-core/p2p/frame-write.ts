import type { Stream } from '@libp2p/interface';
import { WriteStalledError } from './frame-errors.ts';
import { encodeVarint } from './frame-reader.ts';

/**
 * A frame for a stream already closing or closed (the peer went, or our own shutdown closed it
 * while an answer was still being computed). libp2p would throw a StreamStateError from inside
 * `send`; this is the same refusal, raised before touching the stream, as a rejection.
 */
export class StreamNotWritableError extends Error {
  override readonly name = 'StreamNotWritableError';
}

/**
 * Frames up to this size go out with their length prefix in one buffer: each `send` becomes its
 * own yamux frame, noise message and socket write (and the same again to read at the other end),
 * which for a 1 KiB envelope cost more than copying it. Bigger frames are sent as prefix and body,
 * uncopied; the muxer splits them anyway.
 */
const COALESCE_BYTES = 64 * 1024;

/** The frame with its varint length prefix, in one buffer: one send, one muxer frame. */
export function withLengthPrefix(frame: Uint8Array): Uint8Array {
  const prefix = encodeVarint(frame.byteLength);
  const out = new Uint8Array(prefix.byteLength + frame.byteLength);
  out.set(prefix, 0);
  out.set(frame, prefix.byteLength);
  return out;
}

/**
 * Writes one length-prefixed frame; waits (at most `deadlineMs`) only if the stream is full.
 * Never throws synchronously: every failure, a stream that closed meanwhile included, is a
 * rejection the caller handles.
 */
export async function writeFrame(stream: Stream, frame: Uint8Array, deadlineMs: number): Promise<void> {
  if (stream.writeStatus !== 'writable') throw new StreamNotWritableError(`cannot write to a stream that is ${stream.writeStatus}`);
  let accepted: boolean;
  if (frame.byteLength <= COALESCE_BYTES) accepted = stream.send(withLengthPrefix(frame));
  else {
    stream.send(encodeVarint(frame.byteLength));
    accepted = stream.send(frame);
  }
  if (accepted) return;
  try {
    await stream.onDrain({ signal: AbortSignal.timeout(deadlineMs) });
  } catch (err) {
    if ((err as Error).name === 'TimeoutError' || (err as Error).name === 'AbortError') throw new WriteStalledError(`the peer took no data for ${deadlineMs} ms`);
    throw err;
  }
}

/**
 * Wraps a stream event listener so that nothing it throws escapes: an error thrown by an
 * EventTarget listener is reported as an uncaught exception, which would end the process.
 * What goes wrong while reacting to a stream's event ends that stream, not the node.
 */
export function guardListener<E>(listener: (evt: E) => void, onError: (err: Error) => void): (evt: E) => void {
  return (evt) => {
    try {
      listener(evt);
    } catch (err) {
      onError(err as Error);
    }
  };
}
