import type { MethodName } from '../contract.ts';

type Source = 'query' | 'body';

/**
 * The operator-facing REST routes (the deployment guides use these paths), each a thin mapping
 * onto one NodeApi method: where the input comes from, and which path parameters join it.
 * Everything else — validation, errors, behaviour — is the router's, shared with every transport.
 */
export interface RestRoute {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
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
