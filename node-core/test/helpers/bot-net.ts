import { createIdentity, json, startRelay, startUser, waitRelayConnected, type RelayNode } from './p2p-net.ts';
import type { RunningNode, StartNodeOptions } from './spawn-node.ts';

/** A Bot API answer as the tests read it. */
export interface TgAnswer<T = unknown> {
  ok: boolean;
  result?: T;
  error_code?: number;
  description?: string;
  parameters?: { retry_after?: number };
}

export interface BotWithPerson {
  readonly relay: RelayNode;
  /** Alice's node: she added the bot by its invite. */
  readonly person: RunningNode;
  /** The node hosting the bot. */
  readonly host: RunningNode;
  readonly token: string;
  readonly botIdentity: string;
  /** Alice's chat with the bot, on her node. */
  readonly chat: string;
}

/** A relay, a person (alice) on one node and a bot created on another, already in one chat. */
export async function botWithPerson(username: string, name: string, hostOptions: StartNodeOptions = {}): Promise<BotWithPerson> {
  const relay = await startRelay();
  const person = await startUser(relay);
  const host = await startUser(relay, hostOptions);
  await createIdentity(person, 'alice');
  const created = await json<{ token: string; identity_id: string; invite: string }>(host.api('/api/bots/create', { json: { username, name } }));
  await waitRelayConnected(host);
  const chat = (await json<{ chat_id: string }>(person.api('/api/contacts', { json: { invite: created.invite } }))).chat_id;
  return { relay, person, host, token: created.token, botIdentity: created.identity_id, chat };
}
