import { create } from 'zustand';
import type { Bot, BotCredentials } from '../../../node-core/api/contract.ts';
import type { ApiClient } from '../api/client.ts';

/**
 * The Bots screen's state: the node's bots, and the credentials of the last create or rotate.
 * Credentials live only here, in memory, until their dialog closes: the node never shows a token twice.
 */
interface BotsState {
  bots: readonly Bot[] | null;
  shown: BotCredentials | null;
  load(client: ApiClient): Promise<void>;
  create(client: ApiClient, input: { username: string; name: string }): Promise<void>;
  rotate(client: ApiClient, id: number): Promise<void>;
  remove(client: ApiClient, id: number): Promise<void>;
  hideCredentials(): void;
}

export const useBots = create<BotsState>((set, get) => ({
  bots: null,
  shown: null,
  async load(client) {
    set({ bots: (await client.call('bots.list', {})).bots });
  },
  async create(client, input) {
    const credentials = await client.call('bots.create', input);
    set({ shown: credentials });
    await get().load(client);
  },
  async rotate(client, id) {
    set({ shown: await client.call('bots.rotateToken', { id }) });
    await get().load(client);
  },
  async remove(client, id) {
    await client.call('bots.delete', { id });
    set((s) => ({ bots: s.bots?.filter((b) => b.bot_id !== id) ?? null }));
  },
  hideCredentials: () => set({ shown: null }),
}));

/** The node's Bot API base for a token: the page's own origin over HTTP; in the desktop app, the node's address as a placeholder. */
export function botApiBase(token: string): string {
  const origin = window.location.protocol.startsWith('http') ? window.location.origin : 'http://<node-address>';
  return `${origin}/bot${token}/`;
}

/** The schema's rules (node-core/api/schemas.ts botUsername), to name the broken one in the user's language. */
export function usernameProblem(username: string): 'usernameFormat' | 'usernameSuffix' | null {
  if (!/^[A-Za-z0-9_]{5,32}$/.test(username)) return 'usernameFormat';
  if (!username.toLowerCase().endsWith('bot')) return 'usernameSuffix';
  return null;
}
