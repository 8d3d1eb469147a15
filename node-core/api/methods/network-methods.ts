import { NetworkDisabledError } from '../../domain/errors.ts';
import type { NetworkServices } from '../../network-services.ts';
import * as S from '../schemas.ts';
import { define, type MethodsOf } from './define.ts';

/** The networked capabilities; each says "networking is off" when the node runs without it. */
export const networkMethods = (network: NetworkServices | undefined) => {
  const net = (): NetworkServices => {
    if (!network) throw new NetworkDisabledError('peer-to-peer networking is switched off on this node (server.p2p_enabled)');
    return network;
  };
  return { ...contactMethods(net), ...groupMethods(net), ...relayMethods(net) };
};

const contactMethods = (net: () => NetworkServices) =>
  ({
    'contacts.invite': define(S.inviteRequest, (i) => net().contacts.invite(i.identity_id)),
    'contacts.add': define(S.addContact, async (i) => {
      const { contact, chat } = await net().contacts.add(i);
      return { contact, chat, chat_id: chat.chat_id };
    }),
    'contacts.list': define(S.empty, () => ({ contacts: net().contacts.list() })),
    'contacts.get': define(S.contactRef, (i) => net().contacts.get(i.identity_key, i.identity_id)),
    'contacts.safetyNumber': define(S.contactRef, (i) => net().contacts.safety(i.identity_key, i.identity_id)),
    'contacts.verify': define(S.verifyContact, (i) => net().contacts.setVerified(i.identity_key, i.verified, i.identity_id)),
  }) satisfies MethodsOf<'contacts.invite' | 'contacts.add' | 'contacts.list' | 'contacts.get' | 'contacts.safetyNumber' | 'contacts.verify'>;

const groupMethods = (net: () => NetworkServices) =>
  ({
    'groups.create': define(S.createGroup, (i) => net().groups.create(i)),
    'groups.list': define(S.empty, () => ({ groups: net().groups.list() })),
    'groups.get': define(S.groupRef, (i) => net().groups.get(i.group_id)),
    'groups.addMembers': define(S.addGroupMembers, (i) => net().groups.addMembers(i.group_id, i.members)),
    'groups.removeMember': define(S.removeGroupMember, (i) => net().groups.removeMember(i.group_id, i.identity_key)),
  }) satisfies MethodsOf<'groups.create' | 'groups.list' | 'groups.get' | 'groups.addMembers' | 'groups.removeMember'>;

const relayMethods = (net: () => NetworkServices) => {
  const relayList = () => {
    const connected = new Map(net().relayClient.status().map((s) => [s.peer_id, s.connected]));
    return { relays: net().chosenRelays().map((r) => ({ ...r, connected: connected.get(r.peer_id) ?? false })) };
  };
  return {
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
  } satisfies MethodsOf<'relay.status' | 'relay.setEnabled' | 'relays.list' | 'relays.set'>;
};
