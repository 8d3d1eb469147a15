import fs from 'node:fs';
import { hexToBytes } from '@noble/hashes/utils.js';
import { z } from 'zod';
import { encodeCbor } from '../p2p/codec.ts';
import type { FrameChannel } from '../p2p/frame-streams.ts';
import type { Network } from '../p2p/network.ts';
import { blobDropStatement } from '../relay/statements.ts';
import type { AttachmentRow } from '../store/repositories/attachments.ts';
import type { RelayRef } from '../wire/identity-record.ts';
import { parseReply, PROTOCOLS } from '../wire/protocols.ts';
import { readChunkAt } from './attachment-files.ts';
import { encryptChunk, hashCount, splitHashes } from './chunk-crypto.ts';
import { FETCH_TIMEOUT_MS, keyLabel, type AttachmentContext } from './context.ts';

/**
 * Relays hold a message's chunks for recipients who are offline when it is sent: the sender
 * leaves them there, the recipient asks its relays to drop them once its copy is complete.
 */

export interface RelayTargets {
  readonly recipient: string;
  readonly relays: readonly RelayRef[];
}

interface Drop {
  readonly recipient: string;
  readonly relay: RelayRef;
  readonly channel: FrameChannel;
}

const stored = z.object({ ok: z.literal(true) }).passthrough();

/** Leaves every chunk of a message's attachments with each recipient's relays; stops early once `stopped()`. */
export async function leaveWithRelays(ctx: AttachmentContext, network: Network, messageId: string, targets: readonly RelayTargets[], stopped: () => boolean): Promise<void> {
  for (const row of ctx.store.repos.attachments.forMessage(messageId)) {
    if (!row.sealed_key || stopped()) continue;
    const key = ctx.vault.open(keyLabel(row.id), row.sealed_key);
    const drops = await openDrops(ctx, network, row.id, targets);
    // Each chunk is read and encrypted once, then left with every relay still taking them.
    const fd = fs.openSync(ctx.files.file(row.id), 'r');
    try {
      for (let index = 0; index < hashCount(row.chunk_hashes) && drops.size > 0 && !stopped(); index++) {
        await putChunk(ctx, row.id, drops, encryptChunk(key, index, readChunkAt(fd, index, row.chunk_size)));
      }
    } finally {
      fs.closeSync(fd);
    }
  }
}

async function openDrops(ctx: AttachmentContext, network: Network, attachment: string, targets: readonly RelayTargets[]): Promise<Set<Drop>> {
  const drops = new Set<Drop>();
  for (const { recipient, relays } of targets) {
    for (const relay of relays) {
      try {
        drops.add({ recipient, relay, channel: await network.channels.get(network.target(relay.peer_id, relay.addresses), PROTOCOLS.relay) });
      } catch (err) {
        ctx.log.debug({ attachment, relay: relay.peer_id, err: (err as Error).message }, 'could not leave chunks with a relay');
      }
    }
  }
  return drops;
}

/** A relay that refuses one chunk (quota, gone) is not offered the rest. */
async function putChunk(ctx: AttachmentContext, attachment: string, drops: Set<Drop>, data: Uint8Array): Promise<void> {
  for (const drop of drops) {
    try {
      parseReply(await drop.channel.request(encodeCbor({ op: 'put-blob', to: hexToBytes(drop.recipient), data }), FETCH_TIMEOUT_MS), stored);
    } catch (err) {
      drops.delete(drop);
      ctx.log.debug({ attachment, relay: drop.relay.peer_id, err: (err as Error).message }, 'could not leave chunks with a relay');
    }
  }
}

/** Asks our relays to drop a completed download's chunks, signed by the identity they were held for. */
export async function dropFromRelays(ctx: AttachmentContext, local: string, row: AttachmentRow): Promise<void> {
  const network = ctx.network;
  const secret = ctx.keyRing.get(local);
  if (!network || !secret) return;
  const hashes = splitHashes(row.chunk_hashes);
  for (const relay of ctx.ownRelays()) {
    try {
      const ts = ctx.now();
      const sig = blobDropStatement.sign(secret, { relay: relay.peer_id, client: network.peerId, hashes, ts });
      const channel = await network.channels.get(network.target(relay.peer_id, relay.addresses), PROTOCOLS.relay);
      await channel.request(encodeCbor({ op: 'drop-blobs', identity: hexToBytes(local), hashes, ts, sig }), FETCH_TIMEOUT_MS);
    } catch {
      // The relay's TTL removes them anyway.
    }
  }
}
