import fs from 'node:fs';
import type { z } from 'zod';
import type { Health, MethodInput, MethodName, MethodOutput, NodeStatus, PeerList } from './contract.ts';
import { knownApiError, UnknownMethodError, ValidationError, validationErrorFromZod } from './errors.ts';
import { NetworkDisabledError } from '../domain/errors.ts';
import { illFormedStringPath } from '../util/unicode.ts';
import * as S from './schemas.ts';
import type { IdentityService } from '../identity/identity-service.ts';
import type { MessagingService } from '../messaging/messaging-service.ts';
import type { AttachmentService } from '../attachments/attachment-service.ts';
import type { NetworkServices } from '../network-services.ts';

interface MethodDefinition<I, O> {
  readonly schema: z.ZodType<I>;
  readonly handle: (input: I) => O | Promise<O>;
}

const define = <Schema extends z.ZodType, O>(
  schema: Schema,
  handle: (input: z.output<Schema>) => O | Promise<O>,
): MethodDefinition<z.output<Schema>, O> => ({ schema: schema as unknown as z.ZodType<z.output<Schema>>, handle });

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- inputs differ per method; define() ties each handler to its schema
type MethodTable = { readonly [M in MethodName]: MethodDefinition<any, MethodOutput<M>> };

export interface NodeInfo {
  health(): Health;
  status(): NodeStatus;
  peers(): PeerList;
}

export interface RouterDeps {
  readonly node: NodeInfo;
  readonly identities: IdentityService;
  readonly messaging: MessagingService;
  readonly attachments: AttachmentService;
  /** Absent when peer-to-peer networking is switched off. */
  readonly network: NetworkServices | undefined;
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

export function createRouter(deps: RouterDeps): Router {
  const { node, identities, messaging, attachments } = deps;
  const net = (): NetworkServices => {
    if (!deps.network) throw new NetworkDisabledError('peer-to-peer networking is switched off on this node (server.p2p_enabled)');
    return deps.network;
  };
  const relayList = () => {
    const connected = new Map(net().relayClient.status().map((s) => [s.peer_id, s.connected]));
    return { relays: net().chosenRelays().map((r) => ({ ...r, connected: connected.get(r.peer_id) ?? false })) };
  };
  const table = {
    'node.health': define(S.empty, () => node.health()),
    'node.status': define(S.empty, () => node.status()),
    'node.peers': define(S.empty, () => node.peers()),
    'identities.list': define(S.empty, () => ({ identities: identities.list() })),
    'identities.get': define(S.identityRef, (i) => identities.get(i.id)),
    'identities.create': define(S.createIdentity, (i) => identities.create(i)),
    'identities.updateProfile': define(S.updateProfile, (i) => identities.updateProfile(i)),
    'identities.setDefault': define(S.identityRef, (i) => identities.setDefault(i.id)),
    'chats.list': define(S.listChats, (i) => messaging.listChats(i)),
    'chats.get': define(S.chatRef, (i) => messaging.getChat(i.chat_id)),
    'chats.create': define(S.createChat, (i) => messaging.createChat(i)),
    'chats.markRead': define(S.chatRef, (i) => messaging.markRead(i.chat_id)),
    'messages.send': define(S.sendMessage, (i) => messaging.send(i)),
    'messages.list': define(S.listMessages, (i) => messaging.list(i)),
    'messages.get': define(S.messageRef, (i) => messaging.get(i.id)),
    'messages.search': define(S.searchMessages, (i) => messaging.search(i)),
    'messages.edit': define(S.editMessage, (i) => messaging.edit(i)),
    'messages.delete': define(S.messageRef, (i) => messaging.delete(i.id)),
    'identities.unlock': define(S.unlockIdentity, (i) => identities.unlockForSession(i.id, i.passphrase)),
    'contacts.invite': define(S.inviteRequest, (i) => net().contacts.invite(i.identity_id)),
    'contacts.add': define(S.addContact, async (i) => {
      const { contact, chat } = await net().contacts.add(i);
      return { contact, chat, chat_id: chat.chat_id };
    }),
    'contacts.list': define(S.empty, () => ({ contacts: net().contacts.list() })),
    'contacts.get': define(S.contactRef, (i) => net().contacts.get(i.identity_key, i.identity_id)),
    'contacts.safetyNumber': define(S.contactRef, (i) => net().contacts.safety(i.identity_key, i.identity_id)),
    'contacts.verify': define(S.verifyContact, (i) => net().contacts.setVerified(i.identity_key, i.verified, i.identity_id)),
    'groups.create': define(S.createGroup, (i) => net().groups.create(i)),
    'groups.list': define(S.empty, () => ({ groups: net().groups.list() })),
    'groups.get': define(S.groupRef, (i) => net().groups.get(i.group_id)),
    'groups.addMembers': define(S.addGroupMembers, (i) => net().groups.addMembers(i.group_id, i.members)),
    'groups.removeMember': define(S.removeGroupMember, (i) => net().groups.removeMember(i.group_id, i.identity_key)),
    'relay.status': define(S.empty, () => net().relay.figures()),
    'relay.setEnabled': define(S.setRelayEnabled, async (i) => {
      await net().relay.setEnabled(i.enabled);
      return net().relay.figures();
    }),
    'relays.list': define(S.empty, () => relayList()),
    'relays.set': define(S.setRelays, async (i) => {
      await net().setChosenRelays(i.relays);
      return relayList();
    }),
    'attachments.upload': define(S.uploadAttachment, (i) => attachments.upload(i.data, i.name, i.type)),
    'attachments.get': define(S.attachmentRef, (i) => attachments.info(i.id)),
    'attachments.read': define(S.attachmentRef, (i) => {
      const { path: file, row } = attachments.file(i.id);
      return { name: row.name, mime: row.mime, data: new Uint8Array(fs.readFileSync(file)) };
    }),
  } satisfies MethodTable;

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
