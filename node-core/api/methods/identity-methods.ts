import type { IdentityService } from '../../identity/identity-service.ts';
import * as S from '../schemas.ts';
import { define, type MethodsOf } from './define.ts';

export const identityMethods = (identities: IdentityService) =>
  ({
    'identities.list': define(S.empty, () => ({ identities: identities.list() })),
    'identities.get': define(S.identityRef, (i) => identities.get(i.id)),
    'identities.create': define(S.createIdentity, (i) => identities.create(i)),
    'identities.updateProfile': define(S.updateProfile, (i) => identities.updateProfile(i)),
    'identities.setDefault': define(S.identityRef, (i) => identities.setDefault(i.id)),
    'identities.unlock': define(S.unlockIdentity, (i) => identities.unlockForSession(i.id, i.passphrase)),
  }) satisfies MethodsOf<'identities.list' | 'identities.get' | 'identities.create' | 'identities.updateProfile' | 'identities.setDefault' | 'identities.unlock'>;
