import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRelayInput, relayAddressOf } from '../../renderer/src/relay-input.ts';

/** The one address saved for a relay picked from the chat chain's registry (or taken from an invite). */

const PEER = '12D3KooWGJFgiJNqHRvomaUPzyMzyoJ9AutPzLrESXZywPZ94noX';

describe('relayAddressOf', () => {
  it('adds /p2p/<peer id> to an address without it, and keeps one that has it', () => {
    assert.equal(relayAddressOf(PEER, ['/ip4/203.0.113.7/tcp/30333']), `/ip4/203.0.113.7/tcp/30333/p2p/${PEER}`);
    assert.equal(relayAddressOf(PEER, [`/ip4/203.0.113.7/tcp/30333/p2p/${PEER}`]), `/ip4/203.0.113.7/tcp/30333/p2p/${PEER}`);
  });

  it('prefers a public address to loopback and private ones, and TCP to WebSocket', () => {
    const addresses = ['/ip4/127.0.0.1/tcp/30333', '/ip4/192.168.1.4/tcp/30333', '/ip4/203.0.113.7/tcp/30334/ws', '/ip4/203.0.113.7/tcp/30333'];
    assert.equal(relayAddressOf(PEER, addresses), `/ip4/203.0.113.7/tcp/30333/p2p/${PEER}`);
    assert.equal(relayAddressOf(PEER, ['/ip4/127.0.0.1/tcp/30334/ws', '/ip4/127.0.0.1/tcp/30333']), `/ip4/127.0.0.1/tcp/30333/p2p/${PEER}`);
  });

  it('gives nothing for a listing without an address or with a peer id that is not one', () => {
    assert.equal(relayAddressOf(PEER, []), null);
    assert.equal(relayAddressOf(PEER, ['not-a-multiaddr']), null);
    assert.equal(relayAddressOf('not a peer id!', ['/ip4/203.0.113.7/tcp/30333']), null);
  });

  it('is what pasting the same address would save', () => {
    const picked = relayAddressOf(PEER, ['/ip4/203.0.113.7/tcp/30333'])!;
    assert.deepEqual(parseRelayInput(picked), [{ ok: true, address: picked }]);
  });
});
