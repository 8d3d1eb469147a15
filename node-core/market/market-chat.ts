import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { ListingView, OrderInChat, OrderView, PurchaseView, SubmittedTransaction } from '../domain/chain-model.ts';
import { OrderNotFoundError, ValidationError } from '../domain/errors.ts';
import type { SendMessageInput } from '../domain/inputs.ts';
import type { AttachmentInfo, Chat, Message } from '../domain/model.ts';
import type { EventBus } from '../events/event-bus.ts';
import type { Startable } from '../runtime/startable.ts';
import type { Store } from '../store/store.ts';
import { readPrivateFile } from '../util/private-files.ts';
import type { MarketContent } from './market-content.ts';
import { parseStickerPack, type StickerPack } from './sticker-pack.ts';

/**
 * The marketplace inside the chat. The chain holds the truth of every order; the E2E chat carries
 * what the chain cannot: the buyer's notice to the seller ("order placed", which also hands the
 * seller the buyer's record so it can answer) and the seller's delivery, the content as an
 * attachment whose key travels inside the encrypted message. Either side may be offline: both go
 * through relays like any message.
 *
 * The seller's node delivers by itself: for each order notice from the order's buyer, once the
 * currency chain shows the order PAID to this identity, it sends the content it keeps for the
 * listing (market-content.ts) and submits `order_deliver`. Both steps are idempotent (the delivery
 * message's id is derived from the order), so a restart or a lost transaction only repeats them.
 */

export interface MarketChatInit {
  readonly store: Store;
  readonly events: EventBus;
  readonly content: MarketContent;
  readonly files: {
    upload(data: Uint8Array, name: string, mime: string): Promise<AttachmentInfo>;
    file(id: string): { path: string; row: { name: string; mime: string } };
    withAttachments(repos: Store['repos'], messages: readonly Message[]): Message[];
  };
  readonly send: (input: SendMessageInput) => Promise<Message>;
  readonly market: {
    order(i: { id: string; identity_id: string }): OrderView;
    listing(id: string): ListingView;
    /** The seller's signed identity record the listing carries. */
    recordOf(listingId: string): Uint8Array;
    act(i: { id: string; action: 'deliver'; identity_id: string; wait: boolean }): Promise<SubmittedTransaction>;
    height(): number;
    moderatorRecord(key: string): Uint8Array | undefined;
  };
  readonly createGroup: (input: { title: string; members: readonly string[]; identity_id: string }) => Promise<{ chat_id: string }>;
  readonly addContact: (record: Uint8Array, identityId: string) => Promise<{ chat: Chat }>;
  readonly logger: Logger;
  readonly now?: () => number;
}

/** A notice whose order never shows up on the chain is given up after this long. */
const NOTICE_PATIENCE_MS = 10 * 60 * 1000;
/** Blocks to wait for a submitted `order_deliver` before submitting it again. */
const RESUBMIT_BLOCKS = 20;


