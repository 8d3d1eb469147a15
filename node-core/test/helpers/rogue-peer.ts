/**
 * A hostile peer for the tests, as a separate process: it speaks libp2p and dchat's frame format
 * but misbehaves on purpose. Usage:
 *   node rogue-peer.ts protocol <target multiaddr> <target identity hex> [victim identity hex]
 *   node rogue-peer.ts flood <target multiaddr> <seconds>
 *   node rogue-peer.ts partial <target multiaddr>
 *   node rogue-peer.ts exhaust <target multiaddr> <seconds> <peer ids at once> <source IPs> <streams per peer>
 * It prints one JSON object per line: {"step": ..., "result": ...}.
 *
 * A refusal and a timeout are different outcomes and are reported apart: a test that counted
 * "no answer within 5 s" as "refused" would pass against a node that just hangs.
 */
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { identify } from '@libp2p/identify';
import { tcp, type TCPSocketOptions } from '@libp2p/tcp';
import { lpStream } from '@libp2p/utils';
import { multiaddr } from '@multiformats/multiaddr';
import { bytesToHex, hexToBytes, randomBytes } from '@noble/hashes/utils.js';
import type { Connection, Stream } from '@libp2p/interface';
import { createLibp2p } from 'libp2p';
import { signIdentityRecord, encodeIdentityRecord } from '../../wire/identity-record.ts';
import { encodeHeader, initSender, ratchetEncrypt } from '../../crypto/double-ratchet.ts';
import { generateSigningKeyPair } from '../../crypto/signing.ts';
import { x3dhInitiate } from '../../crypto/x3dh.ts';
import { bundleReply, parseReply, PROTOCOLS } from '../../wire/protocols.ts';
import { decodeCbor, encodeCbor } from '../../p2p/codec.ts';
import { encodeEnvelope, signEnvelopes, type EnvelopeCore } from '../../p2p/envelope.ts';
import { encodeVarint } from '../../p2p/frame-reader.ts';

const [mode, target, arg3, arg4, arg5, arg6] = process.argv.slice(2) as [string, string, ...Array<string | undefined>];
const out = (step: string, result: unknown) => process.stdout.write(`${JSON.stringify({ step, result })}\n`);

/**
 * What an error means for the attacker: 'timeout' (our own deadline ran out, the target said
 * nothing), or the name of what the target did to refuse or cut us off. Streams that the target
 * resets reject with the close event rather than an Error.
 */
function outcome(err: unknown): string {
  if (err instanceof Event) return 'reset';
  const name = (err as Error | undefined)?.name ?? 'unknown';
  return /Timeout|Abort/.test(name) ? 'timeout' : name;
}

/** A node of ours; with `localAddress`, it dials from that loopback address (a different "machine"). */
const makeNode = (localAddress?: string) => {
  // net.connect's localAddress goes through @libp2p/tcp's dial options, which do not declare it.
  const dialOpts: TCPSocketOptions & { localAddress?: string } = localAddress ? { localAddress } : {};
  return createLibp2p({
    addresses: { listen: localAddress ? [] : ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp({ dialOpts })],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() },
  });
};

const node = await makeNode();
await node.start();
const targetAddr = multiaddr(target);

async function channel(protocol: string) {
  const stream = await node.dialProtocol(targetAddr, protocol, { signal: AbortSignal.timeout(5000) });
  return { stream, lp: lpStream(stream, { maxDataLength: 8 * 1024 * 1024 }) };
}

async function ask(protocol: string, frame: Uint8Array): Promise<unknown> {
  const { stream, lp } = await channel(protocol);
  try {
    await lp.write(frame);
    const reply = await lp.read({ signal: AbortSignal.timeout(5000) });
    return decodeCbor(reply.subarray());
  } catch (err) {
    return { transportError: outcome(err) };
  } finally {
    await stream.close().catch(() => undefined);
  }
}

