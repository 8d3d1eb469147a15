import type { Connection, Stream, StreamMessageEvent } from '@libp2p/interface';
import type { Logger } from 'pino';
import type { BudgetOwner, BudgetRefusal, BudgetTicket } from './frame-budget.ts';
import type { FrameReading } from './frame-channel.ts';
import { FrameRefusedError, StreamIdleError, StreamRefusedError, WriteStalledError } from './frame-errors.ts';
import { createFrameReader, FrameStalledError, FrameTooLargeError, type FrameReader, type FrameReadError } from './frame-reader.ts';
import { guardListener, writeFrame } from './frame-write.ts';
import { ipKey, type InboundLimits, type StreamRefusal, type StreamSlot } from './inbound-limits.ts';
import type { P2pLimits } from './limits.ts';
import type { Misbehaviour, PeerGuard } from './peer-guard.ts';

export interface FrameContext {
  readonly peer: string;
  readonly connection: Connection;
}

export type RefusalKind = 'stream' | 'frame';

export interface ServeOptions extends FrameReading {
  readonly protocol: string;
  readonly limits: FrameReading['limits'] & Pick<P2pLimits, 'firstFrameMs' | 'idleStreamMs' | 'maxInFlightPerStream' | 'smallFrameBytes'>;
  readonly guard: PeerGuard;
  readonly inbound: InboundLimits;
  readonly logger: Logger;
  /** Frame sent back when a request is refused (too fast, over budget) or its handler failed. */
  readonly errorReply: Uint8Array;
  /** Counts what was refused, for the metrics. */
  readonly onRefused: (kind: RefusalKind, reason: string) => void;
}

type Handler = (frame: Uint8Array, context: FrameContext) => Promise<Uint8Array>;

interface Answer {
  readonly answer: Promise<Uint8Array>;
  readonly ticket: BudgetTicket | null;
}

const PENALTY_OF_READ_ERROR = (err: FrameReadError): Misbehaviour =>
  err instanceof FrameStalledError ? 'stalled' : err instanceof FrameTooLargeError ? 'too-large' : 'malformed';

/**
 * Serves one inbound stream: reads frames, handles them concurrently (the handler decides what
 * must be ordered), writes the answers in request order. What a frame holds — its bytes while it
 * arrives, then while it is handled, then its answer until written — is drawn from the budget;
 * a frame the budget cannot take is answered with `errorReply` and its body dropped unread.
 * Reading pauses while too many answers are pending (the peer's sending then stops at the
 * muxer's window). Broken framing, a stalled frame, a stream left unused, or one ended in the
 * middle of a frame count against the peer.
 */
export function serveFrames(stream: Stream, connection: Connection, handler: Handler, options: ServeOptions): Promise<void> {
  const peer = connection.remotePeer.toString();
  const owner: BudgetOwner = { peer, ip: ipKey(connection.remoteAddr) };
  const refuse = (reason: StreamRefusal | 'budget') => {
    options.onRefused('stream', reason);
    stream.abort(new StreamRefusedError(reason));
    return Promise.resolve();
  };
  if (!options.budget.hasRoom()) return refuse('budget');
  const slot = options.inbound.openStream(owner);
  if (typeof slot === 'string') {
    if (slot === 'peer-streams') options.guard.penalize(peer, options.protocol, 'too-many-streams');
    return refuse(slot);
  }
  return new Promise<void>((resolve) => new StreamResponder(stream, { connection, owner, handler, options, slot, done: resolve }).listen());
}

interface Served {
  readonly connection: Connection;
  readonly owner: BudgetOwner;
  readonly handler: Handler;
  readonly options: ServeOptions;
  readonly slot: StreamSlot;
  readonly done: () => void;
}

/** The state of one served stream, from its first byte to its teardown. */
class StreamResponder {
  private readonly stream: Stream;
  private readonly served: Served;
  private readonly options: ServeOptions;
  private readonly limits: ServeOptions['limits'];
  private readonly peer: string;
  private readonly reader: FrameReader;
  private readonly answers: Answer[] = [];
  private frames = 0;
  private finished = false;
  private writing = false;
  private paused = false;
  private remoteEnded = false;
  private readerEnded = false;
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly onMessage: (evt: StreamMessageEvent) => void;
  private readonly onRemoteCloseWrite: (evt: Event) => void;
  private readonly onClose = () => this.teardown();

  constructor(stream: Stream, served: Served) {
    this.stream = stream;
    this.served = served;
    this.options = served.options;
    this.limits = served.options.limits;
    this.peer = served.owner.peer;
    this.reader = createFrameReader({
      ...this.limits,
      admit: (length) => this.options.budget.admit(length, served.owner),
      onFrame: (frame, ticket) => this.onFrame(frame, ticket),
      onRefused: (reason, length) => this.onFrameRefused(reason, length),
      onError: (err) => this.onReadError(err),
    });
    const failed = (err: Error) => this.abort(err);
    this.onMessage = guardListener((evt: StreamMessageEvent) => this.received(evt), failed);
    this.onRemoteCloseWrite = guardListener<Event>(() => {
      this.remoteEnded = true;
      queueMicrotask(() => this.safely(() => this.maybeEnd()));
    }, failed);
  }

  listen(): void {
    this.stream.addEventListener('message', this.onMessage);
    this.stream.addEventListener('remoteCloseWrite', this.onRemoteCloseWrite);
    this.stream.addEventListener('close', this.onClose);
    this.armIdle();
  }

  private safely(work: () => void): void {
    try {
      work();
    } catch (err) {
      this.abort(err as Error);
    }
  }

