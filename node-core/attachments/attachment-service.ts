import fs from 'node:fs';
import path from 'node:path';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, concatBytes, hexToBytes, randomBytes } from '@noble/hashes/utils.js';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { AttachmentInfo, Message } from '../domain/model.ts';
import { AttachmentNotFoundError, PayloadTooLargeError, ValidationError } from '../domain/errors.ts';
import type { AfterCommit } from '../delivery/delivery-service.ts';
import type { AttachmentManifest } from '../delivery/payloads.ts';
import { parseReply, PROTOCOLS } from '../wire/protocols.ts';
import type { EventBus } from '../events/event-bus.ts';
import { encodeCbor } from '../p2p/codec.ts';
import type { FrameChannel } from '../p2p/frame-streams.ts';
import type { Network } from '../p2p/network.ts';
import type { RelayRef } from '../wire/identity-record.ts';
import type { KeyRing } from '../sessions/key-ring.ts';
import type { LocalVault } from '../sessions/vault.ts';
import type { AttachmentRow } from '../store/repositories/attachments.ts';
import type { Repositories, Store } from '../store/store.ts';
import { safeContentType, safeFileName } from '../util/file-names.ts';
import { ensurePrivateDir, sweepLeftovers as sweepFiles } from '../util/private-files.ts';
import { blobDropStatement } from '../relay/statements.ts';
import { askPeerThenRelays } from '../p2p/ask-peer-then-relays.ts';

/**
 * Attachments: each file gets its own random key and is cut into 256 KiB chunks, each encrypted
 * (XChaCha20-Poly1305, nonce = chunk index, unique per key) and named by the SHA-256 of its
 * ciphertext. The key and the chunk list travel inside the end-to-end encrypted message; the
 * chunks travel separately — pulled from the sender's node, or from the recipient's relays, where
 * the sender leaves them. Every chunk is checked against its hash and the whole file against its
 * SHA-256; a download resumes where it stopped, across restarts.
 */

export const CHUNK_SIZE = 256 * 1024;
const chunkReply = z.object({ ok: z.literal(true), data: z.instanceof(Uint8Array) });
const FETCH_TIMEOUT_MS = 20_000;

export interface AttachmentSource {
  readonly peerId: string | null;
  readonly addresses: readonly string[];
}

export interface AttachmentService {
  start(): void;
  stop(): void;
  /** Stores an uploaded file; it can then be sent with one message. */
  upload(data: Uint8Array, name: string, mime: string): Promise<AttachmentInfo>;
  /** Encrypts uploads for sending; the manifests go inside the message. */
  seal(ids: readonly string[]): Promise<AttachmentManifest[]>;
  /** Ties sealed (or local-only) attachments to a message, inside its transaction. */
  bind(repos: Repositories, manifests: readonly AttachmentManifest[], messageId: string, local: boolean): void;
  /** Leaves a message's chunks with the recipients' relays, in the background. */
  pushToRelays(messageId: string, relaysByRecipient: ReadonlyArray<{ recipient: string; relays: readonly RelayRef[] }>): void;
  register(repos: Repositories, messageId: string, sender: string, manifests: readonly AttachmentManifest[], now: number): AfterCommit;
  /** An encrypted chunk of one of our outgoing attachments, by hash. */
  chunk(hash: Uint8Array): Promise<Uint8Array | undefined>;
  info(id: string): AttachmentInfo;
  /** The messages with their attachments' details added (those that have any); one query for all. */
  withAttachments(repos: Repositories, messages: readonly Message[]): Message[];
  /** Path of a complete (or our own) file, for reading it. */
  file(id: string): { path: string; row: AttachmentRow };
}

const nonceFor = (index: number): Uint8Array => {
  const nonce = new Uint8Array(24);
  new DataView(nonce.buffer).setUint32(20, index);
  return nonce;
};

export const encryptChunk = (key: Uint8Array, index: number, plain: Uint8Array): Uint8Array => xchacha20poly1305(key, nonceFor(index)).encrypt(plain);
const decryptChunk = (key: Uint8Array, index: number, cipher: Uint8Array): Uint8Array => xchacha20poly1305(key, nonceFor(index)).decrypt(cipher);

