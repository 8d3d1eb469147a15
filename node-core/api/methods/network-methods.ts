import { NetworkDisabledError } from '../../domain/errors.ts';
import type { NetworkServices } from '../../network-services.ts';
import * as S from '../schemas.ts';
import { bind, rest, type SpecsOf } from './define.ts';

export const contactSpecs = {
  'contacts.invite': { schema: S.inviteRequest, rest: rest.get('/api/invite', 'query') },
  'contacts.list': { schema: S.empty, rest: rest.get('/api/contacts', 'query') },
  'contacts.add': { schema: S.addContact, rest: rest.post('/api/contacts', 'body', 201) },
  'contacts.get': { schema: S.contactRef, rest: rest.get('/api/contacts/:identity_key', 'query') },
  'contacts.safetyNumber': { schema: S.contactRef, rest: rest.get('/api/contacts/:identity_key/safety-number', 'query') },
  'contacts.verify': { schema: S.verifyContact, rest: rest.post('/api/contacts/:identity_key/verify', 'body') },
} as const satisfies SpecsOf<'contacts.invite' | 'contacts.add' | 'contacts.list' | 'contacts.get' | 'contacts.safetyNumber' | 'contacts.verify'>;

export const groupSpecs = {
  'groups.list': { schema: S.empty, rest: rest.get('/api/groups', 'query') },
  'groups.create': { schema: S.createGroup, rest: rest.post('/api/groups', 'body', 201) },
  'groups.get': { schema: S.groupRef, rest: rest.get('/api/groups/:group_id') },
  'groups.addMembers': { schema: S.addGroupMembers, rest: rest.post('/api/groups/:group_id/members', 'body') },
  'groups.removeMember': { schema: S.removeGroupMember, rest: rest.delete('/api/groups/:group_id/members/:identity_key') },
  'groups.rename': { schema: S.renameGroup, rest: rest.patch('/api/groups/:group_id', 'body') },
  'groups.leave': { schema: S.groupRef, rest: rest.post('/api/groups/:group_id/leave') },
} as const satisfies SpecsOf<'groups.create' | 'groups.list' | 'groups.get' | 'groups.addMembers' | 'groups.removeMember' | 'groups.rename' | 'groups.leave'>;

export const relaySpecs = {
  'relay.status': { schema: S.empty, rest: rest.get('/api/relay') },
  'relay.setEnabled': { schema: S.setRelayEnabled, rest: rest.put('/api/relay', 'body') },
  'relays.list': { schema: S.empty, rest: rest.get('/api/relays') },
  'relays.set': { schema: S.setRelays, rest: rest.put('/api/relays', 'body') },
} as const satisfies SpecsOf<'relay.status' | 'relay.setEnabled' | 'relays.list' | 'relays.set'>;

export const keyboardSpecs = {
  'messages.pressButton': { schema: S.pressButton, rest: rest.post('/api/messages/:id/press', 'body') },
} as const satisfies SpecsOf<'messages.pressButton'>;

/** The networked capabilities; each says "networking is off" when the node runs without it. */
export const networkMethods = (network: NetworkServices | undefined) => {
  const net = (): NetworkServices => {
    if (!network) throw new NetworkDisabledError('peer-to-peer networking is switched off on this node (server.p2p_enabled)');
    return network;
  };
  return { ...contactMethods(net), ...groupMethods(net), ...relayMethods(net), ...bind(keyboardSpecs, { 'messages.pressButton': (i) => net().keyboards.press(i.id, i.data) }) };
};

const contactMethods = (net: () => NetworkServices) =>
  bind(contactSpecs, {
    'contacts.invite': (i) => net().contacts.invite(i.identity_id),
    'contacts.add': async (i) => {
      const { contact, chat } = await net().contacts.add(i);
      return { contact, chat, chat_id: chat.chat_id };
    },
    'contacts.list': () => ({ contacts: net().contacts.list() }),
    'contacts.get': (i) => net().contacts.get(i.identity_key, i.identity_id),
    'contacts.safetyNumber': (i) => net().contacts.safety(i.identity_key, i.identity_id),
    'contacts.verify': (i) => net().contacts.setVerified(i.identity_key, i.verified, i.identity_id),
  });

const groupMethods = (net: () => NetworkServices) =>
  bind(groupSpecs, {
    'groups.create': (i) => net().groups.create(i),
    'groups.list': () => ({ groups: net().groups.list() }),
    'groups.get': (i) => net().groups.get(i.group_id),
    'groups.addMembers': (i) => net().groups.addMembers(i.group_id, i.members),
    'groups.removeMember': (i) => net().groups.removeMember(i.group_id, i.identity_key),
    'groups.rename': (i) => net().groups.rename(i.group_id, i.title),
    'groups.leave': (i) => net().groups.leave(i.group_id),
  });

const relayMethods = (net: () => NetworkServices) => {
  const relayList = () => {
    const connected = new Map(net().relayClient.status().map((s) => [s.peer_id, s.connected]));
    return { relays: net().chosenRelays().map((r) => ({ ...r, connected: connected.get(r.peer_id) ?? false })) };
  };
  return bind(relaySpecs, {
    'relay.status': () => net().relay.figures(),
    'relay.setEnabled': async (i) => {
      await net().relay.setEnabled(i.enabled);
      return net().relay.figures();
    },
    'relays.list': () => relayList(),
    'relays.set': async (i) => {
      await net().setChosenRelays(i.relays);
      return relayList();
    },
  });
};
