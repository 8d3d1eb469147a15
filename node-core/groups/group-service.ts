import type { Logger } from 'pino';
import type { GroupInfo } from '../domain/model.ts';
import { IdentityLockedError } from '../domain/errors.ts';
import type { AttachmentService } from '../attachments/attachment-service.ts';
import type { SignedIdentityRecord } from '../wire/identity-record.ts';
import type { AfterCommit, DeliveryService, DirectContext } from '../delivery/delivery-service.ts';
import type { DirectPayload } from '../delivery/payloads.ts';
import type { EventBus } from '../events/event-bus.ts';
import type { Outbound } from '../messaging/messaging-service.ts';
import type { SignedEnvelope } from '../p2p/envelope.ts';
import type { Network } from '../p2p/network.ts';
import type { Startable } from '../runtime/startable.ts';
import type { KeyRing } from '../sessions/key-ring.ts';
import type { LocalVault } from '../sessions/vault.ts';
import type { Repositories, Store } from '../store/store.ts';
import { createGroupBook } from './group-book.ts';
import { createGroupGossip } from './group-gossip.ts';
import { createGroupInbound } from './group-inbound.ts';
import { createGroupMembership } from './group-membership.ts';
import { createGroupOutbound } from './group-outbound.ts';
import { createGroupSenderKeys } from './group-sender-keys.ts';

export { SenderKeyMissingError } from './group-inbound.ts';

/**
 * Groups: an admin-signed member list distributed over the members' pairwise sessions
 * (group-membership), and one sender key per member (a hash ratchet plus a signing key) handed
 * to the other members the same way (group-sender-keys). Messages are encrypted once with the
 * sender's key (group-outbound) and published on the group's gossipsub topic (group-gossip);
 * members not on the topic get a copy through their relays. When a member leaves, every
 * remaining member makes a new sender key and gives it only to the remaining members, so the one
 * who left cannot read what follows.
 */

export interface GroupService extends Startable {
  start(): void;
  stop(): Promise<void>;
  create(input: { title: string; members: readonly string[]; identity_id?: string | undefined }): Promise<GroupInfo>;
  addMembers(groupId: string, members: readonly string[]): Promise<GroupInfo>;
  removeMember(groupId: string, member: string): Promise<GroupInfo>;
  rename(groupId: string, title: string): Promise<GroupInfo>;
  leave(groupId: string): Promise<GroupInfo>;
  get(groupId: string): GroupInfo;
  list(): GroupInfo[];
  readonly outbound: Outbound;
  handleGroupEnvelope(repos: Repositories, envelope: SignedEnvelope, now: number): AfterCommit | void;
  groupRecipients(repos: Repositories, groupId: string): string[];
}

export interface GroupServiceInit {
  readonly store: Store;
  readonly network: Network;
  readonly delivery: DeliveryService;
  readonly keyRing: KeyRing;
  readonly vault: LocalVault;
  readonly events: EventBus;
  readonly attachments: AttachmentService;
  readonly logger: Logger;
  /** Our own route (peer id, addresses, relays) for member lists. */
  readonly ownRecord: (local: string) => SignedIdentityRecord;
  /** Registers the handlers for group control payloads carried over 1:1 sessions. */
  readonly onPayload: (kind: 'gstate' | 'gleave' | 'skey', handler: (repos: Repositories, payload: DirectPayload, context: DirectContext) => AfterCommit | void) => void;
  readonly now?: () => number;
}

export function createGroupService(init: GroupServiceInit): GroupService {
  const { store, network, delivery, keyRing, events, attachments } = init;
  const log = init.logger.child({ component: 'groups' });
  const secretOf = (identity: string): Uint8Array => {
    const secret = keyRing.get(identity);
    if (!secret) throw new IdentityLockedError('unlock the identity first (POST /api/identities/:id/unlock)');
    return secret;
  };

  const book = createGroupBook();
  const gossip = createGroupGossip({ network, delivery, log });
  const keys = createGroupSenderKeys({ delivery, vault: init.vault, book, log, onKey: (groupId, sender) => gossip.retryHeld(groupId, sender) });
  const membership = createGroupMembership({ store, book, keys, gossip, delivery, events, ownRecord: init.ownRecord, secretOf, now: init.now ?? Date.now });
  const handleGroupEnvelope = createGroupInbound({ book, keys, events, attachments });
  const outbound = createGroupOutbound({ book, keys, gossip, delivery, events, attachments, requireUnlocked: secretOf });

  // Payload kinds are registered once, when built: a member list or key may arrive as soon as delivery runs.
  init.onPayload('gstate', (repos, payload, context) => membership.receive(repos, payload, context));
  init.onPayload('skey', (repos, payload, context) => keys.receive(repos, payload, context));
  init.onPayload('gleave', (repos, payload, context) => membership.receiveLeave(repos, payload, context));

  return {
    start() {
      for (const row of store.repos.groups.list()) if (row.removed === 0) gossip.join(book.stateOf(row));
      gossip.start();
    },
    stop: () => gossip.stop(),
    create: (input) => membership.create(input),
    addMembers: (groupId, members) => membership.addMembers(groupId, members),
    removeMember: (groupId, member) => membership.removeMember(groupId, member),
    rename: (groupId, title) => membership.rename(groupId, title),
    leave: (groupId) => membership.leave(groupId),
    get: (groupId) => book.toInfo(book.require(store.repos, groupId)),
    list: () => store.repos.groups.list().map((row) => book.toInfo(row)),
    outbound,
    handleGroupEnvelope,
    groupRecipients(repos, groupId) {
      const row = repos.groups.get(groupId);
      return row && row.removed === 0 && keyRing.get(row.local_identity) ? [row.local_identity] : [];
    },
  };
}
