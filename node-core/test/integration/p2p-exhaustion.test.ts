import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { introduceOverRelay, messages, relayFigures, send, startRelay, startUser, waitFor } from '../helpers/p2p-net.ts';
import { killAllNodes, REPO_ROOT, runScript, type RunningNode } from '../helpers/spawn-node.ts';

after(killAllNodes);

const ROGUE = path.join(REPO_ROOT, 'node-core', 'test', 'helpers', 'rogue-peer.ts');
const MB = 1024 * 1024;
/** The attack, bounded: this many seconds, this many peer ids at once, from this many loopback addresses. */
const ATTACK_SECONDS = 30;
const ATTACK_PEERS = 32;
const ATTACK_IPS = 4;
/** As many as the relay lets one peer id hold (limits.ts), so ids are banned for what they park, not for their number. */
const STREAMS_PER_PEER = 8;

const rssOf = (pid: number): number => {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) * 1024;
};

/** Sum of every sample of a metric whose labels contain `labels` (e.g. 'what="frame"'). */
const metricSum = (text: string, name: string, labels = ''): number =>
  text
    .split('\n')
    .filter((line) => line.startsWith(name) && (line[name.length] === '{' || line[name.length] === ' ') && line.includes(labels))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);

const metricsText = async (node: RunningNode) => (await fetch(`${node.url}/metrics`)).text();

interface AttackStats {
  peerIds: number;
  connections: number;
  connectionsRefused: number;
  connectionTimeouts: number;
  streams: number;
  streamsRefused: number;
  streamTimeouts: number;
  streamsCut: number;
  streamsHeldToEnd: number;
  bytesSent: number;
  refusals: Record<string, number>;
}

describe('P2P memory exhaustion', () => {
  it('a relay attacked by many fresh peer ids with parked, slow and partial frames stays within 150 MB of its idle RSS and keeps delivering honest mail', async (t) => {
    if (!fs.existsSync('/proc/self/status')) {
      t.skip('needs /proc to read the relay\'s resident memory');
      return;
    }
    const relay = await startRelay();
    const a = await startUser(relay);
    let b = await startUser(relay);
    let sampler: NodeJS.Timeout | undefined;
    try {
      const chat = await introduceOverRelay(a, b, 'before the attack');
      const pid = relay.child.pid!;
      // Idle: the relay has served a conversation and settled.
      await new Promise((r) => setTimeout(r, 2000));
      let idle = 0;
      for (let i = 0; i < 5; i++) {
        idle = Math.max(idle, rssOf(pid));
        await new Promise((r) => setTimeout(r, 200));
      }
      let peak = idle;
      sampler = setInterval(() => {
        try {
          peak = Math.max(peak, rssOf(pid));
        } catch {
          // the relay is gone; the assertions below say so
        }
      }, 100);

      const bDir = b.dataDir;
      assert.equal(await b.stop(), 0);
      const attackStarted = Date.now();
      const attack = runScript(ROGUE, ['exhaust', relay.relayAddress, String(ATTACK_SECONDS), String(ATTACK_PEERS), String(ATTACK_IPS), String(STREAMS_PER_PEER)], {
        timeoutMs: (ATTACK_SECONDS + 60) * 1000,
      });
      let attackOver = false;
      void attack.finally(() => (attackOver = true)).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 5000));

      // Honest mail under attack: A leaves it with R while B is offline; B comes back and collects it.
      const texts = Array.from({ length: 20 }, (_, i) => `during the attack ${i}`);
      for (const text of texts) await send(a, chat, text);
      await waitFor('R to hold the mail for B', async () => (await relayFigures(relay)).messages_held >= texts.length, 20_000);
      b = await startUser(relay, { dataDir: bDir });
      const got = await waitFor('B to collect its mail from R', async () => {
        const list = await messages(b, chat);
        return list.length === texts.length + 1 ? list : undefined;
      }, 20_000);
      const deliveredAfter = Date.now() - attackStarted;
      assert.equal(attackOver, false, 'the mail went through while the attack was still running');
      assert.deepEqual(got.map((m) => m.text), ['before the attack', ...texts]);

      const { code, stdout, stderr } = await attack;
      assert.equal(code, 0, `the attacker failed:\n${stderr}`);
      const stats = JSON.parse(stdout.trim().split('\n').at(-1)!).result as AttackStats;
      clearInterval(sampler);
      sampler = undefined;
      peak = Math.max(peak, rssOf(pid));

      const text = await metricsText(relay);
      const refusedFrames = metricSum(text, 'dchat_p2p_refused_total', 'what="frame"');
      const refusedStreams = metricSum(text, 'dchat_p2p_refused_total', 'what="stream"');
      const refusedConnections = metricSum(text, 'dchat_p2p_refused_total', 'what="connection"');
      const stalled = metricSum(text, 'dchat_p2p_frames_rejected_total', 'reason="stalled"');
      const bans = metricSum(text, 'dchat_p2p_peers_banned_total');
      const ipBans = metricSum(text, 'dchat_p2p_ips_banned_total');
      console.log(
        `relay RSS: idle ${(idle / MB).toFixed(0)} MB, peak ${(peak / MB).toFixed(0)} MB (+${((peak - idle) / MB).toFixed(0)} MB) under ${ATTACK_SECONDS} s of attack ` +
          `by ${stats.peerIds} peer ids from ${ATTACK_IPS} addresses (${(stats.bytesSent / MB).toFixed(0)} MB sent)`,
      );
      console.log(`attacker: ${stats.connections} connections, ${stats.connectionsRefused} refused, ${stats.connectionTimeouts} timed out; ` +
        `${stats.streams} streams, ${stats.streamsRefused} refused, ${stats.streamTimeouts} timed out, ${stats.streamsCut} cut by the relay, ${stats.streamsHeldToEnd} held to the end; ${JSON.stringify(stats.refusals)}`);
      console.log(`relay refused ${refusedConnections} connections, ${refusedStreams} streams, ${refusedFrames} frames; ${stalled} stalled frames; banned ${bans} peer ids and ${ipBans} addresses`);
      console.log(`honest mail: ${texts.length} messages left with the relay and collected by B ${(deliveredAfter / 1000).toFixed(1)} s into the attack`);

      assert.ok(peak - idle <= 150 * MB, `RSS grew by ${((peak - idle) / MB).toFixed(0)} MB (idle ${(idle / MB).toFixed(0)} MB, peak ${(peak / MB).toFixed(0)} MB)`);
      // The attack has to have hit the limits for the bound to mean anything.
      assert.ok(stats.streams > 100, `the attacker opened ${stats.streams} streams`);
      assert.ok(refusedFrames + refusedStreams > 0, 'the relay refused frames or streams');
      assert.ok(stalled > 0, 'stalled frames were cut off and counted');
      assert.ok(bans > 0, 'misbehaving peer ids were banned');
      assert.ok(stats.streamsCut > stats.streamsHeldToEnd, `the relay cut most streams (${stats.streamsCut} cut, ${stats.streamsHeldToEnd} held)`);
      assert.equal((await fetch(`${relay.url}/health`)).status, 200);
    } finally {
      if (sampler) clearInterval(sampler);
      await Promise.all([a.stop(), b.stop(), relay.stop()]);
    }
  });
});
