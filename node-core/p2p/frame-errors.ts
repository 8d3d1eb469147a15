import type { BudgetRefusal } from './frame-budget.ts';
import type { StreamRefusal } from './inbound-limits.ts';

export class ChannelClosedError extends Error {
  override readonly name = 'ChannelClosedError';
}
export class RequestTimeoutError extends Error {
  override readonly name = 'RequestTimeoutError';
}
/** An inbound stream refused before anything was read from it. */
export class StreamRefusedError extends Error {
  override readonly name = 'StreamRefusedError';
  readonly reason: StreamRefusal | 'budget';
  constructor(reason: StreamRefusal | 'budget') {
    super(`stream refused: ${reason}`);
    this.reason = reason;
  }
}
/** A frame the budget could not take. */
export class FrameRefusedError extends Error {
  override readonly name = 'FrameRefusedError';
  readonly reason: BudgetRefusal;
  constructor(reason: BudgetRefusal, length: number) {
    super(`a frame of ${length} bytes was refused: ${reason === 'node' ? "the node's" : `the ${reason}'s`} frame budget is spent`);
    this.reason = reason;
  }
}
/** A stream closed for sending nothing. */
export class StreamIdleError extends Error {
  override readonly name = 'StreamIdleError';
}
/** The peer did not take our answer within the write deadline. */
export class WriteStalledError extends Error {
  override readonly name = 'WriteStalledError';
}
