import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import type { Message, MessagePage } from '../../api/contract.ts';
import { waitFor } from '../helpers/p2p-net.ts';
import { killAllNodes, prepareChat, startNode, tempDir, type RunningNode } from '../helpers/spawn-node.ts';

after(killAllNodes);

async function allMessages(node: RunningNode, chatId: string): Promise<Message[]> {
  const all: Message[] = [];
  let before: number | null | undefined;
  do {
    const query = `/api/messages?chat_id=${chatId}&limit=500${before ? `&before=${before}` : ''}`;
    const page = (await (await node.api(query)).json()) as MessagePage;
    all.unshift(...page.messages);
    before = page.next_before;
  } while (before);
  return all;
}

function checkIntegrity(file: string): void {
  const db = new Database(file);
  assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  assert.deepEqual(db.pragma('foreign_key_check') as unknown[], []);
  // FTS5's own check: the full-text index matches the messages table exactly.
  db.prepare("INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')").run();
  db.close();
}

describe('durability', () => {
  it('kill -9 during a burst of acknowledged writes loses none of them and corrupts nothing', async () => {
    const node = await startNode({ env: { DCHAT_RATE_LIMIT_ENABLED: 'false' } });
    await prepareChat(node);
    const acked = new Set<string>();
    let failures = 0;
    let stop = false;
    const worker = async (w: number) => {
      for (let i = 0; !stop; i++) {
        const id = crypto.randomUUID();
        try {
          const res = await node.api('/api/messages/send', { json: { chat_id: 'test', text: `worker ${w} message ${i} durability`, id } });
          if (res.status === 201) acked.add(id);
          else failures++;
        } catch {
          failures++; // the connection died with the process
          return;
        }
      }
    };
    const workers = Array.from({ length: 16 }, (_, w) => worker(w));
    await waitFor('400 acknowledged writes', async () => acked.size >= 400, 60_000);
    node.child.kill('SIGKILL');
    stop = true;
    await Promise.all(workers);
    await node.exited;
    console.log(`acknowledged before kill -9: ${acked.size}; requests cut off: ${failures}`);

    checkIntegrity(path.join(node.dataDir, 'dchat.db'));
    const restarted = await startNode({ dataDir: node.dataDir });
    try {
      const stored = new Set((await allMessages(restarted, 'test')).map((m) => m.id));
      const lost = [...acked].filter((id) => !stored.has(id));
      assert.deepEqual(lost, [], `${lost.length} acknowledged messages were lost`);
      const search = (await (await restarted.api('/api/messages/search?q=durability&limit=100')).json()) as { results: unknown[] };
      assert.equal(search.results.length, 100, 'the full-text index survived too');
    } finally {
      assert.equal(await restarted.stop(), 0);
    }
    checkIntegrity(path.join(node.dataDir, 'dchat.db'));
  });

  it('a full disk answers 507 StorageFull, keeps what was acknowledged, and recovers when space returns', async (t) => {
    if (process.platform !== 'linux' || process.getuid?.() !== 0) {
      t.skip('needs root on Linux to mount a small tmpfs as a full disk');
      return;
    }
    const mountPoint = tempDir('dchat-fulldisk-');
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', mountPoint]);
    } catch (err) {
      t.skip(`cannot mount a tmpfs here (${(err as Error).message.split('\n')[0]}), so no full-disk test`);
      return;
    }
    try {
      const dataDir = path.join(mountPoint, 'data');
      const node = await startNode({ dataDir, env: { DCHAT_RATE_LIMIT_ENABLED: 'false' } });
      await prepareChat(node);
      // Fill most of the remaining space with a file we can delete later.
      const free = () => fs.statfsSync(mountPoint).bavail * fs.statfsSync(mountPoint).bsize;
      const filler = path.join(mountPoint, 'filler');
      fs.writeFileSync(filler, Buffer.alloc(Math.max(0, free() - 400 * 1024)));

      const acked: string[] = [];
      let full: Response | undefined;
      for (let i = 0; i < 200 && !full; i++) {
        const res = await node.api('/api/messages/send', { json: { chat_id: 'test', text: `${i} ${'payload '.repeat(4000)}` } });
        if (res.status === 201) acked.push(((await res.json()) as Message).id);
        else full = res;
      }
      assert.ok(full, 'the disk filled up');
      assert.equal(full.status, 507);
      assert.equal(((await full.json()) as { error: string }).error, 'StorageFull');
      assert.equal((await fetch(`${node.url}/health`)).status, 200, 'the node keeps serving');
      assert.equal((await node.api('/api/messages?chat_id=test&limit=1')).status, 200, 'and keeps reading');

      fs.rmSync(filler);
      const after = await node.api('/api/messages/send', { json: { chat_id: 'test', text: 'space is back' } });
      assert.equal(after.status, 201, 'writes succeed again once there is space');

      const stored = new Set((await allMessages(node, 'test')).map((m) => m.id));
      assert.deepEqual(acked.filter((id) => !stored.has(id)), []);
      assert.equal(await node.stop(), 0);
      checkIntegrity(path.join(dataDir, 'dchat.db'));
      console.log(`full disk after ${acked.length} acknowledged 32 KB messages; all kept`);
    } finally {
      execFileSync('umount', ['-l', mountPoint]);
    }
  });
});
