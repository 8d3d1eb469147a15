import { attachmentSpecs } from './attachment-methods.ts';
import { botSpecs } from './bot-methods.ts';
import { chainSpecs } from './chain-methods.ts';
import { joinTables, restRoutes, type MethodSpec, type RestRoute } from './define.ts';
import { identitySpecs } from './identity-methods.ts';
import { messagingSpecs } from './messaging-methods.ts';
import { contactSpecs, groupSpecs, keyboardSpecs, relaySpecs } from './network-methods.ts';
import { nodeSpecs } from './node-methods.ts';

/**
 * Every capability's static specs (schema and REST route per method), joined once at load: a
 * name or route given twice fails here, before anything listens.
 */
export const API_SPECS = joinTables<MethodSpec>([nodeSpecs, identitySpecs, messagingSpecs, attachmentSpecs, contactSpecs, groupSpecs, relaySpecs, keyboardSpecs, botSpecs, chainSpecs]);

/** The operator-facing REST routes, as the capabilities declare them. */
export const REST_ROUTES: readonly RestRoute[] = restRoutes(API_SPECS);