export function createAttachmentService(init: {
  readonly dataDir: string;
  readonly store: Store;
  /** Undefined while (or where) peer-to-peer networking is off: local chats still take files. */
  readonly network: () => Network | undefined;
  readonly keyRing: KeyRing;
  readonly vault: LocalVault;
  readonly events: EventBus;
  readonly logger: Logger;
  readonly maxBytes: number;
  /** Where to fetch a sender's chunks from, and our own relays. */
  readonly sourceOf: (repos: Repositories, local: string, sender: string) => AttachmentSource | undefined;
  readonly ownRelays: () => readonly RelayRef[];
  readonly now?: () => number;
}): AttachmentService {
  const { store, vault, events } = init;
  const log = init.logger.child({ component: 'attachments' });
  const now = init.now ?? Date.now;
  const dir = path.join(init.dataDir, 'attachments');
  const downloading = new Set<string>();
  const retryTimers = new Map<string, NodeJS.Timeout>();
  let stopped = false;

  const keyLabel = (id: string) => `attachment-key/${id}`;
  const fileOf = (id: string) => path.join(dir, id);
  /** An upload being written: renamed to its id once its row is committed. */
  const uploadOf = (id: string) => `${fileOf(id)}.upload`;
  /** A download in progress: the chunks recorded as done, renamed to its id once complete. */
  const partOf = (id: string) => `${fileOf(id)}.part`;

  const cutBack = (fd: number, length: number) => {
    try {
      fs.ftruncateSync(fd, length);
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'could not cut a part file back to its recorded chunks');
    }
  };

  /** Writes a new file and flushes it to disk; a failure (a full disk) leaves no file behind. */
  function writeFileDurably(file: string, data: Uint8Array): void {
    try {
      const fd = fs.openSync(file, 'wx', 0o600);
      try {
        fs.writeSync(fd, data);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
    } catch (err) {
      fs.rmSync(file, { force: true });
      throw err;
    }
  }

  /**
   * What a crash or a failed write left behind: an upload whose row was committed is finished,
   * every other upload and any part file no download owns is removed.
   */
  function sweepLeftovers(): void {
    const recovered: string[] = [];
    const isLeftover = (name: string): boolean => {
      const upload = /^(.+)\.upload$/.exec(name);
      if (upload) {
        const id = upload[1]!;
        const row = store.repos.attachments.get(id);
        const file = path.join(dir, name);
        if (row?.state === 'local' && !fs.existsSync(fileOf(id)) && fs.statSync(file).size === row.size && bytesToHex(sha256(fs.readFileSync(file))) === row.sha256) {
          fs.renameSync(file, fileOf(id));
          recovered.push(id);
          return false;
        }
        return true;
      }
      const part = /^(.+)\.part$/.exec(name);
      if (part) return store.repos.attachments.get(part[1]!)?.state !== 'downloading';
      return false;
    };
    try {
      const removed = sweepFiles(dir, isLeftover);
      if (removed.length > 0) log.info({ removed }, 'removed attachment files left by interrupted or failed writes');
    } catch (err) {
      // A damaged database cannot tell which files are wanted: then keep them all.
      log.warn({ err: (err as Error).message }, 'could not sweep the attachments directory');
    }
    if (recovered.length > 0) log.info({ recovered }, 'finished uploads a crash interrupted');
  }

  const toInfo = (row: AttachmentRow): AttachmentInfo => ({
    id: row.id,
    name: row.name,
    mime: row.mime,
    size: row.size,
    sha256: row.sha256,
    state: row.state,
    chunks_done: row.chunks_done,
    chunks_total: Math.max(1, Math.ceil(row.size / row.chunk_size)),
  });

  function requireRow(id: string): AttachmentRow {
    const row = store.repos.attachments.get(id);
    if (!row) throw new AttachmentNotFoundError(`no attachment ${id}`);
    return row;
  }

  const readChunkAt = (fd: number, index: number, chunkSize: number): Uint8Array => {
    const buffer = Buffer.alloc(chunkSize);
    const n = fs.readSync(fd, buffer, 0, chunkSize, index * chunkSize);
    return new Uint8Array(buffer.subarray(0, n));
  };

  function readChunk(id: string, index: number, chunkSize: number): Uint8Array {
    const fd = fs.openSync(fileOf(id), 'r');
    try {
      return readChunkAt(fd, index, chunkSize);
    } finally {
      fs.closeSync(fd);
    }
  }

  const emitMessageUpdate = (messageId: string | null) => {
    if (!messageId) return;
    const message = store.repos.messages.get(messageId);
    if (message) events.emit('message.updated', service.withAttachments(store.repos, [message])[0]!);
  };

  async function fetchChunk(row: AttachmentRow, local: string, hash: Uint8Array): Promise<Uint8Array | undefined> {
    const network = init.network();
    if (!network) return undefined;
    const source = row.source ? init.sourceOf(store.repos, local, row.source) : undefined;
    const wanted = bytesToHex(hash);
    return askPeerThenRelays(network, { peer: source?.peerId ? { peerId: source.peerId, addresses: source.addresses } : undefined, relays: init.ownRelays() }, {
      peerProtocol: PROTOCOLS.peer,
      relayProtocol: PROTOCOLS.relay,
      peerRequest: encodeCbor({ op: 'get-blob', hash }),
      relayRequest: encodeCbor({ op: 'get-blob', to: hexToBytes(local), hash }),
      timeoutMs: FETCH_TIMEOUT_MS,
      accept: (frame) => {
        const { data } = parseReply(frame, chunkReply);
        if (bytesToHex(sha256(data)) !== wanted) throw new Error('the chunk does not match its hash');
        return data;
      },
      onMiss: (from, err) => log.debug({ attachment: row.id, from, err: err.message }, 'chunk not available there'),
    });
  }

  async function download(id: string): Promise<void> {
    if (downloading.has(id) || stopped) return;
    downloading.add(id);
    try {
      let row = requireRow(id);
      if (row.state !== 'downloading') return;
      const message = row.message_id ? store.repos.messages.get(row.message_id) : undefined;
      const chat = message ? store.repos.conversations.get(message.chat_id) : undefined;
      const local = chat?.identity_id;
      if (!local || !row.sealed_key) return;
      const key = vault.open(keyLabel(id), row.sealed_key);
      const total = row.chunk_hashes.length / 32;
      const part = partOf(id);
      // The part file holds exactly the chunks recorded as done; a failed write (a full disk)
      // is cut off again, and a part file with nothing recorded in it is removed.
      let done = row.chunks_done;
      let failed = false;
      const fd = fs.openSync(part, fs.existsSync(part) ? 'r+' : 'w+', 0o600);
      try {
        for (let index = row.chunks_done; index < total; index++) {
          const hash = row.chunk_hashes.subarray(index * 32, index * 32 + 32);
          const cipher = await fetchChunk(row, local, hash);
          if (!cipher) {
            scheduleRetry(id);
            return;
          }
          const plain = decryptChunk(key, index, cipher);
          fs.writeSync(fd, plain, 0, plain.length, index * row.chunk_size);
          fs.fsyncSync(fd);
          await store.write((repos) => repos.attachments.progress(id, index + 1, 'downloading'));
          done = index + 1;
          // One line per chunk taken from the network: what a resumed download fetched is visible.
          log.debug({ attachment: id, chunk: index, of: total }, 'attachment chunk fetched');
          if (stopped) return;
        }
        fs.ftruncateSync(fd, row.size);
      } catch (err) {
        failed = true;
        throw err;
      } finally {
        if (failed && done > 0) cutBack(fd, done * row.chunk_size);
        fs.closeSync(fd);
        if (done === 0) fs.rmSync(part, { force: true });
      }
      const digest = bytesToHex(sha256(fs.readFileSync(part)));
      row = requireRow(id);
      if (digest !== row.sha256) {
        log.error({ attachment: id }, 'the assembled file does not match its SHA-256; discarding it');
        fs.rmSync(part, { force: true });
        await store.write((repos) => repos.attachments.progress(id, 0, 'failed'));
      } else {
        fs.renameSync(part, fileOf(id));
        try {
          await store.write((repos) => repos.attachments.progress(id, total, 'complete'));
        } catch (err) {
          // Not recorded as complete: back to a finished part file, which the retry completes.
          fs.renameSync(fileOf(id), part);
          throw err;
        }
        void dropFromRelays(local, row);
      }
      emitMessageUpdate(row.message_id);
    } catch (err) {
      log.error({ attachment: id, err }, 'download failed');
      scheduleRetry(id);
    } finally {
      downloading.delete(id);
    }
  }

  function scheduleRetry(id: string): void {
    if (stopped) return;
    clearTimeout(retryTimers.get(id));
    const timer = setTimeout(() => void download(id), 2000);
    timer.unref();
    retryTimers.set(id, timer);
  }

  async function dropFromRelays(local: string, row: AttachmentRow): Promise<void> {
    const network = init.network();
    const secret = init.keyRing.get(local);
    if (!network || !secret) return;
    const hashes: Uint8Array[] = [];
    for (let i = 0; i * 32 < row.chunk_hashes.length; i++) hashes.push(row.chunk_hashes.slice(i * 32, i * 32 + 32));
    for (const relay of init.ownRelays()) {
      try {
        const ts = now();
        const sig = blobDropStatement.sign(secret, { relay: relay.peer_id, client: network.peerId, hashes, ts });
        const channel = await network.channels.get(network.target(relay.peer_id, relay.addresses), PROTOCOLS.relay);
        await channel.request(encodeCbor({ op: 'drop-blobs', identity: hexToBytes(local), hashes, ts, sig }), FETCH_TIMEOUT_MS);
      } catch {
        // The relay's TTL removes them anyway.
      }
    }
  }

  const service: AttachmentService = {
    start() {
      ensurePrivateDir(dir);
      sweepLeftovers();
      for (const row of store.repos.attachments.unfinished()) void download(row.id);
    },
    stop() {
      stopped = true;
      for (const timer of retryTimers.values()) clearTimeout(timer);
    },

    async upload(data, name, mime) {
      if (data.length > init.maxBytes) throw new PayloadTooLargeError(`the file is over the ${Math.floor(init.maxBytes / 1024 / 1024)} MB limit`);
      if (!/^[\w.+-]+\/[\w.+-]+$/.test(mime)) throw new ValidationError('type: expected a MIME type such as image/png');
      const cleanName = safeFileName(name);
      const id = crypto.randomUUID();
      ensurePrivateDir(dir);
      const row: AttachmentRow = {
        id,
        message_id: null,
        name: cleanName,
        mime,
        size: data.length,
        sha256: bytesToHex(sha256(data)),
        sealed_key: null,
        chunk_size: CHUNK_SIZE,
        chunk_hashes: new Uint8Array(0),
        state: 'local',
        chunks_done: 0,
        source: null,
        created_at: now(),
      };
      // File first (flushed), then its row, then the rename: a failure at any step leaves
      // nothing behind, and a crash before the rename leaves an upload the next start finishes.
      const upload = uploadOf(id);
      try {
        writeFileDurably(upload, data);
        await store.write((repos) => repos.attachments.insert(row));
        fs.renameSync(upload, fileOf(id));
      } catch (err) {
        fs.rmSync(upload, { force: true });
        throw err;
      }
      return toInfo(row);
    },

    async seal(ids) {
      const manifests: AttachmentManifest[] = [];
      for (const id of ids) {
        const row = requireRow(id);
        if (row.state !== 'local' || row.message_id) throw new ValidationError(`attachment ${id} was already sent; upload it again to send it again`);
        const key = randomBytes(32);
        const total = Math.max(1, Math.ceil(row.size / row.chunk_size));
        const hashes: Uint8Array[] = [];
        for (let index = 0; index < total; index++) {
          hashes.push(sha256(encryptChunk(key, index, readChunk(id, index, row.chunk_size))));
          // Encrypting a large file takes a while: let other requests through between chunks.
          if (index % 16 === 15) await new Promise((r) => setImmediate(r));
        }
        manifests.push({ id, name: row.name, mime: row.mime, size: row.size, sha256: row.sha256, chunk: row.chunk_size, hashes: concatBytes(...hashes), key });
      }
      return manifests;
    },

    bind(repos, manifests, messageId, local) {
      for (const m of manifests) {
        repos.attachments.attachToMessage(m.id, messageId, vault.seal(keyLabel(m.id), m.key), m.hashes, local ? 'complete' : 'ready');
      }
    },

    pushToRelays(messageId, targets) {
      const network = init.network();
      if (!network) return;
      const stored = z.object({ ok: z.literal(true) }).passthrough();
      (async () => {
        for (const row of store.repos.attachments.forMessage(messageId)) {
          if (!row.sealed_key) continue;
          const key = vault.open(keyLabel(row.id), row.sealed_key);
          const total = row.chunk_hashes.length / 32;
          const live = new Set<{ recipient: string; relay: RelayRef; channel: FrameChannel }>();
          for (const { recipient, relays } of targets) {
            for (const relay of relays) {
              try {
                live.add({ recipient, relay, channel: await network.channels.get(network.target(relay.peer_id, relay.addresses), PROTOCOLS.relay) });
              } catch (err) {
                log.debug({ attachment: row.id, relay: relay.peer_id, err: (err as Error).message }, 'could not leave chunks with a relay');
              }
            }
          }
          // Each chunk is read and encrypted once, then left with every relay still taking them.
          const fd = fs.openSync(fileOf(row.id), 'r');
          try {
            for (let index = 0; index < total && live.size > 0; index++) {
              const data = encryptChunk(key, index, readChunkAt(fd, index, row.chunk_size));
              for (const target of live) {
                try {
                  parseReply(await target.channel.request(encodeCbor({ op: 'put-blob', to: hexToBytes(target.recipient), data }), FETCH_TIMEOUT_MS), stored);
                } catch (err) {
                  live.delete(target);
                  log.debug({ attachment: row.id, relay: target.relay.peer_id, err: (err as Error).message }, 'could not leave chunks with a relay');
                }
              }
            }
          } finally {
            fs.closeSync(fd);
          }
        }
      })().catch((err: Error) => log.warn({ message: messageId, err: err.message }, 'could not leave attachment chunks with relays'));
    },

    register(repos, messageId, sender, manifests, at) {
      const ids: string[] = [];
      for (const m of manifests) {
        if (repos.attachments.get(m.id)) continue;
        if (m.size > init.maxBytes || m.hashes.length % 32 !== 0 || m.hashes.length / 32 !== Math.max(1, Math.ceil(m.size / m.chunk))) continue;
        repos.attachments.insert({
          id: m.id,
          message_id: messageId,
          name: safeFileName(m.name),
          mime: safeContentType(m.mime),
          size: m.size,
          sha256: m.sha256,
          sealed_key: vault.seal(keyLabel(m.id), m.key),
          chunk_size: m.chunk,
          chunk_hashes: m.hashes,
          state: 'downloading',
          chunks_done: 0,
          source: sender,
          created_at: at,
        });
        ids.push(m.id);
      }
      return () => ids.forEach((id) => void download(id));
    },

    async chunk(hash) {
      const found = store.repos.attachments.byChunkHash(hash);
      const sealedKey = found?.row.sealed_key;
      if (!found || !sealedKey) return undefined;
      const { row, index } = found;
      const data = encryptChunk(vault.open(keyLabel(row.id), sealedKey), index, readChunk(row.id, index, row.chunk_size));
      return bytesToHex(sha256(data)) === bytesToHex(hash) ? data : undefined;
    },

    info: (id) => toInfo(requireRow(id)),

    withAttachments(repos, messages) {
      if (messages.length === 0) return [...messages];
      const map = new Map<string, AttachmentInfo[]>();
      for (const row of repos.attachments.forMessages(messages.map((m) => m.id))) {
        const list = map.get(row.message_id!) ?? [];
        list.push(toInfo(row));
        map.set(row.message_id!, list);
      }
      return messages.map((m) => (map.has(m.id) ? { ...m, attachments: map.get(m.id)! } : m));
    },

    file(id) {
      const row = requireRow(id);
      if (row.state === 'downloading' || row.state === 'failed') throw new AttachmentNotFoundError(`attachment ${id} is not downloaded (${row.state})`);
      return { path: fileOf(id), row };
    },
  };
  return service;
}