if (mode === 'protocol') {
  const targetKey = hexToBytes(arg3!);
  const me = generateSigningKeyPair();
  const record = signIdentityRecord(
    { identity_key: me.publicKey, username: 'mallory', display_name: 'Mallory', peer_id: node.peerId.toString(), addresses: [], relays: [], updated_at: Date.now() },
    me.secretKey,
  );
  // A genuine session start, as any stranger with the invite could make.
  const bundleFrame = await ask(PROTOCOLS.peer, encodeCbor({ op: 'bundle', identity: targetKey }));
  const bundle = parseReply(encodeCbor(bundleFrame), bundleReply);
  const x = x3dhInitiate(me, {
    identityKey: targetKey,
    signedPrekey: { id: bundle.spk[0], publicKey: bundle.spk[1], signature: bundle.spk[2] },
    oneTimePrekey: bundle.opk ? { id: bundle.opk[0], publicKey: bundle.opk[1] } : undefined,
  });
  let ratchet = initSender(x.sharedSecret, bundle.spk[1]);
  const makeBody = (text: string) => {
    const payload = encodeCbor({ k: 'msg', id: crypto.randomUUID(), text, at: Date.now(), rec: encodeIdentityRecord(record) });
    const { state, message } = ratchetEncrypt(ratchet, payload, x.associatedData);
    ratchet = state;
    return { header: encodeHeader(message.header), ciphertext: message.ciphertext, init: [x.ephemeralPublic, x.signedPrekeyId, x.oneTimePrekeyId ?? null] };
  };
  const core = (body: Uint8Array, overrides: Partial<EnvelopeCore> = {}): EnvelopeCore => ({
    type: 'dm',
    id: randomBytes(16),
    from: me.publicKey,
    to: targetKey,
    ts: Date.now(),
    body,
    ...overrides,
  });
  const signed = (c: EnvelopeCore) => encodeEnvelope(signEnvelopes([c], me.secretKey)[0]!);

  const first = makeBody('rogue hello');
  const valid = signed(core(encodeCbor([first.init, first.header, first.ciphertext])));
  out('valid', await ask(PROTOCOLS.envelope, valid));
  out('replay', await ask(PROTOCOLS.envelope, valid));

  const second = makeBody('tampered text');
  const flipped = second.ciphertext.slice();
  flipped[flipped.length - 20]! ^= 0x01;
  out('tampered-ciphertext', await ask(PROTOCOLS.envelope, signed(core(encodeCbor([second.init, second.header, flipped])))));

  const third = makeBody('unsigned change');
  const genuine = signEnvelopes([core(encodeCbor([third.init, third.header, third.ciphertext]))], me.secretKey)[0]!;
  const edited = { ...genuine, body: encodeCbor([third.init, third.header, flipped]) };
  out('body-changed-after-signing', await ask(PROTOCOLS.envelope, encodeEnvelope(edited)));

  if (arg4) {
    const fourth = makeBody('pretending to be someone else');
    out('forged-sender', await ask(PROTOCOLS.envelope, signed(core(encodeCbor([fourth.init, fourth.header, fourth.ciphertext]), { from: hexToBytes(arg4) }))));
  }
  const fifth = makeBody('from last year');
  out('stale', await ask(PROTOCOLS.envelope, signed(core(encodeCbor([fifth.init, fifth.header, fifth.ciphertext]), { ts: Date.now() - 365 * 24 * 3600_000 }))));
  out('garbage', await ask(PROTOCOLS.envelope, randomBytes(300)));
  out('not-an-envelope', await ask(PROTOCOLS.envelope, encodeCbor({ hello: 'world' })));
  out('oversized', await ask(PROTOCOLS.envelope, new Uint8Array(3 * 1024 * 1024)));
  out('target-identity', bytesToHex(targetKey));
} else if (mode === 'flood') {
  const seconds = Number(arg3 ?? 5);
  const deadline = Date.now() + seconds * 1000;
  let sent = 0;
  let closedAfter: number | null = null;
  try {
    const { lp } = await channel(PROTOCOLS.envelope);
    const me = generateSigningKeyPair();
    while (Date.now() < deadline) {
      // Alternate garbage and well-formed envelopes with forged signatures.
      const frame = sent % 2 === 0 ? randomBytes(200) : encodeEnvelope({ ...signEnvelopes([{ type: 'dm', id: randomBytes(16), from: me.publicKey, to: randomBytes(32), ts: Date.now(), body: randomBytes(64) }], me.secretKey)[0]!, sig: randomBytes(64) });
      await lp.write(frame);
      sent++;
      if (sent % 200 === 0) await new Promise((r) => setImmediate(r));
    }
  } catch (err) {
    closedAfter = sent;
    out('closed', { sent, error: outcome(err) });
  }
  out('flood', { sent, closedAfter });
  let redial: string;
  try {
    await node.dialProtocol(targetAddr, PROTOCOLS.envelope, { signal: AbortSignal.timeout(3000) });
    redial = 'accepted';
  } catch (err) {
    const why = outcome(err);
    redial = why === 'timeout' ? 'timeout' : `refused: ${why}`;
  }
  out('redial', redial);
} else if (mode === 'partial') {
  // Streams that hold a frame open without finishing it: how long until the target cuts each?
  const connection = await node.dial(targetAddr, { signal: AbortSignal.timeout(5000) });
  const patterns: Record<string, (stream: Stream) => Promise<void>> = {
    'prefix-only': async (stream) => void stream.send(encodeVarint(1000)),
    'unterminated-varint': async (stream) => void stream.send(Uint8Array.of(0x80, 0x80, 0x80)),
    'nothing-sent': () => Promise.resolve(),
    'slow-loris': async (stream) => {
      stream.send(encodeVarint(1000));
      for (let i = 0; i < 60 && stream.status === 'open'; i++) {
        stream.send(Uint8Array.of(0));
        await new Promise((r) => setTimeout(r, 500));
      }
    },
  };
  const results = await Promise.all(
    Object.entries(patterns).map(async ([name, pattern]) => {
      const stream = await connection.newStream(PROTOCOLS.envelope, { signal: AbortSignal.timeout(5000) });
      const started = Date.now();
      const cut = new Promise<number>((resolve) => stream.addEventListener('close', () => resolve(Date.now() - started), { once: true }));
      void pattern(stream).catch(() => undefined);
      const cutAfterMs = await Promise.race([cut, new Promise<null>((r) => setTimeout(() => r(null), 40_000))]);
      stream.abort(new Error('done'));
      return [name, cutAfterMs] as const;
    }),
  );
  out('partial', Object.fromEntries(results));
} else if (mode === 'exhaust') {
  out('exhaust', await exhaust(Number(arg3 ?? 20), Number(arg4 ?? 20), Number(arg5 ?? 1), Number(arg6 ?? 8)));
}
await node.stop();
process.exit(0);

