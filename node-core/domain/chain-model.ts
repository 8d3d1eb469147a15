/** What the domain knows of the ledgers: chains, blocks, wallets, the username directory. */

export type ChainKindName = 'chat' | 'currency';

export interface ChainInfo {
  readonly chain_id: string;
  readonly kind: ChainKindName;
  /** The highest height this node knows of (from its peers), at least final_height. */
  readonly height: number;
  /** The last block this node holds as final (with its certificate). */
  readonly final_height: number;
  /** Hash of that block (hex); the genesis hash at height 0. */
  readonly hash: string;
  readonly state_root: string;
  readonly time: number;
  readonly validators: number;
  readonly quorum: number;
  /** f: the Byzantine validators the genesis says its quorum tolerates (0 = crash faults only). */
  readonly byzantine_faults: number;
  /** 0–1: final_height / height. */
  readonly sync_progress: number;
  readonly syncing: boolean;
  readonly mempool: number;
  /** This node's part: a validator (with its index and where its consensus is) or a full node. */
  readonly role: 'validator' | 'full';
  readonly validator: { readonly index: number; readonly round: number; readonly step: string } | null;
  /** A local chain: a single validator on this node (no genesis was given). */
  readonly local: boolean;
}

export interface ChainsInfo {
  readonly chat: ChainInfo;
  readonly currency: ChainInfo;
}

export interface BlockView {
  readonly chain_id: string;
  readonly height: number;
  readonly hash: string;
  readonly time: number;
  readonly prev: string;
  readonly state_root: string;
  readonly proposer: number;
  readonly transactions: readonly TransactionView[];
  /** Equivocations recorded in this block: who signed two different votes, and where. */
  readonly evidence: ReadonlyArray<{ readonly validator: number; readonly height: number; readonly round: number; readonly type: 'prevote' | 'precommit' }>;
  readonly certificate: { readonly round: number; readonly signatures: readonly { readonly validator: number; readonly signature: string }[] };
}

export interface TransactionView {
  readonly id: string;
  readonly from: string;
  readonly nonce: number;
  readonly fee: number;
  readonly kind: string;
  /** The body's fields, keys and hashes as hex. */
  readonly body: Readonly<Record<string, unknown>>;
}

export interface Wallet {
  /** The account: the identity's Ed25519 key (hex). */
  readonly address: string;
  readonly identity_id: string;
  readonly balance: number;
  readonly staked: number;
  readonly unbonding: readonly { readonly amount: number; readonly release_height: number }[];
  readonly nonce: number;
  /** Sent and not yet in a final block. */
  readonly pending: readonly TransactionView[];
  readonly min_fee: number;
  /** What one faucet request gives on a devnet; 0 where there is no faucet. */
  readonly faucet_amount: number;
  readonly chain_id: string;
  readonly final_height: number;
  /** The currency has 6 decimals: amounts are counted in millionths. */
  readonly decimals: number;
  readonly symbol: string;
  /** The same account on the chat chain: its fees, and funds moved there over the bridge. */
  readonly chat_balance: number;
  readonly chat_chain_id: string;
  /** The chat chain's minimum fee (what moving funds from it costs there). */
  readonly chat_min_fee: number;
}

export interface WalletHistoryEntry {
  readonly height: number;
  readonly time: number;
  readonly tx: TransactionView;
  /** Seen from this account: money in (+), out (−, fee included). */
  readonly direction: 'in' | 'out' | 'self';
  readonly amount: number;
}

/** A transaction this node accepted, and whether it is final yet. */
export interface SubmittedTransaction {
  readonly tx_id: string;
  readonly chain_id: string;
  readonly status: 'pending' | 'final';
  readonly height: number | null;
}

export interface DirectoryRecordView {
  readonly username: string;
  readonly identity_key: string;
  readonly display_name: string;
  readonly peer_id: string;
  /** The relays the identity chose (multiaddrs), from its signed identity record. */
  readonly relays: readonly string[];
  readonly prekeys_hash: string;
  /** sha256 of the signed identity record held on chain. */
  readonly profile_hash: string;
  readonly registered_height: number;
  readonly updated_height: number;
  readonly previous_keys: readonly string[];
}

