import type { MethodInput, MethodName, MethodOutput } from './contract.ts';
import { knownApiError, UnknownMethodError, ValidationError, validationErrorFromZod } from './errors.ts';
import { illFormedStringPath } from '../util/unicode.ts';
import { attachmentMethods } from './methods/attachment-methods.ts';
import { botMethods } from './methods/bot-methods.ts';
import { chainMethods, type LedgerParts } from './methods/chain-methods.ts';
import { joinTables, type MethodDefinition, type MethodTable } from './methods/define.ts';
import { identityMethods } from './methods/identity-methods.ts';
import { messagingMethods } from './methods/messaging-methods.ts';
import { networkMethods } from './methods/network-methods.ts';
import { nodeMethods, type NodeInfo } from './methods/node-methods.ts';
import type { IdentityService } from '../identity/identity-service.ts';
import type { MessagingService } from '../messaging/messaging-service.ts';
import type { AttachmentService } from '../attachments/attachment-service.ts';
import type { BotService } from '../bots/bot-service.ts';
import type { NetworkServices } from '../network-services.ts';

export type { NodeInfo } from './methods/node-methods.ts';

export interface RouterDeps {
  readonly node: NodeInfo;
  readonly identities: IdentityService;
  readonly messaging: MessagingService;
  readonly attachments: AttachmentService;
  /** Absent when peer-to-peer networking is switched off. */
  readonly network: NetworkServices | undefined;
  readonly bots: BotService;
  /** The ledgers, once they run. */
  readonly ledgers: () => LedgerParts | undefined;
}

/** Each capability's methods (api/methods/*.ts), one line each; the type says none is missing. */
export function apiMethods(deps: RouterDeps): MethodTable {
  const parts = [nodeMethods(deps.node), identityMethods(deps.identities), messagingMethods(deps.messaging), attachmentMethods(deps.attachments), networkMethods(deps.network), botMethods(deps.bots), chainMethods(deps.ledgers)] as const;
  joinTables<MethodDefinition<unknown, unknown>>(parts);
  return { ...parts[0], ...parts[1], ...parts[2], ...parts[3], ...parts[4], ...parts[5], ...parts[6] } satisfies MethodTable;
}

/**
 * The one dispatcher behind every transport: looks the method up, validates the input with its
 * schema, runs it, and turns failures into named ApiErrors. HTTP routes, the JSON-RPC style
 * endpoint and Electron IPC all call `call`, so they behave identically by construction.
 */
export interface Router {
  /** For callers in the same process: typed end to end. */
  call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>>;
  /** For transports, where the name and input come off the wire: both are checked before use. */
  dispatch(method: string, input: unknown): Promise<unknown>;
  readonly methods: readonly MethodName[];
}

export function createRouter(table: MethodTable): Router {
  const dispatch = async (method: string, input: unknown): Promise<unknown> => {
    if (!Object.hasOwn(table, method)) throw new UnknownMethodError(`no API method named "${method}"`);
    const definition = table[method as MethodName] as MethodDefinition<unknown, unknown>;
    const illFormed = illFormedStringPath(input);
    if (illFormed !== undefined) {
      const path = illFormed || '(root)';
      throw new ValidationError(`invalid input: ${path}: is not valid Unicode text (it holds a lone surrogate)`, [{ path, message: 'is not valid Unicode text' }]);
    }
    const parsed = definition.schema.safeParse(input ?? {});
    if (!parsed.success) throw validationErrorFromZod(parsed.error);
    try {
      return await definition.handle(parsed.data);
    } catch (err) {
      // Named failures become their API errors here; anything else is a bug, rethrown as it is for the log.
      throw knownApiError(err) ?? err;
    }
  };
  return {
    // The table's outputs are typed per method (satisfies MethodTable), which dispatch's
    // string-keyed signature cannot carry; this is the one place that says so.
    call: <M extends MethodName>(method: M, input: MethodInput<M>) => dispatch(method, input) as Promise<MethodOutput<M>>,
    dispatch,
    methods: Object.keys(table) as MethodName[],
  };
}
