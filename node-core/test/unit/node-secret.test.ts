import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { createIdentity } from '../../api/schemas.ts';
import { createEventBus } from '../../events/event-bus.ts';
import { createIdentityService } from '../../identity/identity-service.ts';
import { loadNodeSecretFor, NODE_SECRET_FILE, NodeSecretMismatchError, NodeSecretMissingError, nodeSecretCheckValue } from '../../identity/node-secret.ts';
import { ensurePrekeys } from '../../sessions/prekeys.ts';
import { createLocalVault } from '../../sessions/vault.ts';
import type { Store } from '../../store/store.ts';
import { openTempStore } from '../helpers/store.ts';
import { tempDir } from '../helpers/spawn-node.ts';

/** A data directory whose store holds an identity sealed under its node secret. */
async function sealedDataDir(): Promise<{ dataDir: string; store: Store; secret: Uint8Array }> {
  const dataDir = tempDir();
  const store = openTempStore(dataDir);
  const { secret } = loadNodeSecretFor(store, dataDir);
  const identities = createIdentityService({ store, events: createEventBus(() => undefined), nodeSecret: secret });
  const alice = await identities.create(createIdentity.parse({ username: 'alice' }));
  const key = await identities.unlock(alice.id);
  await store.write((repos) => ensurePrekeys(repos, createLocalVault(secret), alice.id, key, Date.now()));
  return { dataDir, store, secret };
}

describe('node secret bound to its database', () => {
  it('creates the secret for a new database, records its check value, and finds it again', () => {
    const dataDir = tempDir();
    const store = openTempStore(dataDir);
    const first = loadNodeSecretFor(store, dataDir);
    assert.equal(first.created, true);
    assert.equal(fs.statSync(path.join(dataDir, NODE_SECRET_FILE)).mode & 0o777, 0o600);
    assert.deepEqual(store.repos.nodeSecretCheck.get(), nodeSecretCheckValue(first.secret));
    assert.notDeepEqual(store.repos.nodeSecretCheck.get(), first.secret, 'the check value is not the secret');
    const again = loadNodeSecretFor(store, dataDir);
    assert.equal(again.created, false);
    assert.deepEqual(again.secret, first.secret);
    store.stop();
  });

  it('refuses a missing secret over sealed keys and creates none', async () => {
    const { dataDir, store } = await sealedDataDir();
    fs.rmSync(path.join(dataDir, NODE_SECRET_FILE));
    assert.throws(() => loadNodeSecretFor(store, dataDir), (err: unknown) => err instanceof NodeSecretMissingError && /restore the node-secret file/.test(err.message));
    assert.ok(!fs.existsSync(path.join(dataDir, NODE_SECRET_FILE)));
    store.stop();
  });

  it('refuses a replaced secret, whether or not the check value was recorded yet', async () => {
    const { dataDir, store, secret } = await sealedDataDir();
    const file = path.join(dataDir, NODE_SECRET_FILE);
    fs.writeFileSync(file, Buffer.alloc(32, 1));
    assert.throws(() => loadNodeSecretFor(store, dataDir), NodeSecretMismatchError);
    // A database from before check values: the secret is tried on the sealed keys themselves.
    store.db.prepare('DELETE FROM node_secret_check').run();
    assert.throws(() => loadNodeSecretFor(store, dataDir), (err: unknown) => err instanceof NodeSecretMismatchError && /does not open the keys sealed/.test(err.message));
    assert.equal(store.repos.nodeSecretCheck.get(), undefined, 'nothing recorded for the wrong secret');
    assert.deepEqual(fs.readFileSync(file), Buffer.alloc(32, 1), 'the file is left as it is');
    // The right one opens them, and is recorded.
    fs.writeFileSync(file, secret);
    assert.deepEqual(loadNodeSecretFor(store, dataDir).secret, secret);
    assert.deepEqual(store.repos.nodeSecretCheck.get(), nodeSecretCheckValue(secret));
    store.stop();
  });

  it('once bound, the database takes no other secret, even before anything is sealed in it', () => {
    const dataDir = tempDir();
    const store = openTempStore(dataDir);
    loadNodeSecretFor(store, dataDir);
    assert.equal(store.repos.nodeSecretCheck.holdsSealedValues(), false);
    fs.writeFileSync(path.join(dataDir, NODE_SECRET_FILE), Buffer.alloc(32, 2));
    assert.throws(() => loadNodeSecretFor(store, dataDir), NodeSecretMismatchError);
    fs.rmSync(path.join(dataDir, NODE_SECRET_FILE));
    assert.throws(() => loadNodeSecretFor(store, dataDir), NodeSecretMissingError);
    assert.ok(!fs.existsSync(path.join(dataDir, NODE_SECRET_FILE)));
    store.stop();
  });

  it('refuses a secret file that is not 32 bytes', () => {
    const dataDir = tempDir();
    const store = openTempStore(dataDir);
    fs.writeFileSync(path.join(dataDir, NODE_SECRET_FILE), 'short', { mode: 0o600 });
    assert.throws(() => loadNodeSecretFor(store, dataDir), /is damaged \(expected 32 bytes, found 5\)/);
    store.stop();
  });
});
