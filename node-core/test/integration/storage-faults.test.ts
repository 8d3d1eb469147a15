import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it, type TestContext } from 'node:test';
import Database from 'better-sqlite3';
import { damageInteriorPage } from '../helpers/damage.ts';
import { killAllNodes, prepareChat, runCli, startNode, tempDir, type RunningNode } from '../helpers/spawn-node.ts';

/**
 * Storage faults met for real: a genuinely full disk (a small tmpfs), a node-secret that does not
 * belong to its database, a database damaged in the middle.
 */

after(killAllNodes);

const P2P_OFF = { DCHAT_P2P_ENABLED: 'false', DCHAT_RATE_LIMIT_ENABLED: 'false' };
const runNodeOnce = (dataDir: string, extra: string[] = []) =>
  runCli(['--headless', '--data-dir', dataDir, '--api-port', '0', '--p2p-port', '0', '--p2p-ws-port', '0', ...extra], { env: P2P_OFF });

/** A tmpfs of `size` mounted for the test, or a skip saying why there is none. */
function mountTmpfs(t: TestContext, size: string): string | undefined {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) {
    t.skip('needs root on Linux to mount a small tmpfs as a full disk');
    return undefined;
  }
  const mountPoint = tempDir('dchat-storage-faults-');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', mountPoint], { stdio: 'pipe' });
  } catch (err) {
    const why = String((err as { stderr?: Buffer }).stderr ?? (err as Error).message).trim().split('\n')[0];
    console.log(`cannot mount a tmpfs here (${why}): skipping the full-disk test`);
    t.skip(`cannot mount a tmpfs here (${why})`);
    return undefined;
  }
  return mountPoint;
}

const upload = (node: RunningNode, bytes: Uint8Array, name: string) =>
  node.api(`/api/attachments?name=${encodeURIComponent(name)}&type=application/octet-stream`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream' },
    body: bytes,
  });

const sha256 = (data: Uint8Array) => crypto.createHash('sha256').update(data).digest('hex');

