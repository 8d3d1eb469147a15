import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { multiaddr } from '@multiformats/multiaddr';
import pino from 'pino';
import { Counter, Registry } from 'prom-client';
import { createFrameBudget } from '../../p2p/frame-budget.ts';
import { encodeVarint } from '../../p2p/frame-reader.ts';
import { serveFrames } from '../../p2p/frame-responder.ts';
import { StreamNotWritableError, writeFrame } from '../../p2p/frame-write.ts';
import { createInboundLimits } from '../../p2p/inbound-limits.ts';
import { resolveLimits } from '../../p2p/limits.ts';
import { createPeerGuard } from '../../p2p/peer-guard.ts';

/**
 * Just enough of a libp2p stream for the responder: its status fields, send/close/abort, and the
 * events it listens to. Like libp2p's, `send` and `pause` throw once the stream is closing.
 */
class FakeStream extends EventTarget {
  writeStatus: 'writable' | 'closing' | 'closed' = 'writable';
  readStatus: 'readable' | 'paused' | 'closing' | 'closed' = 'readable';
  readBufferLength = 0;
  sent: Uint8Array[] = [];
  aborted: Error | undefined;

  send(data: Uint8Array): boolean {
    if (this.writeStatus !== 'writable') throw Object.assign(new Error(`Cannot write to a stream that is ${this.writeStatus}`), { name: 'StreamStateError' });
    this.sent.push(data);
    return true;
  }
  pause(): void {
    if (this.readStatus === 'closing' || this.readStatus === 'closed') throw Object.assign(new Error('Cannot pause a stream that is closing/closed'), { name: 'StreamStateError' });
    this.readStatus = 'paused';
  }
  resume(): void {
    this.readStatus = 'readable';
  }
  async close(): Promise<void> {
    this.writeStatus = 'closed';
    this.dispatchEvent(new Event('close'));
  }
  abort(err: Error): void {
    if (this.aborted) return;
    this.aborted = err;
    this.writeStatus = 'closed';
    this.readStatus = 'closed';
    this.dispatchEvent(new Event('close'));
  }
  onDrain(): Promise<void> {
    return Promise.resolve();
  }
  deliver(frame: Uint8Array): void {
    this.dispatchEvent(Object.assign(new Event('message'), { data: new Uint8Array([...encodeVarint(frame.byteLength), ...frame]) }));
  }
}

function serve(stream: FakeStream, handler: (frame: Uint8Array) => Promise<Uint8Array>, overrides: { maxInFlightPerStream?: number } = {}) {
  const registry = new Registry();
  const limits = resolveLimits(overrides);
  const guard = createPeerGuard({
    logger: pino({ level: 'silent' }),
    rejected: new Counter({ name: 'r', help: 'r', labelNames: ['protocol', 'reason'] as const, registers: [registry] }),
    bans: new Counter({ name: 'b', help: 'b', registers: [registry] }),
  });
  const connection = { remotePeer: { toString: () => 'peer-a' }, remoteAddr: multiaddr('/ip4/10.0.0.1/tcp/4001') };
  return serveFrames(stream as never, connection as never, handler, {
    protocol: '/test/1.0.0',
    limits,
    budget: createFrameBudget(limits),
    inbound: createInboundLimits({ limits, connections: () => [], onRefused: () => undefined }),
    guard,
    logger: pino({ level: 'silent' }),
    errorReply: new Uint8Array([0xee]),
    onRefused: () => undefined,
  });
}

const noUncaught = () => {
  const seen: unknown[] = [];
  const record = (err: unknown) => seen.push(err);
  process.on('uncaughtException', record);
  return { seen, done: () => process.off('uncaughtException', record) };
};

describe('frame responder', () => {
  it('an answer ready after the stream closed for writing (shutdown) ends the stream quietly, never as an uncaught error', async () => {
    const uncaught = noUncaught();
    const stream = new FakeStream();
    let answer!: (frame: Uint8Array) => void;
    const served = serve(stream, () => new Promise<Uint8Array>((resolve) => (answer = resolve)));
    stream.deliver(new Uint8Array([1, 2, 3]));
    await new Promise((resolve) => setImmediate(resolve));
    // What a stopping node does to its streams: writing ends before any close event is seen.
    stream.writeStatus = 'closing';
    answer(new Uint8Array([9]));
    await served;
    await new Promise((resolve) => setImmediate(resolve));
    uncaught.done();
    assert.deepEqual(uncaught.seen, []);
    assert.ok(stream.aborted instanceof StreamNotWritableError, `aborted with ${stream.aborted?.name}`);
    assert.equal(stream.sent.length, 0, 'nothing was written to the closing stream');
  });

  it('a handler that throws instead of rejecting is answered with the error reply', async () => {
    const stream = new FakeStream();
    const served = serve(stream, () => {
      throw new Error('not async');
    });
    stream.deliver(new Uint8Array([1]));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(stream.sent.at(-1), new Uint8Array([1, 0xee]), 'the answer, with its length prefix in the same send');
    assert.equal(stream.aborted, undefined, 'the stream stays open');
    stream.abort(new Error('done'));
    await served;
  });

  it('a stream call that throws inside an event listener aborts that stream instead of the process', async () => {
    const uncaught = noUncaught();
    const stream = new FakeStream();
    const served = serve(stream, () => new Promise<Uint8Array>(() => undefined), { maxInFlightPerStream: 1 });
    // Reading paused on the first pending answer: pause() is what throws here.
    stream.pause = () => {
      throw Object.assign(new Error('Cannot pause a stream that is closing/closed'), { name: 'StreamStateError' });
    };
    stream.deliver(new Uint8Array([1]));
    await served;
    await new Promise((resolve) => setImmediate(resolve));
    uncaught.done();
    assert.deepEqual(uncaught.seen, []);
    assert.equal(stream.aborted?.name, 'StreamStateError');
  });
});

describe('writeFrame', () => {
  it('sends a small frame and its length prefix as one buffer (one muxer frame, one noise message), a big one as prefix and body uncopied', async () => {
    const stream = new FakeStream();
    const small = new Uint8Array(1000).fill(3);
    await writeFrame(stream as never, small, 1000);
    assert.equal(stream.sent.length, 1);
    assert.deepEqual(stream.sent[0], new Uint8Array([...encodeVarint(1000), ...small]));
    const big = new Uint8Array(200_000);
    await writeFrame(stream as never, big, 1000);
    assert.equal(stream.sent.length, 3);
    assert.deepEqual(stream.sent[1], encodeVarint(200_000));
    assert.equal(stream.sent[2], big, 'the big frame itself, not a copy');
  });
});
