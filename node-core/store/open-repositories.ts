import type { Database } from 'better-sqlite3';
import { guardRepository } from './damage.ts';
import { createAttachmentRepository, type AttachmentRepository } from './repositories/attachments.ts';
import { createContactRepository, type ContactRepository } from './repositories/contacts.ts';
import { createConversationRepository, type ConversationRepository } from './repositories/conversations.ts';
import { createEarlyUpdateRepository, type EarlyUpdateRepository } from './repositories/early-updates.ts';
import { createGroupRepository, type GroupRepository } from './repositories/groups.ts';
import { createIdentityRepository, type IdentityRepository } from './repositories/identities.ts';
import { createKeyboardRepository, type KeyboardRepository } from './repositories/keyboards.ts';
import { createMarketRefRepository, type MarketRefRepository } from './repositories/market-refs.ts';
import { createMessageRepository, type MessageRepository } from './repositories/messages.ts';
import { createNodeSecretCheckRepository, type NodeSecretCheckRepository } from './repositories/node-secret-check.ts';
import { createOutboxRepository, type OutboxRepository } from './repositories/outbox.ts';
import { createPrekeyRepository, type PrekeyRepository } from './repositories/prekeys.ts';
import { createProfileRepository, type ProfileRepository } from './repositories/profiles.ts';
import { createReactionRepository, type ReactionRepository } from './repositories/reactions.ts';
import { createReplayWindowRepository, type ReplayWindowRepository } from './repositories/replay-window.ts';
import { createSessionRepository, type SessionRepository } from './repositories/sessions.ts';
import { createSettingsRepository, type SettingsRepository } from './repositories/settings.ts';

/**
 * The user's own store: one interface over the one file, as its transactions span them (a ratchet
 * step commits with its message). Server-side capabilities register theirs (Store.register).
 */
export interface Repositories {
  readonly identities: IdentityRepository;
  readonly profiles: ProfileRepository;
  readonly conversations: ConversationRepository;
  readonly messages: MessageRepository;
  readonly reactions: ReactionRepository;
  readonly keyboards: KeyboardRepository;
  readonly marketRefs: MarketRefRepository;
  readonly earlyUpdates: EarlyUpdateRepository;
  readonly settings: SettingsRepository;
  readonly contacts: ContactRepository;
  readonly prekeys: PrekeyRepository;
  readonly sessions: SessionRepository;
  readonly replayWindow: ReplayWindowRepository;
  readonly outbox: OutboxRepository;
  readonly groups: GroupRepository;
  readonly attachments: AttachmentRepository;
  readonly nodeSecretCheck: NodeSecretCheckRepository;
}

/**
 * Every repository over one open database. Every query goes through a repository, so wrapping
 * each one with `onError` means one that hits damage marks the store damaged.
 */
export function openRepositories(db: Database, onError: (err: unknown) => unknown): Repositories {
  const raw: Repositories = {
    identities: createIdentityRepository(db),
    profiles: createProfileRepository(db),
    conversations: createConversationRepository(db),
    messages: createMessageRepository(db),
    reactions: createReactionRepository(db),
    keyboards: createKeyboardRepository(db),
    marketRefs: createMarketRefRepository(db),
    earlyUpdates: createEarlyUpdateRepository(db),
    settings: createSettingsRepository(db),
    contacts: createContactRepository(db),
    prekeys: createPrekeyRepository(db),
    sessions: createSessionRepository(db),
    replayWindow: createReplayWindowRepository(db),
    outbox: createOutboxRepository(db),
    groups: createGroupRepository(db),
    attachments: createAttachmentRepository(db),
    nodeSecretCheck: createNodeSecretCheckRepository(db),
  };
  return Object.fromEntries(Object.entries(raw).map(([name, repo]) => [name, guardRepository(repo as object, onError)])) as unknown as Repositories;
}
