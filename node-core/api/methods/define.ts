import type { z } from 'zod';
import type { MethodName, MethodOutput } from '../contract.ts';

/**
 * Where a method also answers as an operator-facing REST route (the deployment guides use these
 * paths): the input comes from the query or the body, path parameters join it.
 */
export interface RestMapping {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly url: string;
  readonly from?: 'query' | 'body';
  /** HTTP status on success (200 when absent). */
  readonly status?: number;
}

/**
 * What a method is before anything runs it: the schema its input must pass and its REST route.
 * Static, so the HTTP server can lay out its routes before the services exist (it answers
 * liveness probes while migrations run); the handlers are bound when the node is composed.
 */
export interface MethodSpec<Schema extends z.ZodType = z.ZodType> {
  readonly schema: Schema;
  readonly rest?: RestMapping;
}

/** A capability's specs, one per method name it provides. */
export type SpecsOf<K extends MethodName> = { readonly [M in K]: MethodSpec };

/** One API method: its spec, and what runs with the parsed input. */
export interface MethodDefinition<I, O> extends MethodSpec<z.ZodType<I>> {
  readonly handle: (input: I) => O | Promise<O>;
}

type SpecNames<T> = keyof T & MethodName;

/** The handler each spec needs: its schema's output in, the contract's output for the name out. */
export type HandlersOf<T extends Partial<Record<MethodName, MethodSpec>>> = {
  readonly [M in SpecNames<T>]: (input: z.output<NonNullable<T[M]>['schema']>) => MethodOutput<M> | Promise<MethodOutput<M>>;
};

/** The methods of one capability, each typed against the contract's output for its name. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- inputs differ per method; bind() ties each handler to its schema
export type MethodsOf<K extends MethodName> = { readonly [M in K]: MethodDefinition<any, MethodOutput<M>> };

/** Every method of the contract: what the router serves. */
export type MethodTable = MethodsOf<MethodName>;

/** A REST route as the HTTP server needs it: the mapping and the method it calls. */
export interface RestRoute extends RestMapping {
  readonly call: MethodName;
}

/** A capability's specs with their handlers: the part of the router's table it provides. */
export function bind<T extends Partial<Record<MethodName, MethodSpec>>>(specs: T, handlers: HandlersOf<T>): MethodsOf<SpecNames<T>> {
  const table: Record<string, unknown> = {};
  for (const name of Object.keys(specs) as Array<SpecNames<T>>) {
    table[name] = { ...specs[name], handle: handlers[name] };
  }
  return table as MethodsOf<SpecNames<T>>;
}

/**
 * Joins the capabilities' tables (or specs) into one. A name defined twice is a mistake in the
 * composition, found at start rather than by whichever table happened to win.
 */
export function joinTables<T>(parts: ReadonlyArray<Partial<Record<MethodName, T>>>): Partial<Record<MethodName, T>> {
  const joined: Record<string, T> = {};
  for (const part of parts) {
    for (const [name, definition] of Object.entries(part) as Array<[string, T]>) {
      if (Object.hasOwn(joined, name)) throw new Error(`the API method ${name} is defined twice`);
      joined[name] = definition;
    }
  }
  return joined as Partial<Record<MethodName, T>>;
}

/**
 * The REST routes the specs carry, each path and verb once (two methods on one route is a
 * mistake found at start, like a name defined twice).
 */
export function restRoutes(specs: Partial<Record<MethodName, MethodSpec>>): RestRoute[] {
  const routes: RestRoute[] = [];
  const seen = new Map<string, MethodName>();
  for (const [call, spec] of Object.entries(specs) as Array<[MethodName, MethodSpec]>) {
    if (!spec.rest) continue;
    const key = `${spec.rest.method} ${spec.rest.url}`;
    const other = seen.get(key);
    if (other) throw new Error(`the REST route ${key} is given to both ${other} and ${call}`);
    seen.set(key, call);
    routes.push({ ...spec.rest, call });
  }
  return routes;
}

/** REST mappings, spelled as the routes read: `get('/api/chats', 'query')`. */
const verb =
  (method: RestMapping['method']) =>
  (url: string, from?: RestMapping['from'], status?: number): RestMapping => ({ method, url, ...(from ? { from } : {}), ...(status ? { status } : {}) });
export const rest = { get: verb('GET'), post: verb('POST'), put: verb('PUT'), patch: verb('PATCH'), delete: verb('DELETE') };
