import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { peerIdFromString } from '@libp2p/peer-id';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { RelayFigures } from '../domain/model.ts';
import type { DchatConfig } from '../config/schema.ts';
import { decodeIdentityRecord, RecordError } from '../wire/identity-record.ts';
import { decodeCbor, encodeCbor, FrameDecodeError } from '../p2p/codec.ts';
import { createEnvelopeVerifier, decodeEnvelope } from '../p2p/envelope.ts';
import type { Network } from '../p2p/network.ts';
import type { Store } from '../store/store.ts';
import { errorReply, mailboxReceipt, okReply, parseReply, parseRequest, PROTOCOLS, relayRequest, type RelayRequest } from '../wire/protocols.ts';
import { blobDropStatement, mailboxReceiptStatement, registrationStatement, subscriptionStatement } from './statements.ts';

/**
 * Store-and-forward for peers that chose this node as a relay. A relay keeps signed, end-to-end
 * encrypted envelopes (and attachment chunks) for registered recipients, within quotas and for
 * at most the configured TTL; pushes them when the recipient is connected; and deletes them only
 * on the recipient's signed receipt. It never holds a key that could read them.
 */

const FRESHNESS_MS = 5 * 60_000;
const PUSH_BATCH = 64;
const MAX_BLOB_BYTES = 4 * 1024 * 1024;
const SETTING = 'relay.enabled';

export interface RelayService {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly enabled: boolean;
  /** Opt in or out at run time; remembered across restarts (config role=relay always relays). */
  setEnabled(enabled: boolean): Promise<void>;
  figures(): RelayFigures;
}

export interface RelayServiceInit {
  readonly config: DchatConfig;
  readonly store: Store;
  readonly network: Network;
  readonly logger: Logger;
  readonly registry: Registry;
  /** Told whenever relaying switches on or off (the network gates relay reservations on it). */
  readonly onEnabledChange?: (enabled: boolean) => void;
  readonly now?: () => number;
}

interface Subscription {
  readonly peer: string;
  pushing: boolean;
  again: boolean;
}

