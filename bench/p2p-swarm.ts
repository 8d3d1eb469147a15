/**
 * Simulates many peers from one process: `count` libp2p nodes that connect to `target` and stay
 * connected until told to stop (a line "stop" on stdin or SIGTERM). Prints "connected N" when done.
 */
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { identify } from '@libp2p/identify';
import { tcp, type TCPSocketOptions } from '@libp2p/tcp';
import { multiaddr } from '@multiformats/multiaddr';
import { createLibp2p, type Libp2p } from 'libp2p';

const [target, countArg, groupArg] = process.argv.slice(2) as [string, string, string | undefined];
const count = Number(countArg);
const group = Number(groupArg ?? 0);
/**
 * Real peers come from many addresses, and a relay holds at most a few connections per address:
 * each simulated peer dials from its own loopback address (PEERS_PER_ADDRESS share one), in a
 * block of 127.0.0.0/8 of its own per swarm process.
 */
const PEERS_PER_ADDRESS = 4;
const sourceAddress = (i: number): string => {
  const slot = Math.floor(i / PEERS_PER_ADDRESS);
  return `127.${20 + group}.${Math.floor(slot / 250)}.${(slot % 250) + 1}`;
};
const nodes: Libp2p[] = [];
let connected = 0;
for (let i = 0; i < count; i += 25) {
  const batch = await Promise.all(
    Array.from({ length: Math.min(25, count - i) }, async (_, j) => {
      // net.connect's localAddress goes through @libp2p/tcp's dial options, which do not declare it.
      const dialOpts: TCPSocketOptions & { localAddress?: string } = { localAddress: sourceAddress(i + j) };
      const node = await createLibp2p({ transports: [tcp({ dialOpts })], connectionEncrypters: [noise()], streamMuxers: [yamux()], services: { identify: identify() } });
      await node.start();
      return node;
    }),
  );
  nodes.push(...batch);
  // The relay takes a bounded number of new connections per second from one address: retry.
  let waiting = batch;
  for (let attempt = 0; attempt < 20 && waiting.length > 0; attempt++) {
    const results = await Promise.allSettled(waiting.map((n) => n.dial(multiaddr(target), { signal: AbortSignal.timeout(30_000) })));
    connected += results.filter((r) => r.status === 'fulfilled').length;
    waiting = waiting.filter((_, j) => results[j]!.status === 'rejected');
    if (waiting.length > 0) await new Promise((r) => setTimeout(r, 500));
  }
}
process.stdout.write(`connected ${connected}\n`);
const stop = async () => {
  await Promise.allSettled(nodes.map(async (n) => n.stop()));
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.stdin.on('data', () => void stop());
