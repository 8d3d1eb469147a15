import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createFrameBudget, type BudgetRefusal, type BudgetTicket } from '../../p2p/frame-budget.ts';
import { createFrameReader, encodeVarint, FrameLengthError, FrameStalledError, FrameTooLargeError, type FrameReadError } from '../../p2p/frame-reader.ts';
import { createInboundLimits } from '../../p2p/inbound-limits.ts';
import { InvalidLimitsError, resolveLimits } from '../../p2p/limits.ts';

const KB = 1024;
const budgetLimits = { frameBudgetBytes: 100 * KB, peerFrameBytes: 30 * KB, ipFrameBytes: 50 * KB, smallFrameBytes: 4 * KB, smallFrameReserveBytes: 20 * KB };

function reader(options: { admit?: (length: number) => BudgetTicket | BudgetRefusal; deadlineMs?: number; onRefused?: 'skip' | 'stop' } = {}) {
  const frames: Uint8Array[] = [];
  const refused: Array<[BudgetRefusal, number]> = [];
  const errors: FrameReadError[] = [];
  const budget = createFrameBudget(budgetLimits);
  const r = createFrameReader({
    maxFrameBytes: 16 * KB,
    frameDeadlineMs: options.deadlineMs ?? 10_000,
    minFrameBytesPerSecond: 1024 * KB,
    admit: options.admit ?? ((length) => budget.admit(length, { peer: 'p', ip: '10.0.0.1' })),
    onFrame: (frame, ticket) => {
      frames.push(frame);
      ticket.release();
    },
    onRefused: (reason, length) => {
      refused.push([reason, length]);
      return options.onRefused ?? 'skip';
    },
    onError: (err) => errors.push(err),
  });
  return { r, frames, refused, errors, budget };
}

const framed = (...frames: Uint8Array[]) => {
  const parts = frames.flatMap((f) => [encodeVarint(f.length), f]);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

describe('frame reader', () => {
  it('reads pipelined frames split at any byte, including empty ones', () => {
    const { r, frames, errors } = reader();
    const bytes = framed(Uint8Array.of(1, 2, 3), new Uint8Array(0), new Uint8Array(300).fill(7));
    for (let i = 0; i < bytes.length; i += 5) r.push([bytes.subarray(i, i + 2), bytes.subarray(i + 2, i + 5)]);
    assert.deepEqual(errors, []);
    assert.deepEqual(frames.map((f) => f.length), [3, 0, 300]);
    assert.deepEqual([...frames[0]!], [1, 2, 3]);
    assert.equal(r.midFrame, false);
  });

  it('refuses a declared length over the limit and a length prefix that never ends, before buffering', () => {
    const big = reader();
    big.r.push(encodeVarint(16 * KB + 1));
    assert.ok(big.errors[0] instanceof FrameTooLargeError);
    const endless = reader();
    // 16 KB needs a 3-byte varint: two bytes that go on may still be a valid length, a third may not.
    endless.r.push(Uint8Array.of(0x80, 0x80));
    assert.equal(endless.errors.length, 0);
    endless.r.push(Uint8Array.of(0x80));
    assert.ok(endless.errors[0] instanceof FrameLengthError);
  });

  it('cuts a frame whose bytes stop coming, from its first byte, and a prefix alone', async () => {
    const slow = reader({ deadlineMs: 50 });
    slow.r.push(encodeVarint(100));
    slow.r.push(new Uint8Array(10));
    assert.equal(slow.r.midFrame, true);
    await new Promise((r) => setTimeout(r, 120));
    assert.ok(slow.errors[0] instanceof FrameStalledError);
    assert.equal(slow.budget.used, 0, 'the stalled frame gave its budget back');
    const ends = reader();
    ends.r.push(Uint8Array.of(0x85));
    assert.equal(ends.r.end(), true, 'ending mid-prefix is an unfinished frame');
  });

  it('reserves a frame on its declared length and skips or stops on a refusal', () => {
    const full = reader({ admit: () => 'node' });
    full.r.push(framed(new Uint8Array(1000), Uint8Array.of(9)));
    assert.deepEqual(full.refused, [['node', 1000], ['node', 1]]);
    assert.deepEqual(full.frames, [], 'nothing was buffered');
    const stop = reader({ admit: () => 'peer', onRefused: 'stop' });
    stop.r.push(framed(Uint8Array.of(1), Uint8Array.of(2)));
    assert.equal(stop.refused.length, 1, 'reading stopped at the first refusal');
  });
});

describe('frame budget', () => {
  it('bounds the node, each peer and each IP, and keeps a reserve for small frames', () => {
    const b = createFrameBudget(budgetLimits);
    const t1 = b.admit(20 * KB, { peer: 'a', ip: '1' });
    assert.equal(typeof t1, 'object');
    assert.equal(b.admit(11 * KB, { peer: 'a', ip: '1' }), 'peer');
    assert.equal(typeof b.admit(20 * KB, { peer: 'b', ip: '1' }), 'object');
    assert.equal(b.admit(11 * KB, { peer: 'c', ip: '1' }), 'ip');
    // 40 KB used of 100; big frames may use 80 KB.
    assert.equal(typeof b.admit(20 * KB, { peer: 'd', ip: '2' }), 'object');
    assert.equal(typeof b.admit(20 * KB, { peer: 'e', ip: '3' }), 'object');
    assert.equal(b.admit(5 * KB, { peer: 'f', ip: '4' }), 'node', 'the big-frame pool is spent');
    assert.equal(typeof b.admit(4 * KB, { peer: 'f', ip: '4' }), 'object', 'a small frame still fits');
    (t1 as BudgetTicket).charge(1000);
    assert.equal(b.used, 84 * KB + 1000);
    (t1 as BudgetTicket).release();
    (t1 as BudgetTicket).release();
    assert.equal(b.used, 64 * KB, 'released once');
  });
});

describe('inbound limits', () => {
  it('counts streams per peer, per IP and in all', () => {
    const limits = createInboundLimits({
      limits: { maxConnectionsPerIp: 2, maxConnectionsPerPeer: 2, maxStreamsPerPeer: 2, maxStreamsPerIp: 3, maxStreams: 4 },
      connections: () => [],
      onRefused: () => undefined,
    });
    const a1 = limits.openStream({ peer: 'a', ip: '1' });
    const a2 = limits.openStream({ peer: 'a', ip: '1' });
    assert.equal(limits.openStream({ peer: 'a', ip: '1' }), 'peer-streams');
    const b1 = limits.openStream({ peer: 'b', ip: '1' });
    assert.equal(limits.openStream({ peer: 'c', ip: '1' }), 'ip-streams');
    assert.equal(typeof limits.openStream({ peer: 'c', ip: '2' }), 'object');
    assert.equal(limits.openStream({ peer: 'd', ip: '3' }), 'node-streams');
    for (const slot of [a1, a2, b1]) if (typeof slot === 'object') slot.release();
    assert.equal(limits.streams, 1);
  });

  it('refuses limits that would disable each other', () => {
    assert.throws(() => resolveLimits({ peerFrameBytes: 1024 }), InvalidLimitsError);
    assert.throws(() => resolveLimits({ maxStreams: 0 }), InvalidLimitsError);
    assert.throws(() => resolveLimits({ frameBudgetBytes: Number.NaN }), InvalidLimitsError);
    assert.equal(resolveLimits().maxFrameBytes, 2 * 1024 * 1024);
  });
});