export function createRelayService(init: RelayServiceInit): RelayService {
  const { config, store, network } = init;
  const log = init.logger.child({ component: 'relay' });
  const now = init.now ?? Date.now;
  const ttlMs = config.messages.ttl_hours * 3_600_000;
  const perRecipientBytes = config.relay.mailbox_max_mb_per_recipient * 1024 * 1024;
  const totalBytes = config.relay.mailbox_max_total_mb * 1024 * 1024;
  const verify = createEnvelopeVerifier();
  const subscriptions = new Map<string, Subscription>();
  const ourPeerId = network.peerId;
  let sweeper: NodeJS.Timeout | undefined;
  let uptimeTicker: NodeJS.Timeout | undefined;
  let lastTick = now();
  // Set up once, on the first opt-in; opting out and in again only restarts the timers.
  let handling = false;
  const forcedByConfig = config.node.role === 'relay';
  let enabled = forcedByConfig;

  const counters = {
    stored: new Counter({ name: 'dchat_relay_messages_stored_total', help: 'Envelopes this relay accepted for offline recipients', registers: [init.registry] }),
    delivered: new Counter({ name: 'dchat_relay_messages_delivered_total', help: 'Stored envelopes handed over on a signed receipt', registers: [init.registry] }),
    expired: new Counter({ name: 'dchat_relay_messages_expired_total', help: 'Stored envelopes dropped when their TTL ran out', registers: [init.registry] }),
    refused: new Counter({ name: 'dchat_relay_deposits_refused_total', help: 'Deposits refused, by reason', labelNames: ['reason'] as const, registers: [init.registry] }),
  };
  // One scrape collects every gauge in the same turn of the event loop: they share one reading.
  let scrapeSnapshot: RelayFigures | undefined;
  const scrapeFigures = (): RelayFigures => {
    if (!scrapeSnapshot) {
      scrapeSnapshot = figures();
      setImmediate(() => (scrapeSnapshot = undefined));
    }
    return scrapeSnapshot;
  };
  const figuresGauge = (name: string, help: string, pick: (f: RelayFigures) => number) =>
    new Gauge({
      name,
      help,
      registers: [init.registry],
      collect() {
        if (store.started) this.set(pick(scrapeFigures()));
      },
    });
  figuresGauge('dchat_relay_bytes_held', 'Bytes of mail and attachment chunks held for recipients', (f) => f.bytes_held);
  figuresGauge('dchat_relay_messages_held', 'Envelopes held for recipients', (f) => f.messages_held);
  figuresGauge('dchat_relay_recipients', 'Identities registered with this relay', (f) => f.recipients);
  figuresGauge('dchat_relay_uptime_ratio', 'Share of time this relay has been up since it first started', (f) => f.uptime_ratio);
  figuresGauge('dchat_relay_uptime_target', 'The configured uptime target', (f) => f.uptime_target);

  function figures(): RelayFigures {
    const repos = store.repos;
    const first = repos.mailbox.counter('first_started_at');
    const observed = first ? (now() - first) / 1000 : 0;
    const up = repos.mailbox.counter('uptime_seconds') + (enabled ? (now() - lastTick) / 1000 : 0);
    return {
      enabled,
      forced_by_config: forcedByConfig,
      recipients: repos.mailbox.recipientCount(),
      messages_held: repos.mailbox.totalMessages(),
      bytes_held: repos.mailbox.totalBytes(),
      stored_total: repos.mailbox.counter('stored'),
      delivered_total: repos.mailbox.counter('delivered'),
      expired_total: repos.mailbox.counter('expired'),
      refused_total: repos.mailbox.counter('rejected_quota'),
      subscribers: subscriptions.size,
      uptime_ratio: observed > 0 ? Math.min(1, up / observed) : 1,
      uptime_target: config.relay.uptime_target,
      ttl_hours: config.messages.ttl_hours,
    };
  }

  const fresh = (ts: number) => Math.abs(now() - ts) <= FRESHNESS_MS;

  async function handle(frame: Uint8Array, context: { peer: string }): Promise<Uint8Array> {
    const request = parseRequest(frame, relayRequest);
    if (!request) {
      network.guard.penalize(context.peer, PROTOCOLS.relay, 'malformed');
      return errorReply('malformed');
    }
    if (!enabled) return errorReply('not-a-relay', 'this node does not relay');
    switch (request.op) {
      case 'register':
        return register(request, context.peer);
      case 'subscribe':
        return subscribe(request, context.peer);
      case 'deposit':
        return deposit(request.env, request.for, context.peer);
      case 'bundle':
        return bundle(bytesToHex(request.identity));
      case 'put-blob':
        return putBlob(bytesToHex(request.to), request.data);
      case 'get-blob': {
        const data = store.repos.mailbox.getBlob(bytesToHex(request.to), request.hash, now());
        return data ? okReply({ data }) : errorReply('not-found');
      }
      case 'drop-blobs': {
        const identity = bytesToHex(request.identity);
        if (!fresh(request.ts) || !blobDropStatement.verify(request.identity, { relay: ourPeerId, client: context.peer, hashes: request.hashes, ts: request.ts }, request.sig)) {
          network.guard.penalize(context.peer, PROTOCOLS.relay, 'unauthorized');
          return errorReply('unauthorized');
        }
        await store.write((repos) => repos.mailbox.deleteBlobs(identity, request.hashes));
        return okReply();
      }
    }
  }

  async function register(request: Extract<RelayRequest, { op: 'register' }>, peer: string): Promise<Uint8Array> {
    let record;
    try {
      record = decodeIdentityRecord(request.record);
    } catch (err) {
      if (err instanceof RecordError) return errorReply('malformed', err.message);
      throw err;
    }
    const signed = { relay: ourPeerId, client: peer, ts: request.ts, record: request.record, spk: request.spk, opks: request.opks };
    if (!fresh(request.ts) || !registrationStatement.verify(record.identity_key, signed, request.sig)) {
      network.guard.penalize(peer, PROTOCOLS.relay, 'unauthorized');
      return errorReply('unauthorized', 'the registration is not signed by the identity, or is not fresh');
    }
    if (!record.relays.some((r) => r.peer_id === ourPeerId)) return errorReply('unauthorized', 'the identity record does not name this relay');
    const identity = bytesToHex(record.identity_key);
    await store.write((repos) => {
      repos.mailbox.register(identity, encodeCbor({ record: request.record, spk: request.spk }), now());
      repos.mailbox.addPrekeys(identity, request.opks.map(([id, public_key]) => ({ id, public_key })));
    });
    return okReply({ prekeys: store.repos.mailbox.prekeyCount(identity) });
  }

  async function subscribe(request: Extract<RelayRequest, { op: 'subscribe' }>, peer: string): Promise<Uint8Array> {
    const identity = bytesToHex(request.identity);
    if (!store.repos.mailbox.recipient(identity)) return errorReply('unknown-recipient', 'register first');
    if (!fresh(request.ts) || !subscriptionStatement.verify(request.identity, { relay: ourPeerId, client: peer, ts: request.ts }, request.sig)) {
      network.guard.penalize(peer, PROTOCOLS.relay, 'unauthorized');
      return errorReply('unauthorized');
    }
    subscriptions.set(identity, { peer, pushing: false, again: false });
    await store.write((repos) => repos.mailbox.touch(identity, now()));
    schedulePush(identity);
    return okReply({ pending: store.repos.mailbox.usage(identity).messages, prekeys: store.repos.mailbox.prekeyCount(identity) });
  }

  async function deposit(env: Uint8Array, explicitRecipient: Uint8Array | undefined, peer: string): Promise<Uint8Array> {
    let envelope;
    try {
      envelope = decodeEnvelope(env);
    } catch (err) {
      if (err instanceof FrameDecodeError) {
        network.guard.penalize(peer, PROTOCOLS.relay, 'malformed');
        return errorReply('malformed');
      }
      throw err;
    }
    if (!verify(envelope)) {
      network.guard.penalize(peer, PROTOCOLS.relay, 'bad-signature');
      counters.refused.inc({ reason: 'bad-signature' });
      return errorReply('bad-signature');
    }
    const t = now();
    if (envelope.ts > t + FRESHNESS_MS || envelope.ts < t - ttlMs) {
      counters.refused.inc({ reason: 'stale' });
      return errorReply('stale');
    }
    // Group envelopes are addressed to a group; the depositor names the member they are for.
    const recipientKey = envelope.type === 'dm' ? envelope.to : explicitRecipient;
    if (!recipientKey || (envelope.type === 'dm' && explicitRecipient && bytesToHex(explicitRecipient) !== bytesToHex(envelope.to))) {
      return errorReply('malformed', 'recipient missing or inconsistent');
    }
    const recipient = bytesToHex(recipientKey);
    const outcome = await store.write((repos) => {
      if (!repos.mailbox.recipient(recipient)) return 'unknown-recipient' as const;
      const usage = repos.mailbox.usage(recipient);
      if (
        usage.messages >= config.relay.mailbox_max_messages_per_recipient ||
        usage.bytes + env.length > perRecipientBytes ||
        repos.mailbox.totalBytes() + env.length > totalBytes
      ) {
        repos.mailbox.addToCounter('rejected_quota', 1);
        return 'quota' as const;
      }
      const stored = repos.mailbox.store({
        recipient,
        envelope_id: envelope.id,
        envelope: env,
        size: env.length,
        stored_at: t,
        expires_at: Math.min(envelope.ts, t) + ttlMs,
      });
      if (stored) repos.mailbox.addToCounter('stored', 1);
      return stored ? ('stored' as const) : ('duplicate' as const);
    });
    if (outcome === 'unknown-recipient') return errorReply('unknown-recipient', 'that identity has not chosen this relay');
    if (outcome === 'quota') {
      counters.refused.inc({ reason: 'quota' });
      return errorReply('quota', 'the recipient\'s mailbox is full');
    }
    if (outcome === 'stored') counters.stored.inc();
    if (subscriptions.has(recipient)) schedulePush(recipient);
    return okReply();
  }

  function bundle(identity: string): Uint8Array | Promise<Uint8Array> {
    const entry = store.repos.mailbox.recipient(identity);
    if (!entry) return errorReply('not-found', 'that identity has not chosen this relay');
    const { record, spk } = decodeCbor(entry.record) as { record: Uint8Array; spk: unknown };
    return store.write((repos) => {
      const opk = repos.mailbox.takePrekey(identity);
      return okReply({ record, spk, opk: opk ? [opk.id, opk.public_key] : null });
    });
  }

  async function putBlob(recipient: string, data: Uint8Array): Promise<Uint8Array> {
    if (data.length > MAX_BLOB_BYTES) return errorReply('quota', 'chunk too large');
    const hash = sha256(data);
    const outcome = await store.write((repos) => {
      if (!repos.mailbox.recipient(recipient)) return 'unknown-recipient' as const;
      const usage = repos.mailbox.usage(recipient);
      if (usage.bytes + data.length > perRecipientBytes || repos.mailbox.totalBytes() + data.length > totalBytes) return 'quota' as const;
      repos.mailbox.putBlob(recipient, hash, data, now(), now() + ttlMs);
      return 'ok' as const;
    });
    return outcome === 'ok' ? okReply({ hash }) : errorReply(outcome);
  }

  function schedulePush(identity: string): void {
    const subscription = subscriptions.get(identity);
    if (!subscription) return;
    if (subscription.pushing) {
      subscription.again = true;
      return;
    }
    subscription.pushing = true;
    void push(identity, subscription).finally(() => {
      subscription.pushing = false;
      if (subscription.again) {
        subscription.again = false;
        schedulePush(identity);
      }
    });
  }

  /** Hands over everything pending for a subscribed recipient, deleting what it signs for. */
  async function push(identity: string, subscription: Subscription): Promise<void> {
    let after = 0;
    try {
      for (;;) {
        const batch = store.repos.mailbox.pending(identity, after, PUSH_BATCH, now());
        if (batch.length === 0) return;
        after = batch[batch.length - 1]!.seq;
        const channel = await network.channels.get(peerIdFromString(subscription.peer), PROTOCOLS.mailbox);
        const reply = parseReply(await channel.request(encodeCbor({ to: hexToBytes(identity), envs: batch.map((e) => e.envelope) }), 30_000), mailboxReceipt);
        if (!mailboxReceiptStatement.verify(hexToBytes(identity), { relay: ourPeerId, ids: reply.ids }, reply.sig)) {
          log.warn({ identity }, 'a mailbox receipt was not signed by its recipient; keeping the mail');
          return;
        }
        const deleted = await store.write((repos) => {
          const n = repos.mailbox.deleteDelivered(identity, reply.ids);
          repos.mailbox.addToCounter('delivered', n);
          return n;
        });
        counters.delivered.inc(deleted);
      }
    } catch (err) {
      log.debug({ identity, err: (err as Error).message }, 'pushing mail failed; it stays until the recipient is back');
      subscriptions.delete(identity);
    }
  }

  function sweep(): void {
    void store
      .write((repos) => {
        const expired = repos.mailbox.expire(now());
        if (expired.messages > 0) repos.mailbox.addToCounter('expired', expired.messages);
        return expired;
      })
      .then((expired) => {
        if (expired.messages > 0) {
          counters.expired.inc(expired.messages);
          log.info({ messages: expired.messages, chunks: expired.blobs }, 'expired mail dropped');
        }
      })
      .catch((err: Error) => log.error({ err }, 'mailbox sweep failed'));
  }

  function tickUptime(): void {
    const t = now();
    const elapsed = Math.round((t - lastTick) / 1000);
    if (elapsed <= 0) return;
    lastTick += elapsed * 1000;
    void store.write((repos) => repos.mailbox.addToCounter('uptime_seconds', elapsed)).catch(() => undefined);
  }

  async function begin(): Promise<void> {
    await store.write((repos) => repos.mailbox.setCounterIfAbsent('first_started_at', now()));
    lastTick = now();
    const sweepEvery = Math.max(1000, Math.min(60_000, ttlMs / 4));
    sweeper = setInterval(sweep, sweepEvery);
    sweeper.unref();
    uptimeTicker = setInterval(tickUptime, 10_000);
    uptimeTicker.unref();
    sweep();
    if (!handling) {
      handling = true;
      await network.handle(PROTOCOLS.relay, (frame, context) => handle(frame, context), errorReply('rate-limited'));
      // A subscription lasts as long as the recipient's connection; mail then waits for the next one.
      network.libp2p.addEventListener('peer:disconnect', (event) => {
        const peer = event.detail.toString();
        for (const [identity, sub] of subscriptions) if (sub.peer === peer) subscriptions.delete(identity);
      });
    }
    log.info({ ttl_hours: config.messages.ttl_hours }, 'relaying for peers that choose this node');
  }

  return {
    async start() {
      enabled = forcedByConfig || store.repos.settings.get<boolean>(SETTING) === true;
      init.onEnabledChange?.(enabled);
      if (enabled) await begin();
    },
    async stop() {
      if (sweeper) clearInterval(sweeper);
      if (uptimeTicker) clearInterval(uptimeTicker);
      if (enabled) tickUptime();
    },
    get enabled() {
      return enabled;
    },
    async setEnabled(value) {
      await store.write((repos) => repos.settings.set(SETTING, value));
      if (value && !enabled) {
        enabled = true;
        await begin();
      } else if (!value && enabled && !forcedByConfig) {
        tickUptime();
        enabled = false;
        if (sweeper) clearInterval(sweeper);
        if (uptimeTicker) clearInterval(uptimeTicker);
        subscriptions.clear();
      }
      init.onEnabledChange?.(enabled);
    },
    figures,
  };
}
