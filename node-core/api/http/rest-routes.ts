import type { MethodName } from '../contract.ts';

type Source = 'query' | 'body';

/**
 * The operator-facing REST routes (the deployment guides use these paths), each a thin mapping
 * onto one NodeApi method: where the input comes from, and which path parameters join it.
 * Everything else — validation, errors, behaviour — is the router's, shared with every transport.
 */
export interface RestRoute {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly url: string;
  readonly call: MethodName;
  readonly from?: Source;
  /** HTTP status on success. */
  readonly status?: number;
}

export const REST_ROUTES: readonly RestRoute[] = [
  { method: 'GET', url: '/api/identities', call: 'identities.list', from: 'query' },
  { method: 'POST', url: '/api/identities', call: 'identities.create', from: 'body', status: 201 },
  { method: 'GET', url: '/api/identities/:id', call: 'identities.get' },
  { method: 'PATCH', url: '/api/identities/:id', call: 'identities.updateProfile', from: 'body' },
  { method: 'POST', url: '/api/identities/:id/default', call: 'identities.setDefault' },
  { method: 'GET', url: '/api/chats', call: 'chats.list', from: 'query' },
  { method: 'POST', url: '/api/chats', call: 'chats.create', from: 'body', status: 201 },
  { method: 'GET', url: '/api/chats/:chat_id', call: 'chats.get' },
  { method: 'POST', url: '/api/chats/:chat_id/read', call: 'chats.markRead' },
  { method: 'POST', url: '/api/messages/send', call: 'messages.send', from: 'body', status: 201 },
  { method: 'GET', url: '/api/messages', call: 'messages.list', from: 'query' },
  { method: 'GET', url: '/api/messages/search', call: 'messages.search', from: 'query' },
  { method: 'GET', url: '/api/messages/:id', call: 'messages.get' },
  { method: 'PATCH', url: '/api/messages/:id', call: 'messages.edit', from: 'body' },
  { method: 'DELETE', url: '/api/messages/:id', call: 'messages.delete' },
  { method: 'POST', url: '/api/identities/:id/unlock', call: 'identities.unlock', from: 'body' },
  { method: 'GET', url: '/api/invite', call: 'contacts.invite', from: 'query' },
  { method: 'GET', url: '/api/contacts', call: 'contacts.list', from: 'query' },
  { method: 'POST', url: '/api/contacts', call: 'contacts.add', from: 'body', status: 201 },
  { method: 'GET', url: '/api/contacts/:identity_key', call: 'contacts.get', from: 'query' },
  { method: 'GET', url: '/api/contacts/:identity_key/safety-number', call: 'contacts.safetyNumber', from: 'query' },
  { method: 'POST', url: '/api/contacts/:identity_key/verify', call: 'contacts.verify', from: 'body' },
  { method: 'GET', url: '/api/groups', call: 'groups.list', from: 'query' },
  { method: 'POST', url: '/api/groups', call: 'groups.create', from: 'body', status: 201 },
  { method: 'GET', url: '/api/groups/:group_id', call: 'groups.get' },
  { method: 'POST', url: '/api/groups/:group_id/members', call: 'groups.addMembers', from: 'body' },
  { method: 'DELETE', url: '/api/groups/:group_id/members/:identity_key', call: 'groups.removeMember' },
  { method: 'GET', url: '/api/relay', call: 'relay.status' },
  { method: 'PUT', url: '/api/relay', call: 'relay.setEnabled', from: 'body' },
  { method: 'GET', url: '/api/relays', call: 'relays.list' },
  { method: 'PUT', url: '/api/relays', call: 'relays.set', from: 'body' },
  { method: 'GET', url: '/api/attachments/:id/info', call: 'attachments.get' },
];

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Builds a method's input from a request. Path parameters win over body fields of the same name.
 * A body that is not a JSON object is passed through untouched so validation names the problem.
 */
export function restInput(route: RestRoute, params: unknown, query: unknown, body: unknown): unknown {
  const source = route.from === 'body' ? body : route.from === 'query' ? query : undefined;
  const pathParams = isPlainObject(params) ? params : {};
  if (source === undefined || source === null) return { ...pathParams };
  if (!isPlainObject(source)) return source;
  return { ...source, ...pathParams };
}
