import { Registry } from 'prom-client';
import { createBots } from '../../bots/bot-service.ts';
import { createPrometheusTelemetry } from '../../observability/prometheus-telemetry.ts';
import assert from 'node:assert/strict';
import { ApiError } from '../../api/errors.ts';
import type { MethodName, MethodInput, MethodOutput } from '../../api/contract.ts';
import { apiMethods, createRouter, type Router } from '../../api/router.ts';
import { createEventBus, type EventBus } from '../../events/event-bus.ts';
import { createIdentityService } from '../../identity/identity-service.ts';
import { createMessagingService } from '../../messaging/messaging-service.ts';
import type { Store } from '../../store/store.ts';
import { randomBytes } from '@noble/hashes/utils.js';
import { openTempStore, silentLogger } from './store.ts';
import { createAttachmentService } from '../../attachments/attachment-service.ts';
import { createKeyRing } from '../../sessions/key-ring.ts';
import { createLocalVault } from '../../sessions/vault.ts';

export interface RouterHarness {
  readonly router: Router;
  readonly store: Store;
  readonly events: EventBus;
  call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>>;
}

/** The real router over real services and a real SQLite store. */
export function routerHarness(options: { now?: () => number } = {}): RouterHarness {
  const store = openTempStore();
  const events = createEventBus((err) => {
    throw err;
  });
  const nodeSecret = randomBytes(32);
  const keyRing = createKeyRing();
  const attachments = createAttachmentService({
    dataDir: store.file.replace(/\/dchat\.db$/, ''),
    store,
    network: undefined,
    keyRing,
    vault: createLocalVault(nodeSecret),
    events,
    logger: silentLogger,
    maxBytes: 10 * 1024 * 1024,
    sourceOf: () => undefined,
    ownRelays: () => [],
  });
  const identities = createIdentityService({ store, events, nodeSecret, keyRing, ...(options.now ? { now: options.now } : {}) });
  const messaging = createMessagingService({ store, events, attachments, ...(options.now ? { now: options.now } : {}) });
  const bots = createBots({ store, events, messaging, createIdentity: (input) => identities.create(input), invite: () => null, telemetry: createPrometheusTelemetry(new Registry()), logger: silentLogger, files: attachments });
  const router = createRouter(apiMethods({
    node: {
      health: () => ({ status: 'healthy', version: 'test' }),
      status: () => {
        throw new Error('not used');
      },
      peers: () => ({ peers: [], count: 0 }),
      reportAccessibility: () => undefined,
    },
    identities,
    messaging,
    attachments,
    network: undefined,
    ledgers: () => undefined,
    bots,
  }));
  return {
    router,
    store,
    events,
    call: (method, input) => router.call(method, input) as never,
  };
}

/** Waits for a call to fail with this named ApiError (and message), and returns the error. */
export async function rejectsWith(promise: Promise<unknown>, name: string, message?: RegExp): Promise<ApiError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof ApiError, `expected an ApiError, got ${String(err)}`);
    assert.equal(err.name, name, err.message);
    if (message) assert.match(err.message, message);
    return err;
  }
  assert.fail(`expected ${name}`);
}
