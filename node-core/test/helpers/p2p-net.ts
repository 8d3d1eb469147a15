import type { Chat, Message, MessagePage, RelayFigures } from '../../api/contract.ts';
import { freePort } from './net.ts';
import { startNode, tempDir, type RunningNode, type StartNodeOptions } from './spawn-node.ts';

/** What the helpers below need of a node: its API. */
export type HasApi = Pick<RunningNode, 'api'>;

/** Polls until `check` returns a value (not undefined/false), or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function json<T>(res: Response | Promise<Response>): Promise<T> {
  const r = await res;
  const text = await r.text();
  if (!r.ok) throw new Error(`${r.status} ${text}`);
  return JSON.parse(text) as T;
}

export interface RelayNode extends RunningNode {
  readonly relayAddress: string;
  readonly p2pPort: number;
}

/** A relay on fixed ports (so it can be restarted at the same address). */
export async function startRelay(options: StartNodeOptions & { p2pPort?: number } = {}): Promise<RelayNode> {
  const p2pPort = options.p2pPort ?? (await freePort());
  const node = await startNode({
    ...options,
    env: { DCHAT_RATE_LIMIT_ENABLED: 'false', ...options.env },
    args: ['--role', 'relay', ...(options.args ?? []), '--p2p-port', String(p2pPort)],
  });
  return { ...node, p2pPort, relayAddress: `/ip4/127.0.0.1/tcp/${p2pPort}/p2p/${node.peerId}` };
}

export async function startUser(relay: RelayNode | null, options: StartNodeOptions = {}): Promise<RunningNode> {
  return startNode({
    ...options,
    env: { DCHAT_RATE_LIMIT_ENABLED: 'false', ...(relay ? { DCHAT_HOME_RELAYS: relay.relayAddress } : {}), ...options.env },
  });
}

export async function createIdentity(node: HasApi, username: string): Promise<string> {
  return (await json<{ id: string }>(node.api('/api/identities', { json: { username, display_name: username[0]!.toUpperCase() + username.slice(1) } }))).id;
}

/** `a` adds `b` by invite; returns their direct chat id (the same on both sides). */
export async function addContact(a: HasApi, b: HasApi): Promise<string> {
  const { invite } = await json<{ invite: string }>(b.api('/api/invite'));
  const added = await json<{ chat_id: string; chat: Chat }>(a.api('/api/contacts', { json: { invite } }));
  return added.chat_id;
}

export async function send(node: HasApi, chatId: string, text: string, extra: Record<string, unknown> = {}): Promise<Message> {
  return json<Message>(node.api('/api/messages/send', { json: { chat_id: chatId, text, ...extra } }));
}

/** Sends `text` from one node and waits until the other has stored it; returns the sent message. */
export async function sendAndWait(from: HasApi, to: HasApi, chatId: string, text: string, timeoutMs?: number): Promise<Message> {
  const sent = await send(from, chatId, text);
  await waitFor(`"${text}" to arrive`, async () => (await messages(to, chatId)).some((m) => m.id === sent.id), timeoutMs);
  return sent;
}

/**
 * Alice on `a` and Bob on `b`, Bob reachable through his relay: Alice adds Bob and a first message
 * reaches him, so both know the chat. Returns its id.
 */
export async function introduceOverRelay(a: HasApi, b: HasApi, first: string): Promise<string> {
  await createIdentity(a, 'alice');
  await createIdentity(b, 'bob');
  await waitRelayConnected(b);
  const chat = await addContact(a, b);
  await sendAndWait(a, b, chat, first);
  return chat;
}

export async function messages(node: HasApi, chatId: string): Promise<Message[]> {
  const res = await node.api(`/api/messages?chat_id=${chatId}&limit=500`);
  if (res.status === 404) return [];
  return [...(await json<MessagePage>(res)).messages];
}

export async function relayFigures(relay: HasApi): Promise<RelayFigures> {
  return json<RelayFigures>(relay.api('/api/relay'));
}

/** Waits until the node's relay link is up for all its identities. */
export async function waitRelayConnected(node: HasApi): Promise<void> {
  await waitFor('relay subscription', async () => {
    const list = await json<{ relays: Array<{ connected: boolean }> }>(node.api('/api/relays'));
    return list.relays.length > 0 && list.relays.every((r) => r.connected);
  });
}

export { tempDir };