  private received(evt: StreamMessageEvent): void {
    this.reader.push(evt.data);
    if (this.reader.midFrame) this.clearIdle();
    else if (!this.writing && this.answers.length === 0) this.armIdle();
  }

  private onFrame(frame: Uint8Array, ticket: BudgetTicket): void {
    const { guard, protocol, errorReply, logger } = this.options;
    const answer = guard.allow(this.peer, protocol)
      ? this.handle(frame).catch((err: Error) => {
          logger.error({ err, peer: this.peer, protocol }, 'a protocol handler failed');
          return errorReply;
        })
      : Promise.resolve(errorReply);
    this.queue({ answer, ticket });
  }

  /** A handler that throws instead of rejecting is a failed handler like any other. */
  private handle(frame: Uint8Array): Promise<Uint8Array> {
    try {
      return this.served.handler(frame, { peer: this.peer, connection: this.served.connection });
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  private onFrameRefused(reason: BudgetRefusal, length: number): 'skip' | 'stop' {
    this.options.onRefused('frame', reason === 'node' ? 'budget' : `${reason}-share`);
    // A small frame refused because the node is full is answered and skipped, so an honest
    // channel survives (and is not blamed: a full node is not its doing). Anything else ends
    // the stream, so the body is never even sent to us in full, and counts a little against
    // the peer: big frames at a full node are how memory is attacked.
    if (reason === 'node' && length <= this.limits.smallFrameBytes) {
      this.queue({ answer: Promise.resolve(this.options.errorReply), ticket: null });
      return 'skip';
    }
    queueMicrotask(() => this.abort(new FrameRefusedError(reason, length), 'over-budget'));
    return 'stop';
  }

  private onReadError(err: FrameReadError): void {
    if (err instanceof FrameStalledError) this.options.onRefused('frame', 'stalled');
    this.abort(err, PENALTY_OF_READ_ERROR(err));
  }

  private queue(answer: Answer): void {
    this.frames++;
    this.answers.push(answer);
    if (this.answers.length >= this.limits.maxInFlightPerStream && !this.paused && this.stream.readStatus === 'readable') {
      this.paused = true;
      this.stream.pause();
    }
    void this.pump();
  }

  private async pump(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    this.clearIdle();
    try {
      while (this.answers.length > 0 && !this.finished) {
        if (!(await this.writeHead())) return;
      }
    } catch (err) {
      return this.abort(err as Error, err instanceof WriteStalledError ? 'stalled' : undefined);
    } finally {
      this.writing = false;
    }
    this.finishIfDone();
    this.armIdle();
  }

  /** Writes the oldest answer once it is ready; false when the stream ended meanwhile. */
  private async writeHead(): Promise<boolean> {
    const head = this.answers[0]!;
    const frame = await head.answer;
    if (this.finished) return false;
    head.ticket?.charge(frame.byteLength);
    await writeFrame(this.stream, frame, this.limits.writeDeadlineMs);
    this.answers.shift();
    head.ticket?.release();
    if (this.paused && this.answers.length < this.limits.maxInFlightPerStream && !this.finished) {
      this.paused = false;
      if (this.stream.readStatus === 'paused') this.stream.resume();
      this.maybeEnd();
    }
    return true;
  }

  // Data the muxer delivers after the end marker (same frame) or that waited while reading
  // was paused still belongs to the stream, so the end is taken once it has all been read.
  private maybeEnd(): void {
    if (this.finished || this.readerEnded || !this.remoteEnded || this.paused || this.stream.readBufferLength > 0) return;
    this.readerEnded = true;
    this.clearIdle();
    if (this.reader.end()) {
      this.options.onRefused('frame', 'unfinished');
      this.options.guard.penalize(this.peer, this.options.protocol, 'unfinished');
    }
    this.finishIfDone();
  }

  private finishIfDone(): void {
    if (this.finished || !this.readerEnded || this.writing || this.answers.length > 0) return;
    void this.stream
      .close()
      .catch((err: Error) => this.stream.abort(err))
      .finally(() => this.teardown());
  }

  // A stream nobody uses still costs a slot: a fresh one must carry a frame soon (honest
  // channels send right after opening), and a quiet one is closed after a while (the peer's
  // pool reopens it when needed).
  private armIdle(): void {
    this.clearIdle();
    if (this.finished || this.readerEnded || this.writing || this.answers.length > 0 || this.reader.midFrame) return;
    const fresh = this.frames === 0;
    const { firstFrameMs, idleStreamMs } = this.limits;
    this.idleTimer = setTimeout(
      () => (fresh ? this.abort(new StreamIdleError(`no frame within ${firstFrameMs} ms`), 'idle') : this.abort(new StreamIdleError('idle'))),
      fresh ? firstFrameMs : idleStreamMs,
    );
    this.idleTimer.unref();
  }

  private clearIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  private abort(err: Error, penalty?: Misbehaviour): void {
    if (this.finished) return;
    if (penalty) this.options.guard.penalize(this.peer, this.options.protocol, penalty);
    this.stream.abort(err);
    this.teardown();
  }

  private teardown(): void {
    if (this.finished) return;
    this.finished = true;
    this.clearIdle();
    this.reader.destroy();
    for (const a of this.answers.splice(0)) a.ticket?.release();
    this.served.slot.release();
    this.stream.removeEventListener('message', this.onMessage);
    this.stream.removeEventListener('remoteCloseWrite', this.onRemoteCloseWrite);
    this.stream.removeEventListener('close', this.onClose);
    this.served.done();
  }
}
