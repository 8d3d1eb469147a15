/**
 * The relay cluster bench's load: one process with `connections` libp2p peers that speak the
 * relay protocol to `target` (a relay, or the balancer in front of replicas) as a dchat node
 * does. `register` registers the recipients (signed identity records naming the relay);
 * `deposit` leaves `n` signed 1 KiB envelopes for them, `inflight` at a time spread over the
 * connections, and prints one JSON line: the window, each deposit's latency (sorted) and the CPU
 * this process spent. The envelopes are signed before the window (in batches of 32, as a node
 * signs what it sends together): the figures are the relay's, not the signing client's.
 */
import { randomBytes } from 'node:crypto';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { identify } from '@libp2p/identify';
import { tcp } from '@libp2p/tcp';
import { multiaddr } from '@multiformats/multiaddr';
import { createLibp2p, type Libp2p } from 'libp2p';
import { z } from 'zod';
import { signingPublicKey } from '../node-core/crypto/signing.ts';
import { encodeCbor } from '../node-core/p2p/codec.ts';
import { encodeEnvelope, signEnvelopes, type EnvelopeCore } from '../node-core/p2p/envelope.ts';
import { createFrameBudget } from '../node-core/p2p/frame-budget.ts';
import { channelOverStream, type FrameChannel } from '../node-core/p2p/frame-channel.ts';
import { DEFAULT_P2P_LIMITS } from '../node-core/p2p/limits.ts';
import { registrationStatement } from '../node-core/relay/statements.ts';
import { encodeIdentityRecord, signIdentityRecord } from '../node-core/wire/identity-record.ts';
import { parseReply, PROTOCOLS } from '../node-core/wire/protocols.ts';

const options = z
  .object({
    mode: z.enum(['register', 'deposit']),
    target: z.string(),
    relay: z.string(),
    /** Recipients' Ed25519 secret keys, hex. */
    recipients: z.array(z.string()),
    n: z.number().int().nonnegative().default(0),
    inflight: z.number().int().positive().default(32),
    connections: z.number().int().positive().default(2),
  })
  .parse(JSON.parse(process.argv[2]!));

const ok = z.object({ ok: z.literal(true) }).passthrough();
const reading = { limits: DEFAULT_P2P_LIMITS, budget: createFrameBudget(DEFAULT_P2P_LIMITS) };

async function connect(): Promise<{ node: Libp2p; channel: FrameChannel }> {
  const node = await createLibp2p({ transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()], services: { identify: identify() } });
  await node.start();
  const connection = await node.dial(multiaddr(options.target), { signal: AbortSignal.timeout(15_000) });
  const stream = await connection.newStream(PROTOCOLS.relay, { signal: AbortSignal.timeout(15_000) });
  return { node, channel: channelOverStream(stream, { peer: connection.remotePeer.toString(), ip: null }, reading) };
}

const peers = await Promise.all(Array.from({ length: options.mode === 'register' ? 1 : options.connections }, connect));
const secrets = options.recipients.map((h) => Uint8Array.from(Buffer.from(h, 'hex')));

if (options.mode === 'register') {
  const { node, channel } = peers[0]!;
  for (const [i, secret] of secrets.entries()) {
    const record = encodeIdentityRecord(signIdentityRecord({
      identity_key: signingPublicKey(secret),
      username: `bench_${i}`,
      display_name: `Bench ${i}`,
      peer_id: node.peerId.toString(),
      addresses: [],
      relays: [{ peer_id: options.relay, addresses: [options.target] }],
      updated_at: Date.now(),
    }, secret));
    const spk = [1, randomBytes(32), randomBytes(64)] as const;
    const ts = Date.now();
    const sig = registrationStatement.sign(secret, { relay: options.relay, client: node.peerId.toString(), ts, record, spk, opks: [] });
    parseReply(await channel.request(encodeCbor({ op: 'register', record, spk, opks: [], ts, sig }), 15_000), ok);
  }
  process.stdout.write(`${JSON.stringify({ registered: secrets.length })}\n`);
} else {
  const sender = randomBytes(32);
  const from = signingPublicKey(sender);
  const body = randomBytes(1024);
  const cores: EnvelopeCore[] = Array.from({ length: options.n }, (_, i) => ({
    type: 'dm',
    id: randomBytes(16),
    from,
    to: signingPublicKey(secrets[i % secrets.length]!),
    ts: Date.now(),
    body,
  }));
  const frames: Uint8Array[] = [];
  for (let i = 0; i < cores.length; i += 32) for (const env of signEnvelopes(cores.slice(i, i + 32), sender)) frames.push(encodeCbor({ op: 'deposit', env: encodeEnvelope(env) }));

  const latencies: number[] = [];
  let refused = 0;
  let next = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const worker = async (w: number) => {
    const { channel } = peers[w % peers.length]!;
    while (next < frames.length) {
      const frame = frames[next++]!;
      const started = performance.now();
      try {
        parseReply(await channel.request(frame, 60_000), ok);
        latencies.push(Math.round((performance.now() - started) * 100) / 100);
      } catch {
        refused++;
      }
    }
  };
  await Promise.all(Array.from({ length: options.inflight }, (_, w) => worker(w)));
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  latencies.sort((a, b) => a - b);
  process.stdout.write(`${JSON.stringify({ ms, stored: latencies.length, refused, latencies, cpu_ms: (cpu.user + cpu.system) / 1000 })}\n`);
}
await Promise.allSettled(peers.map(async (p) => p.node.stop()));
process.exit(0);
