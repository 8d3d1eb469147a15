import fs from 'node:fs';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { z } from 'zod';
import { askPeerThenRelays } from '../p2p/ask-peer-then-relays.ts';
import { encodeCbor } from '../p2p/codec.ts';
import type { AttachmentRow } from '../store/repositories/attachments.ts';
import { parseReply, PROTOCOLS } from '../wire/protocols.ts';
import { withAttachments } from './attachment-info.ts';
import { chunkHashAt, decryptChunk, hashCount, hexDigest } from './chunk-crypto.ts';
import { FETCH_TIMEOUT_MS, keyLabel, type AttachmentContext } from './context.ts';

/**
 * Downloads of received attachments, chunk by chunk into a part file, each chunk recorded as done
 * once it is on disk: a download resumes where it stopped, across restarts. Every chunk is
 * checked against its hash and the whole file against its SHA-256.
 */

const chunkReply = z.object({ ok: z.literal(true), data: z.instanceof(Uint8Array) });
const RETRY_MS = 2000;

interface Job {
  readonly id: string;
  /** The row as it was when the download started. */
  readonly row: AttachmentRow;
  /** Our identity the attachment was sent to. */
  readonly local: string;
  readonly key: Uint8Array;
  readonly total: number;
  readonly part: string;
}

export class Downloads {
  readonly #ctx: AttachmentContext;
  /** Called once a download is recorded complete (its chunks may leave the relays). */
  readonly #completed: (local: string, row: AttachmentRow) => void;
  readonly #running = new Map<string, Promise<void>>();
  readonly #retries = new Map<string, NodeJS.Timeout>();
  /** Downloads whose message was deleted while they ran: they stop at the next chunk. */
  readonly #cancelled = new Set<string>();
  #stopped = false;

  constructor(ctx: AttachmentContext, completed: (local: string, row: AttachmentRow) => void) {
    this.#ctx = ctx;
    this.#completed = completed;
  }