/** A directory answer: the record (or none) with a proof against a final block's state root. */
/** A relay in the chat chain's registry. */
export interface RelayListingView {
  /** The relay's key (hex): the identity that announced it. */
  readonly key: string;
  readonly peer_id: string;
  readonly addresses: readonly string[];
  readonly registered_height: number;
  readonly updated_height: number;
  /** Uptime attestations from users, in all and in the current period. */
  readonly attestations: number;
  readonly period_attestations: number;
  /** Messages recipients proved it delivered. */
  readonly delivered: number;
  /** Its stake on the currency chain, as the bridge last reported it to the chat chain (0: not staked). */
  readonly stake: number;
  /** Whether that stake is enough to earn rewards (the currency chain's min_relay_stake). */
  readonly staked: boolean;
  /** Rewards the currency chain paid it for proved deliveries, and the deliveries paid for. */
  readonly rewards_earned: number;
  readonly deliveries_paid: number;
}

export interface RelayRegistry {
  readonly relays: readonly RelayListingView[];
  readonly height: number;
  /** The current attestation period and its length in blocks. */
  readonly period: number;
  readonly period_blocks: number;
  /** The stake a relay needs on the currency chain to earn rewards (min_relay_stake). */
  readonly min_stake: number;
}

export interface DirectoryAnswer {
  readonly username: string;
  readonly record: DirectoryRecordView | null;
  readonly height: number;
  readonly state_root: string;
  readonly block_hash: string;
  readonly proof: { readonly siblings: readonly string[]; readonly terminal: { readonly kind: 'empty' } | { readonly kind: 'leaf'; readonly path: string; readonly value_hash: string } };
  /** Checked here against the state root of a block with a valid certificate. */
  readonly verified: boolean;
}

/** A cross-chain operation as the chains show it (see chain/bridge-tracker.ts for the states). */
export interface BridgePacketView {
  /** `<source chain id>/<sequence>` */
  readonly id: string;
  readonly seq: number;
  readonly from_chain: string;
  readonly to_chain: string;
  readonly direction: 'chat-to-currency' | 'currency-to-chat' | string;
  readonly app: 'transfer' | 'stake' | 'reward' | 'membership';
  readonly sender: string;
  /** Who it is for: the transfer's recipient, the member, or the relay. */
  readonly recipient: string;
  /** Units moved (transfer, membership price), the stake total (stake) or the messages proved (reward). */
  readonly amount: number;
  /** Held in escrow on the source until the outcome. */
  readonly held: number;
  readonly state: 'Initiated' | 'FinalityProved' | 'Executed' | 'RolledBack';
  /** Destination time (ms) after which it is rolled back. */
  readonly timeout: number;
  readonly initiated: { readonly height: number; readonly time: number };
  /** When the destination accepted the finality proof and executed it (or refused it, with `error`). */
  readonly proved: { readonly height: number; readonly time: number } | null;
  readonly finished: { readonly height: number; readonly time: number } | null;
  /** Why it was rolled back: the destination's refusal ('insufficient-escrow', 'no-channel', …) or 'timeout'; null otherwise. */
  readonly error: string | null;
}

export interface LightClientStatus {
  /** The chain this client follows. */
  readonly tracks: string;
  readonly height: number;
  readonly header_time: number;
  /** Age of the trusted header by the tracking chain's last block time (ms). */
  readonly age_ms: number;
  readonly trusting_period_ms: number;
  readonly status: 'active' | 'expired' | 'frozen';
  readonly frozen: string | null;
}

export interface BridgeHealth {
  readonly status: 'healthy' | 'degraded';
  /** The light client each chain keeps of the other. */
  readonly clients: { readonly chat: LightClientStatus; readonly currency: LightClientStatus };
  readonly backlog: number;
  readonly oldest_pending: { readonly id: string; readonly age_ms: number } | null;
  /** This node's relayer: transactions sent, lost to another relayer's (taken back at once), rounds failed. */
  readonly relayer: { readonly enabled: boolean; readonly submitted: number; readonly lost: number; readonly failures: number; readonly last_error: string | null };
  readonly problems: readonly string[];
}

