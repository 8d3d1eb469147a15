/**
 * A hostile peer for the tests, as a separate process: it speaks libp2p and dchat's frame format
 * but misbehaves on purpose. Usage:
 *   node rogue-peer.ts protocol <target multiaddr> <target identity hex> [victim identity hex]
 *   node rogue-peer.ts flood <target multiaddr> <seconds>
 * It prints one JSON object per line: {"step": ..., "result": ...}.
 */
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { identify } from '@libp2p/identify';
import { tcp } from '@libp2p/tcp';
import { lpStream } from '@libp2p/utils';
import { multiaddr } from '@multiformats/multiaddr';
import { bytesToHex, hexToBytes, randomBytes } from '@noble/hashes/utils.js';
import { createLibp2p } from 'libp2p';
import { signIdentityRecord, encodeIdentityRecord } from '../../contacts/identity-record.ts';
import { encodeHeader, initSender, ratchetEncrypt } from '../../crypto/double-ratchet.ts';
import { generateSigningKeyPair } from '../../crypto/signing.ts';
import { x3dhInitiate } from '../../crypto/x3dh.ts';
import { bundleReply, parseReply, PROTOCOLS } from '../../delivery/protocols.ts';
import { decodeCbor, encodeCbor } from '../../p2p/codec.ts';
import { encodeEnvelope, signEnvelopes, type EnvelopeCore } from '../../p2p/envelope.ts';

const [mode, target, arg3, arg4] = process.argv.slice(2) as [string, string, string | undefined, string | undefined];
const out = (step: string, result: unknown) => process.stdout.write(`${JSON.stringify({ step, result })}\n`);

const node = await createLibp2p({
  addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
  transports: [tcp()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  services: { identify: identify() },
});
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
    return { transportError: (err as Error).name };
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
    out('closed', { sent, error: (err as Error).name });
  }
  out('flood', { sent, closedAfter });
  let redial: string;
  try {
    await node.dialProtocol(targetAddr, PROTOCOLS.envelope, { signal: AbortSignal.timeout(3000) });
    redial = 'accepted';
  } catch (err) {
    redial = `refused: ${(err as Error).name}`;
  }
  out('redial', redial);
}
await node.stop();
process.exit(0);
