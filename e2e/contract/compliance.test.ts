/**
 * One NodeApi compliance suite, run against both transports: HTTP + WebSocket against a real
 * headless node process, and Electron IPC through the real preload and IPC binding code (with
 * Electron's serialization emulated where no Electron binary exists) against a real node in this
 * process. The same client interface, the same assertions.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import type { ApiEvent } from '../../node-core/api/contract.ts';
import { loadConfig } from '../../node-core/config/load.ts';
import { createNode } from '../../node-core/node.ts';
import { killAllNodes, startNode, tempDir } from '../../node-core/test/helpers/spawn-node.ts';
import { waitFor } from '../../node-core/test/helpers/p2p-net.ts';
import { ApiError } from '../../renderer/src/api/api-error.ts';
import type { ApiClient } from '../../renderer/src/api/client.ts';
import { createHttpClient } from '../../renderer/src/api/http-client.ts';
import { createIpcClient } from '../../renderer/src/api/ipc-client.ts';
import { bindIpc } from '../../electron/ipc-bridge.ts';
import { createPreloadApi } from '../../electron/preload-api.ts';
import { emulateElectron } from './emulated-electron.ts';

after(killAllNodes);

interface Transport {
  readonly name: string;
  start(): Promise<{ client: ApiClient; stop(): Promise<void> }>;
}

const transports: Transport[] = [
  {
    name: 'HTTP + WebSocket (headless node process)',
    async start() {
      const node = await startNode({ env: { DCHAT_RATE_LIMIT_ENABLED: 'false' } });
      return { client: createHttpClient({ baseUrl: node.url, token: node.token }), stop: async () => void (await node.stop()) };
    },
  },
  {
    name: 'Electron IPC (real preload and bridge, emulated Electron)',
    async start() {
      const loaded = loadConfig({ env: { DCHAT_DATA_DIR: tempDir(), DCHAT_P2P_HOST: '127.0.0.1', DCHAT_P2P_PORT: '0', DCHAT_P2P_WS_PORT: '0' } });
      const node = createNode({ loaded, logger: pino({ level: 'silent' }), version: 'test', http: false });
      await node.start();
      const electron = emulateElectron();
      const unbind = bindIpc({
        ipcMain: electron.ipcMain,
        call: (method, input) => node.dispatch(method, input),
        subscribe: (listener) => node.api.subscribe(listener),
        send: (channel, payload) => electron.send(channel, payload),
        isTrustedSender: (event) => event.senderFrame?.url === electron.pageUrl,
      });
      const bridge = electron.exposeInMainWorld(createPreloadApi(electron.ipcRenderer, 'linux'));
      return {
        client: createIpcClient(bridge),
        stop: async () => {
          unbind();
          await node.stop();
        },
      };
    },
  },
];

async function rejectsNamed(promise: Promise<unknown>, name: string): Promise<ApiError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof ApiError, `expected an ApiError, got ${String(err)}`);
    assert.equal(err.name, name, err.message);
    return err;
  }
  assert.fail(`expected ${name}`);
}

for (const transport of transports) {
  describe(`NodeApi over ${transport.name}`, () => {
    let client: ApiClient;
    let stop: () => Promise<void>;
    before(async () => ({ client, stop } = await transport.start()));
    after(async () => stop());

    it('answers health and status', async () => {
      assert.equal((await client.call('node.health', {})).status, 'healthy');
      const status = await client.call('node.status', {});
      assert.equal(status.status, 'ready');
      assert.equal(typeof status.accessibility.keyboard_shortcut_conflict_check, 'boolean');
    });

    // Each test makes the identities and chats it needs (names unique to it), so none depends on
    // another having run first.
    it('creates and lists identities', async () => {
      const created = await client.call('identities.create', { username: 'compliance', display_name: 'Compliance ✓' });
      assert.equal(created.profile.display_name, 'Compliance ✓');
      const { identities } = await client.call('identities.list', {});
      assert.deepEqual(identities.filter((i) => i.id === created.id).map((i) => i.username), ['compliance']);
    });

    it('rebuilds named errors with their details', async () => {
      const invalid = await rejectsNamed(client.call('messages.send', { chat_id: 7, text: 8 } as never), 'ValidationError');
      assert.deepEqual(invalid.issues?.map((i) => i.path).sort(), ['chat_id', 'text']);
      await rejectsNamed(client.call('no.such' as never, {} as never), 'UnknownMethod');
      await rejectsNamed(client.call('messages.list', { chat_id: 'missing' }), 'ChatNotFound');
      await client.call('identities.create', { username: 'errors' });
      await rejectsNamed(client.call('identities.create', { username: 'errors' }), 'UsernameTaken');
    });

    it('sends, lists and searches messages, and pushes events', async () => {
      const me = await client.call('identities.create', { username: 'events' });
      await client.call('chats.create', { chat_id: 'events-notes', kind: 'self', identity_id: me.id });
      const events: ApiEvent[] = [];
      const unsubscribe = client.subscribe((e) => events.push(e));
      // The stream is connected once an event we cause comes through it.
      await waitFor('the event stream to deliver', async () => {
        await client.call('chats.markRead', { chat_id: 'events-notes' });
        return events.some((e) => e.type === 'chat.updated');
      }, 10_000);
      const sent = await client.call('messages.send', { chat_id: 'events-notes', text: 'héllo, wörld — 你好 🎉' });
      const created = await waitFor('a message.created event', async () => events.find((e) => e.type === 'message.created'), 5000);
      assert.deepEqual(Object.keys(created).sort(), ['data', 'type'], 'events carry only their type and data');
      assert.equal(created.type === 'message.created' ? created.data.id : undefined, sent.id);
      const page = await client.call('messages.list', { chat_id: 'events-notes' });
      assert.deepEqual(page.messages.map((m) => m.text), ['héllo, wörld — 你好 🎉']);
      const found = await client.call('messages.search', { q: 'wörld' });
      assert.equal(found.results[0]?.message.id, sent.id);

      // A second listener stays subscribed: once it has the next event, the first would have had it too.
      const later: ApiEvent[] = [];
      const unsubscribeLater = client.subscribe((e) => later.push(e));
      unsubscribe();
      const count = events.length;
      const after = await client.call('messages.send', { chat_id: 'events-notes', text: 'after unsubscribing' });
      await waitFor('the second listener to get the message', async () => later.some((e) => e.type === 'message.created' && e.data.id === after.id), 5000);
      assert.equal(events.length, count, 'no events after unsubscribe');
      unsubscribeLater();
    });

    it('uploads an attachment, sends it and reads it back byte for byte', async () => {
      const me = await client.call('identities.create', { username: 'files' });
      await client.call('chats.create', { chat_id: 'files-notes', kind: 'self', identity_id: me.id });
      const bytes = new Uint8Array(300_000).map((_, i) => (i * 7) % 251);
      const info = await client.upload(new Blob([bytes], { type: 'application/octet-stream' }), 'bytes.bin');
      assert.equal(info.size, bytes.length);
      const message = await client.call('messages.send', { chat_id: 'files-notes', text: 'a file', attachments: [info.id] });
      assert.equal(message.attachments?.[0]?.state, 'complete');
      const back = new Uint8Array(await (await client.readAttachment(info.id)).arrayBuffer());
      assert.deepEqual(back, bytes);
    });
  });
}

describe('the preload keeps Electron objects out of the page', () => {
  it('passes only payloads to listeners, refuses untrusted frames, and unsubscribes', async () => {
    const electron = emulateElectron();
    const seen: unknown[][] = [];
    const unbind = bindIpc({
      ipcMain: electron.ipcMain,
      call: async () => 'ok',
      subscribe: () => () => undefined,
      send: () => undefined,
      isTrustedSender: (event) => event.senderFrame?.url === 'file:///somewhere/else.html',
    });
    const bridge = electron.exposeInMainWorld(createPreloadApi(electron.ipcRenderer, 'linux'));
    const off = bridge.subscribe((...args: unknown[]) => seen.push(args));
    electron.send('dchat:event', { type: 'chat.updated', data: { chat_id: 'x' } });
    assert.deepEqual(seen, [[{ type: 'chat.updated', data: { chat_id: 'x' } }]], 'one argument: the payload, never the event object');
    off();
    electron.send('dchat:event', { type: 'chat.updated', data: {} });
    assert.equal(seen.length, 1);
    const refused = await bridge.call('node.health', {});
    assert.deepEqual(refused, { ok: false, error: { error: 'Forbidden', message: 'calls are only accepted from the dchat window' } });
    assert.equal(Object.isFrozen(bridge), true);
    assert.deepEqual(Object.keys(bridge).sort(), ['call', 'onDeepLink', 'platform', 'setFocusedChat', 'subscribe']);
    unbind();
  });

  it('tells the main process which chat is on screen, from the trusted page only', () => {
    const electron = emulateElectron();
    const focused: Array<string | null> = [];
    const bind = (trusted: boolean) =>
      bindIpc({
        ipcMain: electron.ipcMain,
        call: async () => 'ok',
        subscribe: () => () => undefined,
        send: () => undefined,
        isTrustedSender: () => trusted,
        onFocusedChat: (chatId) => focused.push(chatId),
      });
    const bridge = electron.exposeInMainWorld(createPreloadApi(electron.ipcRenderer, 'linux'));
    let unbind = bind(true);
    bridge.setFocusedChat('d-1');
    bridge.setFocusedChat(null);
    bridge.setFocusedChat({ not: 'a chat id' } as unknown as string);
    assert.deepEqual(focused, ['d-1', null, null], 'a chat id or nothing; anything else counts as no chat');
    unbind();
    bridge.setFocusedChat('d-2');
    assert.equal(focused.length, 3, 'nothing heard once unbound');
    unbind = bind(false);
    bridge.setFocusedChat('d-3');
    assert.equal(focused.length, 3, 'an untrusted frame is not heard');
    unbind();
  });
});
