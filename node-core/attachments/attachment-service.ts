import type { AttachmentInfo, Message } from '../domain/model.ts';
import type { AfterCommit } from '../delivery/delivery-service.ts';
import type { AttachmentManifest } from '../delivery/payloads.ts';
import type { Startable } from '../runtime/startable.ts';
import type { AttachmentRow } from '../store/repositories/attachments.ts';
import type { Repositories } from '../store/store.ts';
import { ensurePrivateDir } from '../util/private-files.ts';
import { attachmentFiles } from './attachment-files.ts';
import { readableFile, requireRow, toInfo, withAttachments } from './attachment-info.ts';
import { BackgroundWork } from './background.ts';
import type { AttachmentContext, AttachmentInit } from './context.ts';
import { Downloads } from './download.ts';
import { sweepLeftovers } from './leftover-sweep.ts';
import { bindToMessage, registerIncoming, sealUploads } from './manifests.ts';
import { dropFromRelays, leaveWithRelays, type RelayTargets } from './relay-chunks.ts';
import { serveChunk } from './serve-chunks.ts';
import { storeUpload } from './upload.ts';
import { purgeAttachments } from './purge.ts';

export type { AttachmentInit, AttachmentSource } from './context.ts';

/**
 * Attachments: each file gets its own random key and is cut into 256 KiB chunks, each encrypted
 * and named by the SHA-256 of its ciphertext (chunk-crypto.ts). The key and the chunk list travel
 * inside the end-to-end encrypted message (manifests.ts); the chunks travel separately — pulled
 * from the sender's node, or from the recipient's relays, where the sender leaves them
 * (download.ts, serve-chunks.ts, relay-chunks.ts).
 */
export interface AttachmentService extends Startable {
  start(): void;
  /** Resolves once no retry is pending and no download or relay hand-over is running. */
  stop(): Promise<void>;
  /** Stores an uploaded file; it can then be sent with one message. */
  upload(data: Uint8Array, name: string, mime: string): Promise<AttachmentInfo>;
  /** Encrypts uploads for sending; the manifests go inside the message. */
  seal(ids: readonly string[]): Promise<AttachmentManifest[]>;
  /** Ties sealed (or local-only) attachments to a message, inside its transaction. */
  bind(repos: Repositories, manifests: readonly AttachmentManifest[], messageId: string, local: boolean): void;
  /** Leaves a message's chunks with the recipients' relays, in the background. */
  pushToRelays(messageId: string, relaysByRecipient: readonly RelayTargets[]): void;
  register(repos: Repositories, messageId: string, sender: string, manifests: readonly AttachmentManifest[], now: number): AfterCommit;
  /** An encrypted chunk of one of our outgoing attachments, by hash. */
  chunk(hash: Uint8Array): Promise<Uint8Array | undefined>;
  info(id: string): AttachmentInfo;
  /** The messages with their attachments' details added (those that have any); one query for all. */
  withAttachments(repos: Repositories, messages: readonly Message[]): Message[];
  /** Path of a complete (or our own) file, for reading it. */
  file(id: string): { path: string; row: AttachmentRow };
  /** Forgets a message's attachments (inside its transaction); files, downloads and relay copies go after commit. */
  purge(repos: Repositories, messageId: string, local: string): AfterCommit;
}

export function createAttachmentService(init: AttachmentInit): AttachmentService {
  const { logger, now, dataDir, ...deps } = init;
  const ctx: AttachmentContext = { ...deps, log: logger.child({ component: 'attachments' }), now: now ?? Date.now, files: attachmentFiles(dataDir) };
  const background = new BackgroundWork();
  let stopped = false;
  const downloads = new Downloads(ctx, (local, row) =>
    background.run(() => dropFromRelays(ctx, local, row), () => undefined),
  );

  return {
    start() {
      stopped = false;
      downloads.resume();
      ensurePrivateDir(ctx.files.dir);
      sweepLeftovers(ctx.files, ctx.store, ctx.log);
      for (const row of ctx.store.repos.attachments.unfinished()) downloads.start(row.id);
    },
    async stop() {
      stopped = true;
      await downloads.stop();
      await background.settled();
    },
    upload: (data, name, mime) => storeUpload(ctx, data, name, mime),
    seal: (ids) => sealUploads(ctx, ids),
    bind: (repos, manifests, messageId, local) => bindToMessage(ctx, repos, manifests, messageId, local),
    pushToRelays(messageId, targets) {
      const network = ctx.network;
      if (!network) return;
      background.run(
        () => leaveWithRelays(ctx, network, messageId, targets, () => stopped),
        (err) => ctx.log.warn({ message: messageId, err: err.message }, 'could not leave attachment chunks with relays'),
      );
    },
    register(repos, messageId, sender, manifests, at) {
      const ids = registerIncoming(ctx, repos, messageId, sender, manifests, at);
      return () => ids.forEach((id) => downloads.start(id));
    },
    chunk: async (hash) => serveChunk(ctx, hash),
    info: (id) => toInfo(requireRow(ctx.store.repos, id)),
    withAttachments,
    file: (id) => readableFile(ctx.store.repos, id, ctx.files.file),
    purge: (repos, messageId, local) => purgeAttachments(ctx, { downloads, background }, repos, messageId, local),
  };
}
