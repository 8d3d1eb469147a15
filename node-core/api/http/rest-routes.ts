import type { RestRoute } from '../methods/define.ts';

export type { RestRoute } from '../methods/define.ts';
export { REST_ROUTES } from '../methods/api-specs.ts';

/*
 * The REST routes are declared by each capability beside its methods (api/methods/*-methods.ts:
 * a spec's `rest`); each is a thin mapping onto one router method: where the input comes from,
 * and which path parameters join it. Validation, errors and behaviour are the router's, shared
 * with every transport.
 */

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