/** A marketplace listing as the chat chain holds it (hashes and keys as hex). */
export interface ListingView {
  readonly id: string;
  readonly seller: string;
  readonly type: 'sticker_pack' | 'emoji_pack' | 'theme' | 'file' | 'image' | 'membership' | 'bot_access';
  readonly title: string;
  readonly description: string;
  /** In millionths of a DCT. */
  readonly price: number;
  readonly period: 'once' | 'month';
  readonly preview: string;
  readonly content: string;
  readonly license: string;
  readonly channel: { readonly name: string; readonly days: number } | null;
  readonly moderators: readonly string[];
  readonly created_height: number;
  readonly updated_height: number;
  readonly active: boolean;
  /** The seller's creator statistics (from the currency chain). */
  readonly seller_stats: CreatorStatsView;
}

export interface CreatorStatsView {
  readonly sales: number;
  readonly revenue: number;
  readonly ratings: number;
  /** Mean overall score (1–5), null before the first rating. */
  readonly rating: number | null;
}

export type OrderStateName = 'AWAITING_PAYMENT' | 'PAID' | 'DELIVERED' | 'COMPLETED' | 'CANCELED' | 'REFUNDED' | 'DISPUTED' | 'DECIDED' | 'RESOLVED' | 'PAYMENT_FINALIZED';

/** An order as the currency chain holds it, with what this identity may do next. */
export interface OrderView {
  readonly id: string;
  readonly listing: string;
  readonly listing_type: ListingView['type'];
  readonly title: string;
  readonly buyer: string;
  readonly seller: string;
  readonly moderator: string;
  readonly amount: number;
  readonly moderator_fee: number;
  readonly state: OrderStateName;
  readonly funded: { readonly height: number; readonly time: number };
  readonly timeout_at: number;
  readonly delivered: { readonly time: number; readonly content: string } | null;
  readonly dispute: { readonly by: string; readonly claim: string; readonly time: number } | null;
  readonly decision: { readonly buyer: number; readonly seller: number; readonly time: number } | null;
  readonly paid: { readonly buyer: number; readonly seller: number; readonly moderator: number; readonly fee: number } | null;
  /** This identity's part, and the actions the chain would accept from it now. */
  readonly role: 'buyer' | 'seller' | 'moderator' | null;
  readonly actions: readonly string[];
  readonly rated: boolean;
}

/** Something this identity bought, as its node received it over the chat. */
export interface PurchaseView {
  readonly order_id: string;
  readonly listing_id: string;
  readonly type: ListingView['type'];
  readonly title: string;
  readonly seller: string;
  readonly chat_id: string;
  readonly message_id: string;
  /** downloading: on its way; ready: here and what the listing promised; mismatch: not the listing's content. */
  readonly status: 'downloading' | 'ready' | 'mismatch' | 'failed';
  readonly order_state: OrderView['state'];
  /** A sticker pack's stickers, once ready. */
  readonly stickers: readonly { readonly index: number; readonly emoji: string; readonly image: string }[];
}

/** An order with the chat this identity has with its other party (buyer and seller) and a dispute's group chat, if any. */
export type OrderInChat = OrderView & { readonly chat_id: string | null; readonly dispute_chat_id: string | null };

/** A rating as the currency chain holds it; `buyer` is null when it was given anonymously (still provably from the order's buyer). */
export interface RatingView {
  readonly order: string;
  readonly listing: string;
  readonly seller: string;
  readonly buyer: string | null;
  readonly scores: { readonly overall: number; readonly quality: number; readonly description: number; readonly delivery: number };
  readonly text: string;
  readonly time: number;
}

export interface ModeratorView {
  readonly key: string;
  readonly fee_fixed: number;
  readonly fee_bp: number;
  readonly description: string;
}
