import type { Logger } from 'pino';
import { createSenderKey, senderKeyDistribution, senderKeyFromDistribution, type SenderKeyState } from '../crypto/sender-keys.ts';
import type { AfterCommit, DeliveryService, DirectContext } from '../delivery/delivery-service.ts';
import type { DirectPayload } from '../delivery/payloads.ts';
import type { LocalVault } from '../sessions/vault.ts';
import type { Repositories } from '../store/store.ts';
import { isMember, memberKeys, type GroupBook } from './group-book.ts';
import type { GroupState } from './group-state.ts';

/**
 * Each member's sender key, sealed at rest, and how it travels: over the pairwise sessions, to
 * the current members only. Ours is replaced whenever someone leaves, so the one who left
 * cannot read what follows.
 */
export interface GroupSenderKeys {
  /** Our newest key for the group, if we have one. */
  own(repos: Repositories, groupId: string, local: string): { keyId: number; state: SenderKeyState } | undefined;
  open(sealed: Uint8Array, groupId: string, sender: string, keyId: number): SenderKeyState;
  save(repos: Repositories, groupId: string, sender: string, state: SenderKeyState, at: number): void;
  /** Makes a fresh key for us and queues it to every member. */
  rotate(repos: Repositories, state: GroupState, local: string, at: number): void;
  /**
   * After the members changed: the keys of those who left are dropped; if anyone left, or we
   * have no key yet, ours is replaced by a fresh one for the current members only, else the
   * newcomers get our current one.
   */
  applyMemberChange(repos: Repositories, next: GroupState, local: string, before: readonly string[], at: number): void;
  /** A member's key arrived over our session with them (the "skey" payload). */
  receive(repos: Repositories, payload: DirectPayload, context: DirectContext): AfterCommit | void;
}

const keyLabel = (groupId: string, sender: string, keyId: number) => `sender-key/${groupId}/${sender}/${keyId}`;

export function createGroupSenderKeys(init: {
  readonly delivery: DeliveryService;
  readonly vault: LocalVault;
  readonly book: GroupBook;
  readonly log: Logger;
  /** A sender's key arrived: messages of theirs that waited for it can be read now. */
  readonly onKey: (groupId: string, sender: string) => void;
}): GroupSenderKeys {
  const { delivery, vault } = init;

  const open = (sealed: Uint8Array, groupId: string, sender: string, keyId: number) => vault.openValue<SenderKeyState>(keyLabel(groupId, sender, keyId), sealed);

  function save(repos: Repositories, groupId: string, sender: string, state: SenderKeyState, at: number): void {
    repos.groups.putSenderKey({ group_id: groupId, sender, key_id: state.keyId, sealed_state: vault.sealValue(keyLabel(groupId, sender, state.keyId), state), created_at: at });
  }

  function own(repos: Repositories, groupId: string, local: string) {
    const row = repos.groups.latestSenderKey(groupId, local);
    return row ? { keyId: row.key_id, state: open(row.sealed_state, groupId, local, row.key_id) } : undefined;
  }

  function distribute(repos: Repositories, state: GroupState, local: string, key: SenderKeyState, to: readonly string[], at: number): void {
    const d = senderKeyDistribution(key);
    for (const member of to) {
      if (member === local) continue;
      delivery.queueDirect(repos, { local, remote: member, groupId: state.id, payload: { k: 'skey', g: state.id, key: [d.keyId, d.iteration, d.chainKey, d.signingPublic] } }, at);
    }
  }

  function rotate(repos: Repositories, state: GroupState, local: string, at: number): void {
    const previous = repos.groups.latestSenderKey(state.id, local);
    const key = createSenderKey((previous?.key_id ?? 0) + 1);
    if (previous) repos.groups.deleteSenderKeys(state.id, local);
    save(repos, state.id, local, key, at);
    distribute(repos, state, local, key, memberKeys(state), at);
  }

  return {
    own,
    open,
    save,
    rotate,
    applyMemberChange(repos, next, local, before, at) {
      const after = memberKeys(next);
      const removed = before.filter((k) => !after.includes(k));
      for (const gone of removed) repos.groups.deleteSenderKeys(next.id, gone);
      const current = own(repos, next.id, local);
      if (!current || removed.length > 0) rotate(repos, next, local, at);
      else distribute(repos, next, local, current.state, after.filter((k) => !before.includes(k)), at);
    },
    receive(repos, payload, context) {
      if (payload.k !== 'skey') return;
      const row = repos.groups.get(payload.g);
      if (!row || row.removed === 1) return;
      if (!isMember(init.book.stateOf(row), context.remote)) return;
      const [keyId, iteration, chainKey, signingPublic] = payload.key;
      if (repos.groups.getSenderKey(payload.g, context.remote, keyId)) return;
      save(repos, payload.g, context.remote, senderKeyFromDistribution({ keyId, iteration, chainKey, signingPublic }), context.now);
      init.log.debug({ group: payload.g, sender: context.remote.slice(0, 16), keyId }, 'sender key received');
      return () => init.onKey(payload.g, context.remote);
    },
  };
}
