import type { TFunction } from 'i18next';
import { useCallback } from 'react';
import { useApp } from '../../state/store.ts';
import { useSubmission } from '../wallet/use-submission.ts';

/** The chat chain's rule for usernames (node-core/api/schemas.ts usernameOnChain), stricter than a local one: it starts with a letter. */
const ON_CHAIN = /^[a-z][a-z0-9_]{2,31}$/;

export const fitsChatChain = (username: string): boolean => ON_CHAIN.test(username);

/**
 * Registers a username for an identity in the chat chain's directory and tells where that is
 * (pending, final at a height, or the error the chain named). The node pays the fees, taking them
 * from the chain's faucet first where it has one, so the renderer does nothing about funds.
 * Shared by the Contacts page and onboarding, so both say the same thing about the same outcome.
 */
export function useDirectoryRegistration(t: TFunction) {
  const client = useApp((s) => s.client)!;
  const { submission, run } = useSubmission(t);
  const register = useCallback((id: string, username: string) => run(async () => client.call('identities.register', { id, username, wait: true })), [client, run]);
  return { submission, register };
}
