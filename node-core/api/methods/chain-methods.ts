import type { Chains } from '../../chain/chains-service.ts';
import type { WalletService } from '../../chain/wallet-service.ts';
import { ChainUnavailableError, NetworkDisabledError } from '../../domain/errors.ts';
import type { KeyChangeWatch } from '../../contacts/key-change-watch.ts';
import type { RelayRegistryService } from '../../chain/relay-registry.ts';
import type { BridgeService } from '../../chain/bridge-service.ts';
import type { MarketService } from '../../chain/market-service.ts';
import type { DeliveryProofs } from '../../chain/delivery-proofs.ts';
import type { MarketChat } from '../../market/market-chat.ts';
import type { Chat, Contact } from '../../domain/model.ts';
import type { OrderInChat, OrderView } from '../../domain/chain-model.ts';
import * as S from '../schemas.ts';
import { bind, rest, type SpecsOf } from './define.ts';

/** The ledgers: chains and blocks, the wallet on the currency chain, the chat chain's directory. */
export const chainSpecs = {
  'chains.info': { schema: S.empty, rest: rest.get('/api/chains', 'query') },
  'chains.block': { schema: S.chainBlockRef, rest: rest.get('/api/chains/:chain/blocks/:height', 'query') },
  'chains.submit': { schema: S.submitTransaction, rest: rest.post('/api/chains/:chain/transactions', 'body', 202) },
  'wallet.get': { schema: S.walletRef, rest: rest.get('/api/wallet', 'query') },
  'wallet.history': { schema: S.walletHistory, rest: rest.get('/api/wallet/history', 'query') },
  'wallet.transfer': { schema: S.walletTransfer, rest: rest.post('/api/wallet/transfer', 'body') },
  'wallet.stake': { schema: S.walletStake, rest: rest.post('/api/wallet/stake', 'body') },
  'wallet.unstake': { schema: S.walletStake, rest: rest.post('/api/wallet/unstake', 'body') },
  'wallet.faucet': { schema: S.walletFaucet, rest: rest.post('/api/wallet/faucet', 'body') },
  'directory.lookup': { schema: S.directoryRef, rest: rest.get('/api/directory/:username', 'query') },
  'relays.registry': { schema: S.empty, rest: rest.get('/api/relays/registry', 'query') },
  'relays.announce': { schema: S.announceRelay, rest: rest.post('/api/relays/registry', 'body') },
  'relays.stake': { schema: S.relayStake, rest: rest.post('/api/relays/stake', 'body') },
  'relays.unstake': { schema: S.relayStake, rest: rest.post('/api/relays/unstake', 'body') },
  'bridge.transfer': { schema: S.bridgeTransfer, rest: rest.post('/api/bridge/transfers', 'body') },
  'bridge.packets': { schema: S.bridgePackets, rest: rest.get('/api/bridge/packets', 'query') },
  'bridge.health': { schema: S.empty, rest: rest.get('/api/bridge/health', 'query') },
  'market.listings': { schema: S.listingQuery, rest: rest.get('/api/marketplace/listings', 'query') },
  'market.listing': { schema: S.listingRef, rest: rest.get('/api/marketplace/listings/:id', 'query') },
  'market.sell': { schema: S.createListing, rest: rest.post('/api/marketplace/listings', 'body', 201) },
  'market.update': { schema: S.updateListing, rest: rest.put('/api/marketplace/listings/:id', 'body') },
  'market.close': { schema: S.closeListing, rest: rest.post('/api/marketplace/listings/:id/close', 'body') },
  'market.buy': { schema: S.buyListing, rest: rest.post('/api/marketplace/orders', 'body', 201) },
  'market.orders': { schema: S.ordersQuery, rest: rest.get('/api/marketplace/orders', 'query') },
  'market.order': { schema: S.orderRef, rest: rest.get('/api/marketplace/orders/:id', 'query') },
  'market.act': { schema: S.orderAction, rest: rest.post('/api/marketplace/orders/:id/:action', 'body') },
  'market.rate': { schema: S.rateOrder, rest: rest.post('/api/marketplace/orders/:id/rating', 'body') },
  'market.moderators': { schema: S.empty, rest: rest.get('/api/marketplace/moderators', 'query') },
  'market.moderate': { schema: S.becomeModerator, rest: rest.post('/api/marketplace/moderators', 'body') },
  'market.creator': { schema: S.creatorRef, rest: rest.get('/api/marketplace/creators/:key', 'query') },
  'market.ratings': { schema: S.ratingsQuery, rest: rest.get('/api/marketplace/ratings', 'query') },
  'market.purchases': { schema: S.purchasesQuery, rest: rest.get('/api/marketplace/purchases', 'query') },
  'market.sendSticker': { schema: S.sendSticker, rest: rest.post('/api/marketplace/stickers/send', 'body', 201) },
  'identities.register': { schema: S.registerUsername, rest: rest.post('/api/identities/:id/register', 'body') },
  'contacts.addByUsername': { schema: S.addContactByUsername, rest: rest.post('/api/contacts/by-username', 'body', 201) },
  'identities.rotate': { schema: S.rotateIdentity, rest: rest.post('/api/identities/:id/rotate', 'body') },
  'contacts.keyChanges': { schema: S.keyChangesRef, rest: rest.get('/api/contacts/key-changes', 'query') },
} as const satisfies SpecsOf<
  | 'chains.info'
  | 'chains.block'
  | 'chains.submit'
  | 'wallet.get'
  | 'wallet.history'
  | 'wallet.transfer'
  | 'wallet.stake'
  | 'wallet.unstake'
  | 'wallet.faucet'
  | 'directory.lookup'
  | 'relays.registry'
  | 'relays.announce'
  | 'relays.stake'
  | 'relays.unstake'
  | 'bridge.transfer'
  | 'bridge.packets'
  | 'bridge.health'
  | 'market.listings'
  | 'market.listing'
  | 'market.sell'
  | 'market.update'
  | 'market.close'
  | 'market.buy'
  | 'market.orders'
  | 'market.order'
  | 'market.act'
  | 'market.rate'
  | 'market.moderators'
  | 'market.moderate'
  | 'market.creator'
  | 'market.ratings'
  | 'market.purchases'
  | 'market.sendSticker'
  | 'identities.register'
  | 'contacts.addByUsername'
  | 'identities.rotate'
  | 'contacts.keyChanges'
