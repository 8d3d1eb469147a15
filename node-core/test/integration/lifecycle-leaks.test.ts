/**
 * A node started and stopped many times in one process (what the desktop app does when its
 * settings restart the node, and what every embedding test does) leaves nothing behind: no
 * timer, socket or handle, no listener on the process, no protocol still registered.
 */
import assert from 'node:assert/strict';
import { createHook } from 'node:async_hooks';
import { describe, it } from 'node:test';
import pino from 'pino';
import { loadConfig } from '../../config/load.ts';
import { createNode } from '../../node.ts';
import { tempDir } from '../helpers/spawn-node.ts';

const CYCLES = 20;

/** Active resources by kind (timers, sockets, file handles, ...), as Node itself counts them. */
function resources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

/**
 * Timers, sockets and servers created while the nodes ran and still alive, by kind and where
 * they were made. Unlike getActiveResourcesInfo() this also sees unref()ed timers, which never
 * keep the process alive but pile up in one that starts nodes again and again.
 */
function trackCreated() {
  const live = new Map<number, { type: string; where: string }>();
  const hook = createHook({
    init(id, type) {
      if (!/^(Timeout|TCPWRAP|TCPSERVERWRAP|Immediate)$/.test(type)) return;
      const where = (new Error().stack ?? '').split('\n').slice(3).find((line) => !line.includes('node:') && !line.includes('node_modules')) ?? '(inside a library)';
      // The test's own waits are not the node's.
      if (where.includes('lifecycle-leaks.test.ts')) return;
      live.set(id, { type, where: where.trim() });
    },
    destroy(id) {
      live.delete(id);
    },
  });
  hook.enable();
  return { live: () => [...live.values()], stop: () => hook.disable() };
}

const processListeners = () => process.eventNames().reduce((n, name) => n + process.listenerCount(name), 0);
const settle = () => new Promise((resolve) => setTimeout(resolve, 200));
const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

describe('lifecycle: start and stop a full node again and again', () => {
  it(`${CYCLES} start/stop cycles of a networked node (HTTP, libp2p, relay) grow no handles, listeners or protocols`, async () => {
    const dataDir = tempDir();
    const loaded = loadConfig({
      env: { DCHAT_DATA_DIR: dataDir, DCHAT_P2P_HOST: '127.0.0.1', DCHAT_P2P_PORT: '0', DCHAT_P2P_WS_PORT: '0', DCHAT_API_PORT: '0', DCHAT_NODE_ROLE: 'relay' },
    });
    const before = { resources: resources(), listeners: processListeners() };
    const created = trackCreated();
    const after: Array<{ resources: Record<string, number>; listeners: number; protocols: number }> = [];
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const node = createNode({ loaded, logger: pino({ level: 'silent' }), version: 'test' });
      await node.start();
      const protocols = node.network?.network.protocols().length ?? 0;
      assert.ok(protocols > 0, 'the networked node serves its protocols');
      // Some work, so the components' timers and channels are really in use.
      const res = await fetch(`${node.apiUrl}/health`);
      assert.equal(res.status, 200);
      await node.api.call('identities.create', { username: `user${cycle}`, bio: '', avatar: null, make_default: false });
      await node.stop();
      await settle();
      after.push({ resources: resources(), listeners: processListeners(), protocols });
    }
    const first = after[0]!;
    const last = after.at(-1)!;
    console.log(`before: ${JSON.stringify(before.resources)} listeners=${before.listeners}`);
    console.log(`after cycle 1: ${JSON.stringify(first.resources)} listeners=${first.listeners} protocols=${first.protocols}`);
    console.log(`after cycle ${CYCLES}: ${JSON.stringify(last.resources)} listeners=${last.listeners} protocols=${last.protocols}`);
    assert.deepEqual(
      after.map((a) => a.protocols),
      after.map(() => first.protocols),
      'every start registers the same protocols (none left over from an earlier run)',
    );
    assert.ok(last.listeners <= first.listeners, `process listeners grew from ${first.listeners} to ${last.listeners}`);
    // Nothing of the nodes is left running once they stopped. libp2p's kad-dht starts a 20 s
    // timeout (AbortSignal.timeout) at each start that runs out on its own, so a leftover that
    // ends by itself within that time is not a leak; one that stays is.
    const deadline = Date.now() + 25_000;
    let now = resources();
    while (total(now) > total(before.resources) && Date.now() < deadline) {
      await settle();
      now = resources();
    }
    console.log(`settled: ${JSON.stringify(now)}`);
    let left = created.live();
    while (left.length > 0 && Date.now() < deadline) {
      await settle();
      left = created.live();
    }
    created.stop();
    assert.deepEqual(left, [], 'timers, sockets or servers of the stopped nodes are still alive');
    assert.ok(total(now) <= total(before.resources), `${CYCLES} stopped nodes left ${JSON.stringify(now)} running (before: ${JSON.stringify(before.resources)})`);
  });
});