describe('storage faults', () => {
  it('a full disk: a failed upload leaves nothing behind, later writes succeed once space is freed, a restart sweeps leftovers', async (t) => {
    const mountPoint = mountTmpfs(t, '8m');
    if (!mountPoint) return;
    let node: RunningNode | undefined;
    try {
      const dataDir = path.join(mountPoint, 'data');
      const attachmentsDir = path.join(dataDir, 'attachments');
      node = await startNode({ dataDir, env: P2P_OFF });
      await prepareChat(node);
      const free = () => fs.statfsSync(mountPoint).bavail * fs.statfsSync(mountPoint).bsize;
      // Leave about 2.5 MB: a few 700 KB uploads fit, then the disk is full.
      const filler = path.join(mountPoint, 'filler');
      fs.writeFileSync(filler, Buffer.alloc(Math.max(0, free() - 2_500_000)));

      const stored = new Map<string, string>();
      let full: Response | undefined;
      for (let i = 0; i < 40 && !full; i++) {
        const bytes = crypto.randomBytes(700_000);
        const res = await upload(node, bytes, `file-${i}.bin`);
        if (res.status === 201) stored.set(((await res.json()) as { id: string }).id, sha256(bytes));
        else full = res;
      }
      assert.ok(full, 'the disk filled up');
      assert.equal(full.status, 507, await full.clone().text());
      assert.equal(((await full.json()) as { error: string }).error, 'StorageFull');
      // A second failed attempt, then look: only the files of acknowledged uploads are there.
      assert.equal((await upload(node, crypto.randomBytes(700_000), 'again.bin')).status, 507);
      const names = fs.readdirSync(attachmentsDir).sort();
      assert.deepEqual(names, [...stored.keys()].sort(), `only acknowledged uploads stay (found ${names.join(', ')})`);
      console.log(`disk full after ${stored.size} uploads of 700 KB; ${names.length} files, no leftovers`);

      fs.rmSync(filler);
      const small = crypto.randomBytes(10_000);
      const later = await upload(node, small, 'small.bin');
      assert.equal(later.status, 201, 'a small write succeeds once space is freed');
      const smallId = ((await later.json()) as { id: string }).id;
      stored.set(smallId, sha256(small));
      const message = await node.api('/api/messages/send', { json: { chat_id: 'test', text: 'space is back' } });
      assert.equal(message.status, 201);
      assert.equal(await node.stop(), 0);
      node = undefined;

      // Plant what a crash or an older dchat leaves: a stale upload (empty and partial), a part
      // file no download owns, a temporary secret file of a dead process, and an upload whose row
      // was committed just before the crash (it must be finished, not lost).
      const orphanUpload = path.join(attachmentsDir, `${crypto.randomUUID()}.upload`);
      const emptyUpload = path.join(attachmentsDir, `${crypto.randomUUID()}.upload`);
      const orphanPart = path.join(attachmentsDir, `${crypto.randomUUID()}.part`);
      const tempSecret = path.join(dataDir, 'node-secret.4194305.1700000000000.tmp');
      fs.writeFileSync(orphanUpload, crypto.randomBytes(50_000));
      fs.writeFileSync(emptyUpload, '');
      fs.writeFileSync(orphanPart, crypto.randomBytes(50_000));
      fs.writeFileSync(tempSecret, crypto.randomBytes(32));
      fs.renameSync(path.join(attachmentsDir, smallId), path.join(attachmentsDir, `${smallId}.upload`));

      node = await startNode({ dataDir, env: P2P_OFF });
      for (const leftover of [orphanUpload, emptyUpload, orphanPart, tempSecret]) assert.ok(!fs.existsSync(leftover), `${path.basename(leftover)} was swept`);
      assert.deepEqual(fs.readdirSync(attachmentsDir).sort(), [...stored.keys()].sort());
      for (const [id, digest] of stored) {
        const res = await node.api(`/api/attachments/${id}`);
        assert.equal(res.status, 200, `attachment ${id} is readable`);
        assert.equal(sha256(new Uint8Array(await res.arrayBuffer())), digest, `attachment ${id} is intact`);
      }
      assert.ok(node.logs.some((l) => l.msg === 'removed attachment files left by interrupted or failed writes'));
      assert.equal(await node.stop(), 0);
      node = undefined;
    } finally {
      if (node) {
        node.child.kill('SIGKILL');
        await node.exited;
      }
      execFileSync('umount', ['-l', mountPoint]);
    }
  });

  it('a node-secret that is missing or does not belong to dchat.db is refused in one line (exit 3), never replaced', async () => {
    const dataDir = tempDir();
    const secretFile = path.join(dataDir, 'node-secret');
    const node = await startNode({ dataDir, env: P2P_OFF });
    const { identityId } = await prepareChat(node);
    assert.equal((await node.api('/api/messages/send', { json: { chat_id: 'test', text: 'sealed under the first secret' } })).status, 201);
    assert.equal(await node.stop(), 0);
    const original = fs.readFileSync(secretFile);

    const assertRefused = (result: { code: number | null; stderr: string }, expect: RegExp) => {
      assert.equal(result.code, 3, result.stderr);
      const lines = result.stderr.trim().split('\n');
      assert.equal(lines.length, 1, `one line, no stack trace:\n${result.stderr}`);
      assert.match(lines[0]!, expect);
      assert.match(lines[0]!, /restore the node-secret file that was backed up with .*dchat\.db/);
      assert.doesNotMatch(result.stderr, /^\s+at /m);
    };

    // Missing: refused, and no new secret is written.
    fs.rmSync(secretFile);
    assertRefused(await runNodeOnce(dataDir), /^dchat: cannot start: .*node-secret is missing, but .*dchat\.db is bound to a node secret: restore/);
    assert.ok(!fs.existsSync(secretFile), 'no new node-secret was created');
    assertRefused(await runCli(['--init-db', '--data-dir', dataDir]), /^dchat: cannot initialize .*node-secret is missing/);
    assert.ok(!fs.existsSync(secretFile), '--init-db created none either');

    // Replaced (a database restored beside another node's secret): refused, the file left alone.
    const foreign = crypto.randomBytes(32);
    fs.writeFileSync(secretFile, foreign, { mode: 0o600 });
    assertRefused(await runNodeOnce(dataDir), /node-secret does not belong to .*dchat\.db \(it was sealed under another node secret\)/);
    assertRefused(await runCli(['--init-db', '--data-dir', dataDir]), /node-secret does not belong to/);
    assert.deepEqual(fs.readFileSync(secretFile), foreign, 'the secret file is not replaced');

    // A database from before check values (none recorded): the secret is tried on the sealed keys.
    const db = new Database(path.join(dataDir, 'dchat.db'));
    db.prepare('DELETE FROM node_secret_check').run();
    db.close();
    assertRefused(await runNodeOnce(dataDir), /node-secret does not open the keys sealed in .*dchat\.db/);

    // The matching secret put back: the node starts with its identity, and records the check value.
    fs.writeFileSync(secretFile, original, { mode: 0o600 });
    const back = await startNode({ dataDir, env: P2P_OFF });
    const identities = (await (await back.api('/api/identities')).json()) as { identities: Array<{ id: string }> };
    assert.deepEqual(identities.identities.map((i) => i.id), [identityId]);
    assert.equal((await back.api('/api/messages/send', { json: { chat_id: 'test', text: 'and it writes again' } })).status, 201);
    assert.equal(await back.stop(), 0);
    const reopened = new Database(path.join(dataDir, 'dchat.db'), { readonly: true });
    assert.equal(reopened.prepare('SELECT COUNT(*) FROM node_secret_check').pluck().get(), 1, 'the check value is recorded again');
    reopened.close();
    const check = await runCli(['check', '--data-dir', dataDir]);
    assert.equal(check.code, 0, check.stdout + check.stderr);
    assert.match(check.stdout, /node-secret: belongs to this database/);
  });

  it('a database damaged in the middle: /ready 503 with the reason, writes refused, the metric rises, dchat check exits 1', async () => {
    const dataDir = tempDir();
    const file = path.join(dataDir, 'dchat.db');
    const node = await startNode({ dataDir, env: P2P_OFF });
    await prepareChat(node);
    // Enough messages of 3 KB (about one per page) for the messages b-tree to grow interior pages below its root.
    let sent = 0;
    const worker = async () => {
      while (sent < 700) {
        sent++;
        const res = await node.api('/api/messages/send', { json: { chat_id: 'test', text: `${sent} ${'lorem ipsum '.repeat(250)}` } });
        assert.equal(res.status, 201);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    assert.equal(await node.stop(), 0);

    const clean = await runCli(['check', '--data-dir', dataDir]);
    assert.equal(clean.code, 0, clean.stdout + clean.stderr);
    assert.match(clean.stdout, /integrity: ok/);
    assert.match(clean.stdout, /foreign keys: ok/);
    assert.match(clean.stdout, /dchat check: clean$/m);

    // Overwrite an interior page of the messages table (not its root, not the file header).
    const { page, pages, root } = damageInteriorPage(file, 'messages');
    assert.ok(page > 1 && page < pages && page !== root, 'a page in the middle of the file');
    console.log(`damaged page ${page} of ${pages} (an interior page of messages; its root is ${root})`);

    const damaged = await startNode({ dataDir, env: P2P_OFF });
    try {
      const started = Date.now();
      let ready: Response = await fetch(`${damaged.url}/ready`);
      while (ready.status === 200 && Date.now() - started < 5000) {
        await new Promise((r) => setTimeout(r, 50));
        ready = await fetch(`${damaged.url}/ready`);
      }
      assert.equal(ready.status, 503, '/ready turns 503 within a few seconds');
      const body = (await ready.json()) as { error: string; message: string };
      assert.equal(body.error, 'DatabaseDamaged');
      assert.match(body.message, /dchat\.db is damaged \(quick check: .*page.*\); writes are refused/);
      console.log(`/ready 503 after ${Date.now() - started} ms: ${body.message}`);
      assert.equal((await fetch(`${damaged.url}/health`)).status, 200, 'liveness holds: restarting would not help');

      for (const write of [
        damaged.api('/api/messages/send', { json: { chat_id: 'test', text: 'must not be stored' } }),
        damaged.api('/api/chats', { json: { chat_id: 'another' } }),
        upload(damaged, crypto.randomBytes(1000), 'x.bin'),
      ]) {
        const res = await write;
        assert.equal(res.status, 503, `a write is refused: ${res.url}`);
        assert.equal(((await res.json()) as { error: string }).error, 'DatabaseDamaged');
      }
      // Reads answer what they can; over the damage they say so, never a 500.
      const read = await damaged.api('/api/messages?chat_id=test&limit=500');
      assert.ok(read.status === 200 || read.status === 503, `a read answers 200 or 503, not ${read.status}`);
      const metrics = await (await fetch(`${damaged.url}/metrics`)).text();
      assert.match(metrics, /^dchat_store_damaged 1$/m);
    } finally {
      assert.equal(await damaged.stop(), 0);
    }

    const check = await runCli(['check', '--data-dir', dataDir]);
    assert.equal(check.code, 1, check.stdout + check.stderr);
    assert.match(check.stdout, /integrity: (at least )?\d+ problems?\n {4}Tree \d+ page \d+: /);
    assert.match(check.stdout, /dchat check: DAMAGED: stop the node/);
    console.log(check.stdout.split('\n').slice(0, 4).join('\n'));
  });

  it('dchat check: no database is exit 2, a file that is not a database is damaged (exit 1)', async () => {
    const empty = tempDir();
    const none = await runCli(['check', '--data-dir', empty]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no database at .*dchat\.db/);
    fs.writeFileSync(path.join(empty, 'dchat.db'), crypto.randomBytes(8192));
    const garbage = await runCli(['check', '--data-dir', empty]);
    assert.equal(garbage.code, 1, garbage.stdout + garbage.stderr);
    assert.match(garbage.stdout, /file is not a database \(SQLITE_NOTADB\)/);
  });
});
