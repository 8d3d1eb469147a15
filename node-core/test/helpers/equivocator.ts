/**
 * A Byzantine validator for the tests, as a separate process: it holds one validator's key of a
 * devnet and speaks the chain's gossip over libp2p like a node would, but signs two different
 * votes for the same height, round and type. It also watches every vote on the topic and reports
 * any validator that signed two different ones (so a test can tell that honest validators, even
 * killed and restarted, never do). Usage:
 *   node equivocator.ts <genesis.json> <currency|chat> <multiaddr,...> [<validator index> <key file> <heights>]
 * Without a key it only watches. It prints one JSON object per line:
 *   {"step":"ready"}                                   connected and subscribed
 *   {"step":"vote","validator":i,"height":h,"round":r,"type":t}      validator i's first vote there
 *   {"step":"equivocated","height":h,"round":0}         sent two prevotes and two precommits for h
 *   {"step":"conflict","validator":i,"height":h,"round":r,"type":t}  saw validator i sign two values
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { gossipsub } from '@libp2p/gossipsub';
import { identify } from '@libp2p/identify';
import { tcp } from '@libp2p/tcp';
import { multiaddr } from '@multiformats/multiaddr';
import { createLibp2p } from 'libp2p';
import { voteStatement } from '../../chain/blocks.ts';
import { consensusTopic, decodeConsensusFrame, encodeConsensusFrame, type VoteFrame } from '../../chain/consensus-wire.ts';
import { bytesToHex, hexToBytes } from '../../crypto/hex.ts';

const [genesisFile, kind, addrs, indexArg, keyFile, heightsArg] = process.argv.slice(2) as [string, 'currency' | 'chat', string, ...Array<string | undefined>];
const out = (step: string, fields: Record<string, unknown> = {}) => process.stdout.write(`${JSON.stringify({ step, ...fields })}\n`);

const genesis = (JSON.parse(fs.readFileSync(genesisFile, 'utf8')) as Record<string, { chain_id: string; validators: Array<{ public_key: string }> }>)[kind]!;
const chain = genesis.chain_id;
const keys = genesis.validators.map((v) => hexToBytes(v.public_key));
const self = indexArg === undefined ? undefined : Number(indexArg);
const secretKey = keyFile ? hexToBytes(fs.readFileSync(keyFile, 'utf8').trim()) : undefined;
let heightsLeft = Number(heightsArg ?? 0);

const node = await createLibp2p({
  addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
  transports: [tcp()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  services: {
    identify: identify(),
    // As the nodes configure it: unsigned gossip (the votes carry their own signatures).
    pubsub: gossipsub({ emitSelf: false, allowPublishToZeroTopicPeers: true, fallbackToFloodsub: false, globalSignaturePolicy: 'StrictNoSign' }),
  },
});
await node.start();
const topic = consensusTopic(chain);
node.services.pubsub.subscribe(topic);
await Promise.all(addrs.split(',').map((a) => node.dial(multiaddr(a), { signal: AbortSignal.timeout(10_000) }).catch(() => undefined)));
// Gossip meshes form on the heartbeat; until then a publish reaches no one.
await new Promise((r) => setTimeout(r, 2_000));
out('ready', { peers: node.getPeers().length });

/** The value each validator signed per (height, round, type), to spot a second, different one. */
const signed = new Map<string, string>();
const reported = new Set<string>();
const equivocatedAt = new Set<number>();

function watch(frame: VoteFrame): void {
  const key = keys[frame.v];
  if (!key || !voteStatement.verify(key, { chain, height: frame.height, round: frame.round, type: frame.type, value: frame.value }, frame.sig)) return;
  const slot = `${frame.v}/${frame.height}/${frame.round}/${frame.type}`;
  const value = frame.value ? bytesToHex(frame.value) : 'nil';
  const before = signed.get(slot);
  if (before === undefined) {
    signed.set(slot, value);
    out('vote', { validator: frame.v, height: frame.height, round: frame.round, type: frame.type });
  }
  else if (before !== value && !reported.has(slot)) {
    reported.add(slot);
    out('conflict', { validator: frame.v, height: frame.height, round: frame.round, type: frame.type });
  }
}

let n = 0;
function vote(height: number, type: VoteFrame['type'], value: Uint8Array | null): VoteFrame {
  const fields = { chain, height, round: 0, type, value };
  return { t: 'v', chain, height, round: 0, type, value, v: self!, sig: voteStatement.sign(secretKey!, fields), n: n++ };
}

/**
 * Two different votes of each type for the height after the one the network is at: honest nodes
 * hold such votes until they start that height, so the pair is judged whatever the timing.
 */
function equivocate(height: number): void {
  if (equivocatedAt.has(height)) return;
  equivocatedAt.add(height);
  heightsLeft--;
  for (const type of ['prevote', 'precommit'] as const) {
    for (const value of [new Uint8Array(randomBytes(32)), null]) {
      const frame = vote(height, type, value);
      // Gossip does not echo our own messages: watching them here shows the watcher does flag a
      // validator that signs two values (so its silence about the honest ones means something).
      watch(frame);
      void node.services.pubsub.publish(topic, encodeConsensusFrame(frame)).catch(() => undefined);
    }
  }
  out('equivocated', { height, round: 0 });
}

node.services.pubsub.addEventListener('message', (event) => {
  if (event.detail.topic !== topic) return;
  let frame;
  try {
    frame = decodeConsensusFrame(event.detail.data);
  } catch {
    return;
  }
  if (frame.t === 'v') watch(frame);
  if (secretKey && heightsLeft > 0 && frame.v !== self) equivocate(frame.height + 1);
});

const stop = () => void Promise.resolve(node.stop()).finally(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
