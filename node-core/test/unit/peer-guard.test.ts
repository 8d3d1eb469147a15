import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import { Counter, Registry } from 'prom-client';
import { multiaddr } from '@multiformats/multiaddr';
import { createPeerGuard } from '../../p2p/peer-guard.ts';
import { ipKey, setBalancerAddresses } from '../../p2p/inbound-limits.ts';

function guard(now: () => number, options = {}) {
  const registry = new Registry();
  const rejected = new Counter({ name: 'r', help: 'r', labelNames: ['protocol', 'reason'] as const, registers: [registry] });
  const bans = new Counter({ name: 'b', help: 'b', registers: [registry] });
  const ipBans = new Counter({ name: 'ib', help: 'ib', registers: [registry] });
  return { g: createPeerGuard({ logger: pino({ level: 'silent' }), rejected, bans, ipBans, now, options }), registry };
}

/** What the gater is given for a connection: only its remote address matters here. */
const maConn = (address: string) => ({ remoteAddr: multiaddr(address) }) as never;

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
    assert.equal(await g.gater.denyInboundEncryptedConnection!({ toString: () => 'bad' } as never, maConn('/ip4/10.0.0.1/tcp/1')), true);
    assert.equal(await g.gater.denyInboundEncryptedConnection!({ toString: () => 'good' } as never, maConn('/ip4/10.0.0.1/tcp/1')), false);
    t += 61_000;
    assert.equal(g.isBanned('bad'), false, 'bans expire');
    assert.match(await registry.metrics(), /r\{protocol="\/x",reason="malformed"\} 4/);
  });

  it('scores stalled, unfinished and idle streams like malformed frames: four stalled frames are a ban', () => {
    const t = 0;
    const { g } = guard(() => t);
    for (let i = 0; i < 3; i++) g.penalize('slow', '/x', 'stalled');
    g.penalize('slow', '/x', 'idle');
    assert.equal(g.isBanned('slow'), false);
    g.penalize('slow', '/x', 'stalled');
    assert.equal(g.isBanned('slow'), true);
  });

  it('bans an IP address once several of its peer ids were banned, and gives fresh ids from it a head start', async () => {
    let t = 0;
    const bannedIps: string[] = [];
    const { g, registry } = guard(() => t, { banScore: 100, ipBanAfterPeers: 3, ipInheritedScore: 25, banMs: 60_000 });
    g.onIpBan((ip) => bannedIps.push(ip));
    const ip = ipKey(multiaddr('/ip4/10.1.2.3/tcp/4001'))!;
    const banOne = (peer: string) => {
      g.observe(peer, ip);
      while (!g.isBanned(peer)) g.penalize(peer, '/x', 'too-large');
    };
    banOne('id-1');
    // A fresh id from the same address starts with 25 points: four stalls ban it, not five.
    g.observe('id-2', ip);
    for (let i = 0; i < 3; i++) g.penalize('id-2', '/x', 'stalled');
    assert.equal(g.isBanned('id-2'), true, 'inherited score');
    assert.equal(g.isIpBanned(ip), false, 'two ids are not yet the address');
    banOne('id-3');
    assert.equal(g.isIpBanned(ip), true);
    assert.deepEqual(bannedIps, [ip]);
    assert.equal(await g.gater.denyInboundConnection!(maConn('/ip4/10.1.2.3/tcp/5555')), true, 'any port, any new id');
    assert.equal(await g.gater.denyInboundConnection!(maConn('/ip4/10.1.2.4/tcp/5555')), false, 'the neighbour is not');
    assert.match(await registry.metrics(), /ib 1/);
    t += 61_000;
    assert.equal(g.isIpBanned(ip), false, 'address bans expire too');
  });

  it('counts IPv6 addresses by /64, mapped IPv4 as IPv4, and relayed connections not at all', () => {
    assert.equal(ipKey(multiaddr('/ip6/2001:db8:1:2:aaaa::1/tcp/1')), ipKey(multiaddr('/ip6/2001:db8:1:2:bbbb::9/tcp/1')));
    assert.notEqual(ipKey(multiaddr('/ip6/2001:db8:1:2::1/tcp/1')), ipKey(multiaddr('/ip6/2001:db8:1:3::1/tcp/1')));
    assert.equal(ipKey(multiaddr('/ip6/::ffff:10.0.0.1/tcp/1')), '10.0.0.1');
    assert.equal(ipKey(multiaddr('/ip4/10.0.0.1/tcp/1/p2p/12D3KooWGRUVh7xN8pS3H6CDdDVCiGHcnmSC4hy5cvEqUD5Tkx4x/p2p-circuit')), null);
    assert.equal(ipKey(multiaddr('/ip6/::1/tcp/1')), '0:0:0:0::/64');
  });

  it("counts a load balancer's connections (relay.balancer_addresses) as no address, as it carries many peers", () => {
    setBalancerAddresses(['10.0.0.5']);
    try {
      assert.equal(ipKey(multiaddr('/ip4/10.0.0.5/tcp/1')), null);
      assert.equal(ipKey(multiaddr('/ip6/::ffff:10.0.0.5/tcp/1')), null, 'also reaching a dual-stack socket');
      assert.equal(ipKey(multiaddr('/ip4/10.0.0.6/tcp/1')), '10.0.0.6', 'others still count');
    } finally {
      setBalancerAddresses([]);
    }
    assert.equal(ipKey(multiaddr('/ip4/10.0.0.5/tcp/1')), '10.0.0.5');
  });
});
