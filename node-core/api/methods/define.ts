import type { z } from 'zod';
import type { MethodName, MethodOutput } from '../contract.ts';

/** One API method: the schema its input must pass, and what runs with the parsed input. */
export interface MethodDefinition<I, O> {
  readonly schema: z.ZodType<I>;
  readonly handle: (input: I) => O | Promise<O>;
}

export const define = <Schema extends z.ZodType, O>(
  schema: Schema,
  handle: (input: z.output<Schema>) => O | Promise<O>,
): MethodDefinition<z.output<Schema>, O> => ({ schema: schema as unknown as z.ZodType<z.output<Schema>>, handle });

/** The methods of one capability, each typed against the contract's output for its name. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- inputs differ per method; define() ties each handler to its schema
export type MethodsOf<K extends MethodName> = { readonly [M in K]: MethodDefinition<any, MethodOutput<M>> };

/** Every method of the contract: what the router serves. */
export type MethodTable = MethodsOf<MethodName>;

/**
 * Joins the capabilities' tables into the router's. A name defined twice is a mistake in the
 * composition, found at start rather than by whichever table happened to win.
 */
export function joinTables(parts: ReadonlyArray<Partial<MethodTable>>): Partial<MethodTable> {
  const joined: Record<string, unknown> = {};
  for (const part of parts) {
    for (const [name, definition] of Object.entries(part)) {
      if (Object.hasOwn(joined, name)) throw new Error(`the API method ${name} is defined twice`);
      joined[name] = definition;
    }
  }
  return joined as Partial<MethodTable>;
}