>;

export interface LedgerParts {
  readonly chains: Chains;
  readonly wallet: WalletService;
  /** A contact from a directory record (the contacts component adds it as it adds an invite). */
  addContact(record: Uint8Array, identityId: string | undefined): Promise<{ contact: Contact; chat: Chat }>;
  /** Contacts' keys against the directory: safety-number changes. */
  readonly keyChanges: KeyChangeWatch;
  readonly relays: RelayRegistryService;
  readonly bridge: BridgeService;
  readonly market: MarketService;
  /** The marketplace in the E2E chat: order notices, deliveries, purchases (with networking on). */
  readonly marketChat?: MarketChat | undefined;
  /** Recipients' proofs of delivery for registered relays (with networking on). */
  readonly proofs?: DeliveryProofs | undefined;
}

export const chainMethods = (ledgers: () => LedgerParts | undefined) => {
  const need = (): LedgerParts => {
    const parts = ledgers();
    if (!parts) throw new ChainUnavailableError('the chains are not running on this node yet');
    return parts;
  };
  const chatPart = (parts: LedgerParts): MarketChat => {
    if (!parts.marketChat) throw new NetworkDisabledError('the marketplace delivers over the E2E chat: peer-to-peer networking must be on (server.p2p_enabled)');
    return parts.marketChat;
  };
  const inChat = (parts: LedgerParts, order: OrderView): OrderInChat => parts.marketChat?.inChat(order) ?? { ...order, chat_id: null, dispute_chat_id: null };
  return bind(chainSpecs, {
    'chains.info': () => need().chains.info(),
    'chains.block': (i) => need().wallet.block(i.chain, i.height),
    'chains.submit': (i) => need().wallet.submitSigned(i.chain, Buffer.from(i.tx, 'hex'), i.wait),
    'wallet.get': (i) => need().wallet.wallet(i.identity_id),
    'wallet.history': (i) => ({ entries: need().wallet.history(i.identity_id, i.limit) }),
    'wallet.transfer': (i) => need().wallet.transfer(i),
    'wallet.stake': (i) => need().wallet.stake(i),
    'wallet.unstake': (i) => need().wallet.unstake(i),
    'wallet.faucet': (i) => need().wallet.faucet(i),
    'directory.lookup': (i) => need().wallet.lookup(i.username),
    'relays.registry': () => need().relays.list(),
    'relays.announce': (i) => need().relays.announce(i),
    'relays.stake': (i) => need().bridge.stake(i),
    'relays.unstake': (i) => need().bridge.unstake(i),
    'bridge.transfer': (i) => need().bridge.transfer(i),
    'bridge.packets': (i) => need().bridge.packets(i),
    'bridge.health': () => need().bridge.health(),
    'market.listings': (i) => need().market.listings(i),
    'market.listing': (i) => need().market.listing(i.id),
    'market.sell': (i) => {
      const parts = need();
      const { content_attachment, ...fields } = i;
      const hashes = content_attachment ? chatPart(parts).keepContent(content_attachment, i.type) : { content: i.content!, preview: i.preview! };
      return parts.market.sell({ ...fields, ...hashes });
    },
    'market.update': (i) => need().market.update(i),
    'market.close': (i) => need().market.close(i),
    'market.buy': async (i) => {
      const parts = need();
      const bought = await parts.market.buy(i);
      if (!parts.marketChat) return { ...bought, chat_id: null };
      // The order stands on the chain whatever happens here; the notice is how the seller hears of it.
      const { chat_id } = await parts.marketChat.noticeOrder({ identity_id: parts.wallet.identity(i.identity_id), order_id: bought.order_id, listing_id: i.listing_id });
      return { ...bought, chat_id };
    },
    'market.orders': (i) => {
      const parts = need();
      return { orders: parts.market.orders(i).orders.map((o) => inChat(parts, o)) };
    },
    'market.order': (i) => {
      const parts = need();
      return inChat(parts, parts.market.order(i));
    },
    'market.act': async (i) => {
      const parts = need();
      const result = await parts.market.act(i);
      if (i.action !== 'dispute' || !parts.marketChat) return result;
      const { chat_id } = await parts.marketChat.openDispute({ identity_id: parts.wallet.identity(i.identity_id), order_id: i.id, claim: i.claim ?? '' });
      return { ...result, chat_id };
    },
    'market.rate': (i) => need().market.rate(i),
    'market.moderators': () => need().market.moderators(),
    'market.moderate': (i) => need().market.becomeModerator(i),
    'market.creator': (i) => need().market.creator(i.key),
    'market.ratings': (i) => need().market.ratings(i),
    'market.purchases': (i) => {
      const parts = need();
      return { purchases: parts.marketChat?.purchases(parts.wallet.identity(i.identity_id)) ?? [] };
    },
    'market.sendSticker': (i) => {
      const parts = need();
      return chatPart(parts).sendSticker({ ...i, identity_id: parts.wallet.identity(i.identity_id) });
    },
    'identities.register': (i) => need().wallet.register(i),
    'contacts.addByUsername': async (i) => {
      const parts = need();
      const { contact, chat } = await parts.addContact(parts.wallet.resolve(i.username), i.identity_id);
      await parts.keyChanges.link(contact.local_identity, contact.identity_key, i.username);
      return { contact, chat, chat_id: chat.chat_id };
    },
    'identities.rotate': (i) => need().wallet.rotate(i),
    'contacts.keyChanges': (i) => ({ key_changes: need().keyChanges.list(i.chat_id) }),
  });
};