/** A message id (a UUID's shape) that only this order and kind produce. */
export function marketMessageId(kind: 'order' | 'delivery' | 'dispute', orderId: string): string {
  const h = createHash('sha256').update(`dchat/market/${kind}/${orderId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

interface Notice {
  readonly chatId: string;
  readonly buyer: string;
  readonly local: string;
  readonly since: number;
}

export function createMarketChat(init: MarketChatInit) {
  const { store, market, content, files } = init;
  const log = init.logger.child({ component: 'market-chat' });
  const now = init.now ?? Date.now;
  const open = new Map<string, Notice>();
  const submitted = new Map<string, number>();
  const packs = new Map<string, StickerPack | null>();
  const warned = new Set<string>();
  let unsubscribe: (() => void) | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = true;

  /** An order notice someone sent us in a 1:1 chat: a candidate for delivery. */
  function consider(message: Message): void {
    if (message.market?.kind !== 'order' || !message.market.order_id) return;
    const chat = store.repos.conversations.get(message.chat_id);
    if (chat?.kind !== 'direct' || message.sender === chat.identity_id) return;
    if (!open.has(message.market.order_id)) open.set(message.market.order_id, { chatId: chat.chat_id, buyer: message.sender, local: chat.identity_id, since: message.received_at });
  }

  function kick(): void {
    if (stopped || open.size === 0) return;
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      do {
        again = false;
        for (const [orderId, notice] of [...open]) {
          if (stopped) return;
          await step(orderId, notice).catch((err: unknown) => {
            // Tried again at every block: said once per order and reason, not once a second.
            const said = `${orderId}:${(err as Error).message}`;
            if (warned.has(said)) return;
            warned.add(said);
            log.warn({ err, order: orderId }, 'delivering an order failed; trying again at each block');
          });
        }
      } while (again && !stopped);
    })().finally(() => (running = undefined));
  }

  async function step(orderId: string, notice: Notice): Promise<void> {
    let order: OrderView;
    try {
      order = market.order({ id: orderId, identity_id: notice.local });
    } catch (err) {
      if (!(err instanceof OrderNotFoundError)) throw err;
      if (now() - notice.since > NOTICE_PATIENCE_MS) open.delete(orderId);
      return;
    }
    // A notice only counts from the order's own buyer, to the order's own seller.
    if (order.seller !== notice.local || order.buyer !== notice.buyer || order.state !== 'PAID') {
      open.delete(orderId);
      submitted.delete(orderId);
      return;
    }
    const listing = market.listing(order.listing);
    if (listing.type === 'membership') {
      // The chain grants a membership over the bridge; there is nothing to send.
      open.delete(orderId);
      return;
    }
    const messageId = marketMessageId('delivery', orderId);
    if (!store.repos.messages.get(messageId)) {
      const file = content.read(listing.content);
      if (!file) {
        log.warn({ order: orderId, listing: listing.id }, 'an order is paid but this node does not keep the listing\'s content; deliver it by hand');
        open.delete(orderId);
        return;
      }
      const upload = await files.upload(file.data, file.name, file.mime);
      await init.send({ chat_id: notice.chatId, text: listing.title, attachments: [upload.id], id: messageId, market: { kind: 'delivery', listing_id: listing.id, order_id: orderId } });
      log.info({ order: orderId, chat: notice.chatId }, 'delivered an order over the chat');
    }
    const height = market.height();
    const last = submitted.get(orderId);
    if (last !== undefined && height - last < RESUBMIT_BLOCKS) return;
    submitted.set(orderId, height);
    await market.act({ id: orderId, action: 'deliver', identity_id: notice.local, wait: false });
  }

  const localOf = (order: OrderView): string | null => (order.role === 'buyer' ? order.buyer : order.role === 'seller' ? order.seller : order.role === 'moderator' ? order.moderator : null);

  /** The dispute's group chat as this identity has it (the opening message names the order). */
  function disputeChat(orderId: string, identityId: string): string | null {
    for (const { chat_id } of store.repos.marketRefs.byKind('dispute', orderId)) {
      if (store.repos.conversations.get(chat_id)?.identity_id === identityId) return chat_id;
    }
    return null;
  }

  function purchases(identityId: string): PurchaseView[] {
    const out = new Map<string, PurchaseView>();
    for (const { message_id, chat_id, ref } of store.repos.marketRefs.byKind('delivery')) {
      if (!ref.order_id || out.has(ref.order_id)) continue;
      const chat = store.repos.conversations.get(chat_id);
      const message = store.repos.messages.get(message_id);
      if (chat?.identity_id !== identityId || !message || message.sender === identityId || message.deleted_at !== null) continue;
      let order: OrderView;
      try {
        order = market.order({ id: ref.order_id, identity_id: identityId });
      } catch {
        continue;
      }
      if (order.buyer !== identityId || order.seller !== message.sender) continue;
      const listing = market.listing(order.listing);
      const attachment = files.withAttachments(store.repos, [message])[0]?.attachments?.[0];
      const status = !attachment || attachment.state === 'failed' ? 'failed' : attachment.state !== 'complete' ? 'downloading' : attachment.sha256 !== listing.content ? 'mismatch' : 'ready';
      const pack = status === 'ready' && listing.type === 'sticker_pack' ? packOf(attachment!.id) : null;
      out.set(ref.order_id, {
        order_id: ref.order_id,
        listing_id: listing.id,
        type: listing.type,
        title: listing.title,
        seller: order.seller,
        chat_id,
        message_id,
        status,
        order_state: order.state,
        stickers: pack ? pack.stickers.map((s, index) => ({ index, emoji: s.emoji, image: `data:${s.mime};base64,${s.data}` })) : [],
      });
    }
    return [...out.values()];
  }

  function packOf(attachmentId: string): StickerPack | null {
    if (!packs.has(attachmentId)) {
      const parsed = parseStickerPack(readPrivateFile(files.file(attachmentId).path));
      packs.set(attachmentId, parsed.ok ? parsed.pack : null);
    }
    return packs.get(attachmentId)!;
  }

  return {
    start(): void {
      stopped = false;
      for (const { message_id, ref } of store.repos.marketRefs.byKind('order')) {
        const message = store.repos.messages.get(message_id);
        if (message) consider({ ...message, market: ref });
      }
      unsubscribe = init.events.subscribe((event) => {
        if (event.type !== 'message.created' || event.data.market?.kind !== 'order') return;
        consider(event.data);
        kick();
      });
      kick();
    },
    async stop(): Promise<void> {
      stopped = true;
      unsubscribe?.();
      await running;
    },
    /** Each final currency-chain block may have funded an order we hold a notice for. */
    blockApplied: kick,

    /** Buyer: tells the seller about a funded order over the E2E chat (also how the seller learns how to answer). */
    async noticeOrder(i: { identity_id: string; order_id: string; listing_id: string }): Promise<{ chat_id: string | null }> {
      // The order is on its way to the chain whatever happens here: a notice that cannot go (the
      // seller is an identity of this node, a record that does not decode) is logged, not thrown.
      try {
        const listing = market.listing(i.listing_id);
        const { chat } = await init.addContact(market.recordOf(i.listing_id), i.identity_id);
        await init.send({ chat_id: chat.chat_id, text: listing.title, attachments: [], id: marketMessageId('order', i.order_id), market: { kind: 'order', listing_id: i.listing_id, order_id: i.order_id } });
        return { chat_id: chat.chat_id };
      } catch (err) {
        log.warn({ err, order: i.order_id }, 'could not tell the seller about an order over the chat');
        return { chat_id: null };
      }
    },

    /** Seller: keeps an uploaded file as a listing's content; answers the hashes the listing names. */
    keepContent(attachmentId: string, type: ListingView['type']): { content: string; preview: string } {
      const { path, row } = files.file(attachmentId);
      const data = readPrivateFile(path);
      let preview: string | undefined;
      if (type === 'sticker_pack') {
        const parsed = parseStickerPack(data);
        if (!parsed.ok) throw new ValidationError(`content_attachment: not a sticker pack (${parsed.reason})`, [{ path: 'content_attachment', message: parsed.reason }]);
        preview = createHash('sha256').update(Buffer.from(parsed.pack.stickers[0]!.data, 'base64')).digest('hex');
      }
      const hash = content.put(data, row.name, row.mime);
      return { content: hash, preview: preview ?? hash };
    },

    purchases,

    /** Sends one sticker of a pack this identity bought, as an image in the chat. */
    async sendSticker(i: { identity_id: string; chat_id: string; order_id: string; index: number }): Promise<Message> {
      const purchase = purchases(i.identity_id).find((p) => p.order_id === i.order_id && p.status === 'ready');
      if (!purchase) throw new OrderNotFoundError(`no sticker pack bought in order ${i.order_id} is here`);
      const sticker = purchase.stickers[i.index];
      if (!sticker) throw new ValidationError(`index: the pack has ${purchase.stickers.length} stickers`, [{ path: 'index', message: 'no such sticker' }]);
      const [, mime, data] = /^data:([^;]+);base64,(.*)$/.exec(sticker.image)!;
      const upload = await files.upload(Buffer.from(data!, 'base64'), `sticker-${i.index + 1}.${mime!.split('/')[1]}`, mime!);
      return init.send({ chat_id: i.chat_id, text: '', attachments: [upload.id] });
    },

    /** The order with the chat this identity has with its other party and the dispute's group chat, where they exist. */
    inChat(order: OrderView): OrderInChat {
      const local = localOf(order);
      const remote = order.role === 'buyer' ? order.seller : order.buyer;
      const direct = local && order.role !== 'moderator' ? (store.repos.conversations.directWith(local, remote)?.chat_id ?? null) : null;
      return { ...order, chat_id: direct, dispute_chat_id: local ? disputeChat(order.id, local) : null };
    },

    /**
     * Buyer or seller, on opening a dispute: a group chat with the other party and the moderator
     * (from the record its terms carry), opened by the claim. Both sides put their evidence there;
     * the moderator decides on the chain. Answers the chat, or null when it cannot be opened (the
     * moderator published no record, the other party is not a contact here): the dispute itself
     * stands on the chain either way.
     */
    async openDispute(i: { identity_id: string; order_id: string; claim: string }): Promise<{ chat_id: string | null }> {
      try {
        const order = market.order({ id: i.order_id, identity_id: i.identity_id });
        if (order.role !== 'buyer' && order.role !== 'seller') return { chat_id: null };
        const existing = disputeChat(order.id, i.identity_id);
        if (existing) return { chat_id: existing };
        const record = market.moderatorRecord(order.moderator);
        if (!record) {
          log.warn({ order: order.id }, 'the moderator published no record: no dispute chat');
          return { chat_id: null };
        }
        await init.addContact(record, i.identity_id);
        const other = order.role === 'buyer' ? order.seller : order.buyer;
        const group = await init.createGroup({ title: `⚖ ${order.title}`, members: [other, order.moderator], identity_id: i.identity_id });
        await init.send({ chat_id: group.chat_id, text: i.claim, attachments: [], id: marketMessageId('dispute', order.id), market: { kind: 'dispute', listing_id: order.listing, order_id: order.id } });
        return { chat_id: group.chat_id };
      } catch (err) {
        log.warn({ err, order: i.order_id }, 'could not open the dispute chat');
        return { chat_id: null };
      }
    },
  } satisfies Startable & Record<string, unknown>;
}

export type MarketChat = ReturnType<typeof createMarketChat>;
