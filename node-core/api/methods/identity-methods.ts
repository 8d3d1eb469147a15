import type { IdentityService } from '../../identity/identity-service.ts';
import * as S from '../schemas.ts';
import { bind, rest, type SpecsOf } from './define.ts';

export const identitySpecs = {
  'identities.list': { schema: S.empty, rest: rest.get('/api/identities', 'query') },
  'identities.create': { schema: S.createIdentity, rest: rest.post('/api/identities', 'body', 201) },
  'identities.get': { schema: S.identityRef, rest: rest.get('/api/identities/:id') },
  'identities.updateProfile': { schema: S.updateProfile, rest: rest.patch('/api/identities/:id', 'body') },
  'identities.setDefault': { schema: S.identityRef, rest: rest.post('/api/identities/:id/default') },
  'identities.unlock': { schema: S.unlockIdentity, rest: rest.post('/api/identities/:id/unlock', 'body') },
} as const satisfies SpecsOf<'identities.list' | 'identities.get' | 'identities.create' | 'identities.updateProfile' | 'identities.setDefault' | 'identities.unlock'>;

export const identityMethods = (identities: IdentityService) =>
  bind(identitySpecs, {
    'identities.list': () => ({ identities: identities.list() }),
    'identities.get': (i) => identities.get(i.id),
    'identities.create': (i) => identities.create(i),
    'identities.updateProfile': (i) => identities.updateProfile(i),
    'identities.setDefault': (i) => identities.setDefault(i.id),
    'identities.unlock': (i) => identities.unlockForSession(i.id, i.passphrase),
  });