/**
 * Memory exhaustion: `peers` libp2p nodes at once, spread over `ips` loopback source addresses,
 * each opening streams on every dchat protocol that try to make the target hold memory or
 * slots — a nearly complete maximum frame parked, a slow-loris trickle, a length prefix alone,
 * an unterminated varint, a stream that sends nothing, complete big frames pipelined without
 * reading an answer. A node that is cut off or banned comes back with a fresh peer id.
 */
async function exhaust(seconds: number, peers: number, ips: number, streamsPerPeer: number) {
  const deadline = Date.now() + seconds * 1000;
  const MAX = 2 * 1024 * 1024;
  const zeros = new Uint8Array(MAX);
  const stats = {
    peerIds: 0,
    connections: 0,
    connectionsRefused: 0,
    connectionTimeouts: 0,
    streams: 0,
    streamsRefused: 0,
    streamTimeouts: 0,
    streamsCut: 0,
    streamsHeldToEnd: 0,
    bytesSent: 0,
    refusals: {} as Record<string, number>,
  };
  const note = (why: string) => (stats.refusals[why] = (stats.refusals[why] ?? 0) + 1);
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, Math.min(ms, deadline - Date.now()))));
  const protocols = Object.values(PROTOCOLS);

  /** Sends bytes, waiting (until the end of the attack) when the stream is full. */
  const send = async (stream: Stream, bytes: Uint8Array) => {
    stats.bytesSent += bytes.length;
    if (!stream.send(bytes)) await stream.onDrain({ signal: AbortSignal.timeout(Math.max(1, deadline - Date.now())) });
  };
  const closed = (stream: Stream) => new Promise<void>((resolve) => stream.addEventListener('close', () => resolve(), { once: true }));

  const attacks: Array<(stream: Stream) => Promise<void>> = [
    // park: declare a maximum frame and send all of it but the last byte
    async (stream) => {
      await send(stream, encodeVarint(MAX - 1));
      for (let sent = 0; sent < MAX - 2; sent += 64 * 1024) await send(stream, zeros.subarray(0, Math.min(64 * 1024, MAX - 2 - sent)));
    },
    // slow-loris: a maximum frame, one kilobyte every half second
    async (stream) => {
      await send(stream, encodeVarint(MAX - 1));
      while (Date.now() < deadline && stream.status === 'open') {
        await send(stream, zeros.subarray(0, 1024));
        await sleep(500);
      }
    },
    // a length prefix and nothing else
    (stream) => send(stream, encodeVarint(MAX - 1)),
    // a varint that never ends
    (stream) => send(stream, Uint8Array.of(0x80, 0x80, 0x80)),
    // nothing at all
    () => Promise.resolve(),
    // complete big frames, answers never read
    async (stream) => {
      for (let i = 0; i < 8 && stream.status === 'open'; i++) {
        await send(stream, encodeVarint(MAX - 1));
        await send(stream, zeros.subarray(0, MAX - 1));
      }
    },
  ];

  /** One stream and its attack; false once the connection is gone. */
  const attackStream = async (connection: Connection, index: number): Promise<boolean> => {
    let stream: Stream;
    try {
      stream = await connection.newStream(protocols[index % protocols.length]!, { signal: AbortSignal.timeout(5000), maxOutboundStreams: 1024 });
    } catch (err) {
      if (connection.status !== 'open') return false;
      const why = outcome(err);
      if (why === 'timeout') stats.streamTimeouts++;
      else {
        stats.streamsRefused++;
        note(`stream:${why}`);
      }
      // Refused: try again soon, not in a tight loop that would only burn our own CPU.
      await sleep(100);
      return connection.status === 'open';
    }
    stats.streams++;
    const ended = closed(stream);
    try {
      await attacks[index % attacks.length]!(stream);
    } catch {
      // the target cut the stream while we were sending: see below
    }
    const cut = await Promise.race([ended.then(() => true), sleep(deadline - Date.now()).then(() => false)]);
    if (cut) stats.streamsCut++;
    else stats.streamsHeldToEnd++;
    stream.abort(new Error('attack over'));
    return connection.status === 'open';
  };

  const worker = async (w: number) => {
    const localAddress = `127.0.0.${2 + (w % ips)}`;
    while (Date.now() < deadline) {
      const attacker = await makeNode(localAddress);
      await attacker.start();
      stats.peerIds++;
      try {
        const connection = await attacker.dial(targetAddr, { signal: AbortSignal.timeout(5000) });
        stats.connections++;
        // Concurrent streams over every protocol and pattern (as many as the target lets one
        // peer id hold, to stay unbanned longest); each ended stream is replaced while the
        // connection lasts.
        let next = 0;
        const lane = async () => {
          while (Date.now() < deadline && (await attackStream(connection, next++)));
        };
        await Promise.all(Array.from({ length: streamsPerPeer }, lane));
      } catch (err) {
        const why = outcome(err);
        if (why === 'timeout') stats.connectionTimeouts++;
        else {
          stats.connectionsRefused++;
          note(`connection:${why}`);
        }
        await sleep(200);
      } finally {
        await Promise.resolve(attacker.stop()).catch(() => undefined);
      }
    }
  };
  await Promise.all(Array.from({ length: peers }, (_, w) => worker(w)));
  return stats;
}