  /** Starts (or resumes) a download, unless it is running already or the service is stopped. */
  start(id: string): void {
    if (this.#running.has(id) || this.#stopped) return;
    this.#running.set(id, this.#run(id).finally(() => this.#running.delete(id)));
  }

  resume(): void {
    this.#stopped = false;
  }

  /** Stops one download for good (its attachment is gone); resolves once it returned. */
  async cancel(id: string): Promise<void> {
    this.#cancelled.add(id);
    clearTimeout(this.#retries.get(id));
    this.#retries.delete(id);
    try {
      await this.#running.get(id);
    } finally {
      this.#cancelled.delete(id);
    }
  }

  /** Cancels pending retries and resolves once every running download has returned. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const timer of this.#retries.values()) clearTimeout(timer);
    this.#retries.clear();
    await Promise.allSettled(this.#running.values());
  }

  async #run(id: string): Promise<void> {
    try {
      const job = this.#prepare(id);
      if (!job || !(await this.#fetchMissing(job))) return;
      await this.#finish(job);
    } catch (err) {
      this.#ctx.log.error({ attachment: id, err }, 'download failed');
      this.#scheduleRetry(id);
    }
  }

  #scheduleRetry(id: string): void {
    if (this.#stopped || this.#cancelled.has(id)) return;
    clearTimeout(this.#retries.get(id));
    const timer = setTimeout(() => {
      this.#retries.delete(id);
      this.start(id);
    }, RETRY_MS);
    timer.unref();
    this.#retries.set(id, timer);
  }

  /** The download to make, or undefined when there is none (done, or not tied to a chat of ours). */
  #prepare(id: string): Job | undefined {
    const { repos } = this.#ctx.store;
    // Gone: its message was deleted or disappeared.
    const row = repos.attachments.get(id);
    if (!row || row.state !== 'downloading') return undefined;
    const message = row.message_id ? repos.messages.get(row.message_id) : undefined;
    const local = message ? repos.conversations.get(message.chat_id)?.identity_id : undefined;
    if (!local || !row.sealed_key) return undefined;
    const key = this.#ctx.vault.open(keyLabel(id), row.sealed_key);
    return { id, row, local, key, total: hashCount(row.chunk_hashes), part: this.#ctx.files.part(id) };
  }

  /** True once the part file holds every chunk; false when one is unavailable for now (a retry is due) or on stop. */
  async #fetchMissing(job: Job): Promise<boolean> {
    const { id, row, part } = job;
    // The part file holds exactly the chunks recorded as done; a failed write (a full disk)
    // is cut off again, and a part file with nothing recorded in it is removed.
    let done = row.chunks_done;
    let failed = false;
    const fd = fs.openSync(part, fs.existsSync(part) ? 'r+' : 'w+', 0o600);
    try {
      for (let index = row.chunks_done; index < job.total; index++) {
        const cipher = await fetchChunk(this.#ctx, job, chunkHashAt(row.chunk_hashes, index));
        if (!cipher) {
          this.#scheduleRetry(id);
          return false;
        }
        const plain = decryptChunk(job.key, index, cipher);
        fs.writeSync(fd, plain, 0, plain.length, index * row.chunk_size);
        fs.fsyncSync(fd);
        await this.#ctx.store.write((repos) => repos.attachments.progress(id, index + 1, 'downloading'));
        done = index + 1;
        // One line per chunk taken from the network: what a resumed download fetched is visible.
        this.#ctx.log.debug({ attachment: id, chunk: index, of: job.total }, 'attachment chunk fetched');
        if (this.#stopped || this.#cancelled.has(id)) return false;
      }
      fs.ftruncateSync(fd, row.size);
      return true;
    } catch (err) {
      failed = true;
      throw err;
    } finally {
      if (failed && done > 0) this.#cutBack(fd, done * row.chunk_size);
      fs.closeSync(fd);
      if (done === 0) fs.rmSync(part, { force: true });
    }
  }

  #cutBack(fd: number, length: number): void {
    try {
      fs.ftruncateSync(fd, length);
    } catch (err) {
      this.#ctx.log.warn({ err: (err as Error).message }, 'could not cut a part file back to its recorded chunks');
    }
  }

  /** Checks the assembled file and records it complete, or failed when it is not the file that was sent. */
  async #finish(job: Job): Promise<void> {
    const { id, part } = job;
    const { store, files, log } = this.#ctx;
    const digest = hexDigest(fs.readFileSync(part));
    const row = store.repos.attachments.get(id);
    if (!row || this.#cancelled.has(id)) return;
    if (digest !== row.sha256) {
      log.error({ attachment: id }, 'the assembled file does not match its SHA-256; discarding it');
      fs.rmSync(part, { force: true });
      await store.write((repos) => repos.attachments.progress(id, 0, 'failed'));
    } else {
      fs.renameSync(part, files.file(id));
      try {
        await store.write((repos) => repos.attachments.progress(id, job.total, 'complete'));
      } catch (err) {
        // Not recorded as complete: back to a finished part file, which the retry completes.
        fs.renameSync(files.file(id), part);
        throw err;
      }
      this.#completed(job.local, row);
    }
    this.#emitMessageUpdate(row.message_id);
  }

  #emitMessageUpdate(messageId: string | null): void {
    if (!messageId) return;
    const { store, events } = this.#ctx;
    const message = store.repos.messages.get(messageId);
    if (message) events.emit('message.updated', (this.#ctx.present?.(store.repos, [message]) ?? withAttachments(store.repos, [message]))[0]!);
  }
}

/** One chunk from the sender's node or, while it is offline, from our relays; only a chunk matching its hash is taken. */
async function fetchChunk(ctx: AttachmentContext, job: Job, hash: Uint8Array): Promise<Uint8Array | undefined> {
  const network = ctx.network;
  if (!network) return undefined;
  const { row, local } = job;
  const source = row.source ? ctx.sourceOf(ctx.store.repos, local, row.source) : undefined;
  const wanted = bytesToHex(hash);
  return askPeerThenRelays(network, { peer: source?.peerId ? { peerId: source.peerId, addresses: source.addresses } : undefined, relays: ctx.ownRelays() }, {
    peerProtocol: PROTOCOLS.peer,
    relayProtocol: PROTOCOLS.relay,
    peerRequest: encodeCbor({ op: 'get-blob', hash }),
    relayRequest: encodeCbor({ op: 'get-blob', to: hexToBytes(local), hash }),
    timeoutMs: FETCH_TIMEOUT_MS,
    accept: (frame) => {
      const { data } = parseReply(frame, chunkReply);
      if (hexDigest(data) !== wanted) throw new Error('the chunk does not match its hash');
      return data;
    },
    onMiss: (from, err) => ctx.log.debug({ attachment: row.id, from, err: err.message }, 'chunk not available there'),
  });
}
