import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import { Counter, Registry } from 'prom-client';
import { createPeerGuard } from '../../p2p/peer-guard.ts';

function guard(now: () => number, options = {}) {
  const registry = new Registry();
  const rejected = new Counter({ name: 'r', help: 'r', labelNames: ['protocol', 'reason'] as const, registers: [registry] });
  const bans = new Counter({ name: 'b', help: 'b', registers: [registry] });
  return { g: createPeerGuard({ logger: pino({ level: 'silent' }), rejected, bans, now, options }), registry };
}

describe('peer guard', () => {
  it('rate-limits each peer and protocol with a token bucket', () => {
    let t = 0;
    const { g } = guard(() => t, { framesPerSecond: 10, burst: 5, banScore: 1000 });
    const allowed = Array.from({ length: 8 }, () => g.allow('p1', '/x')).filter(Boolean).length;
    assert.equal(allowed, 5, 'the burst, then nothing');
    assert.ok(g.allow('p2', '/x'), 'another peer is unaffected');
    assert.ok(g.allow('p1', '/y'), 'another protocol is unaffected');
    t += 300;
    assert.equal(Array.from({ length: 5 }, () => g.allow('p1', '/x')).filter(Boolean).length, 3, 'refills at the rate');
  });

  it('bans a peer whose misbehaviour score crosses the limit, forgives slowly, and lifts the ban later', async () => {
    let t = 0;
    const banned: string[] = [];
    const { g, registry } = guard(() => t, { banScore: 30, decayPerSecond: 5, banMs: 60_000 });
    g.onBan((peer) => banned.push(peer));
    g.penalize('bad', '/x', 'malformed');
    g.penalize('bad', '/x', 'malformed');
    t += 4000; // 20 points forgiven
    g.penalize('bad', '/x', 'malformed');
    assert.equal(g.isBanned('bad'), false);
    g.penalize('bad', '/x', 'bad-signature');
    g.penalize('bad', '/x', 'malformed');
    assert.equal(g.isBanned('bad'), true);
    assert.deepEqual(banned, ['bad']);
    assert.equal(await g.gater.denyInboundEncryptedConnection!({ toString: () => 'bad' } as never, {} as never), true);
    assert.equal(await g.gater.denyInboundEncryptedConnection!({ toString: () => 'good' } as never, {} as never), false);
    t += 61_000;
    assert.equal(g.isBanned('bad'), false, 'bans expire');
    assert.match(await registry.metrics(), /r\{protocol="\/x",reason="malformed"\} 4/);
  });
});
