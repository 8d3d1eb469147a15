import type { BotService } from '../../bots/bot-service.ts';
import * as S from '../schemas.ts';
import { bind, rest, type SpecsOf } from './define.ts';

/** Managing the bots this node hosts (node API token); the bots' own API is api/bot-api/. */
export const botSpecs = {
  'bots.create': { schema: S.createBot, rest: rest.post('/api/bots/create', 'body', 201) },
  'bots.list': { schema: S.empty, rest: rest.get('/api/bots', 'query') },
  'bots.delete': { schema: S.botRef, rest: rest.delete('/api/bots/:id') },
  'bots.rotateToken': { schema: S.botRef, rest: rest.post('/api/bots/:id/token') },
  'bots.rotateWebhookSecret': { schema: S.botRef, rest: rest.post('/api/bots/:id/webhook-secret') },
} as const satisfies SpecsOf<'bots.create' | 'bots.list' | 'bots.delete' | 'bots.rotateToken' | 'bots.rotateWebhookSecret'>;

export const botMethods = (bots: BotService) =>
  bind(botSpecs, {
    'bots.create': (i) => bots.create(i),
    'bots.list': () => ({ bots: bots.list() }),
    'bots.delete': (i) => bots.remove(i.id),
    'bots.rotateToken': (i) => bots.rotateToken(i.id),
    'bots.rotateWebhookSecret': (i) => bots.rotateWebhookSecret(i.id),
  });
