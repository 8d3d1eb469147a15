import { bytesToHex, concatBytes } from '@noble/hashes/utils.js';
import { z } from 'zod';
import type { AttachmentService } from '../attachments/attachment-service.ts';
import { senderKeyDecrypt, SenderKeyError } from '../crypto/sender-keys.ts';
import { HoldEnvelopeError, type AfterCommit } from '../delivery/delivery-service.ts';
import { marketRefFromWire, parseGroupContent, type GroupPayload } from '../delivery/payloads.ts';
import type { EventBus } from '../events/event-bus.ts';
import { storeIncoming } from '../messaging/incoming.ts';
import { applyEarlyUpdates, applyIncomingUpdate } from '../messaging/incoming-updates.ts';
import type { ChangeDeps } from '../messaging/message-changes.ts';
import { decodeCbor } from '../p2p/codec.ts';
import type { SignedEnvelope } from '../p2p/envelope.ts';
import { DecryptFailedError } from '../sessions/direct-sessions.ts';
import type { Repositories } from '../store/store.ts';
import { chatIdOf, isMember, type GroupBook } from './group-book.ts';
import type { GroupSenderKeys } from './group-sender-keys.ts';

/** A group envelope that arrived before its sender's key: kept until the key comes. */
export class SenderKeyMissingError extends HoldEnvelopeError {
  override readonly name = 'SenderKeyMissingError';
}

/** [key id, iteration, ciphertext, sender-key signature] */
export const groupBody = z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative(), z.instanceof(Uint8Array), z.instanceof(Uint8Array)]);

/**
 * Reads a group message (its envelope's signature already checked) with its sender's key and
 * stores it, inside the receiving transaction; what to announce is returned for after commit.
 */
export function createGroupInbound(init: {
  readonly book: GroupBook;
  readonly keys: GroupSenderKeys;
  readonly events: EventBus;
  readonly attachments: AttachmentService;
}): (repos: Repositories, envelope: SignedEnvelope, at: number) => AfterCommit | void {
  const { book, keys } = init;

  function decrypt(repos: Repositories, envelope: SignedEnvelope, groupId: string, sender: string, at: number): Uint8Array {
    const parsed = groupBody.safeParse(decodeCbor(envelope.body));
    if (!parsed.success) throw new DecryptFailedError('malformed group message');
    const [keyId, iteration, ciphertext, signature] = parsed.data;
    const keyRow = repos.groups.getSenderKey(groupId, sender, keyId);
    if (!keyRow) throw new SenderKeyMissingError(`no sender key ${keyId} from ${sender.slice(0, 16)} yet`);
    let result;
    try {
      // The envelope's signature (checked before we got here) authenticates the sender.
      result = senderKeyDecrypt(keys.open(keyRow.sealed_state, groupId, sender, keyId), { keyId, iteration, ciphertext, signature }, concatBytes(envelope.to, envelope.from), { senderAuthenticated: true });
    } catch (err) {
      if (err instanceof SenderKeyError) throw new DecryptFailedError(err.message);
      throw err;
    }
    keys.save(repos, groupId, sender, result.state, at);
    return result.plaintext;
  }

  const changes: ChangeDeps = { events: init.events, files: init.attachments };

  function storeMessage(repos: Repositories, payload: GroupPayload, chatId: string, sender: string, local: string, at: number): AfterCommit | void {
    if (repos.messages.get(payload.id)) return;
    const { message, startDownloads } = storeIncoming(repos, init.attachments, {
      id: payload.id,
      chatId,
      sender,
      text: payload.text,
      sentAt: payload.at,
      at,
      manifests: payload.att,
      replyTo: payload.re,
      expireSeconds: payload.exp,
      // Orders and deliveries are between a buyer and a seller: in a group only a shared listing or a dispute's opening means anything.
      market: payload.mkt?.t === 'listing' || payload.mkt?.t === 'dispute' ? marketRefFromWire(payload.mkt) : undefined,
    });
    const early = applyEarlyUpdates(repos, changes, message, local);
    return () => {
      init.events.emit('message.created', message);
      startDownloads?.();
      early?.();
    };
  }

  return (repos, envelope, at) => {
    const groupId = bytesToHex(envelope.to);
    const row = book.require(repos, groupId);
    const sender = bytesToHex(envelope.from);
    if (row.removed === 1 || !isMember(book.stateOf(row), sender)) throw new DecryptFailedError('not from a member of this group');
    const content = parseGroupContent(decodeCbor(decrypt(repos, envelope, groupId, sender, at)));
    if (!content) throw new DecryptFailedError('unreadable group message');
    const chatId = chatIdOf(groupId);
    const local = repos.conversations.get(chatId)?.identity_id;
    if (!local) return;
    if (content.kind === 'message') return storeMessage(repos, content.message, chatId, sender, local, at);
    return applyIncomingUpdate(repos, changes, { chatId, sender, local, receivedAt: at }, content.update);
  };
}
