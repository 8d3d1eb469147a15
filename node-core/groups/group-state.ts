import { z } from 'zod';
import { defineStatement } from '../crypto/statements.ts';
import { decodeCbor, encodeCbor, type FrameDecodeError } from '../p2p/codec.ts';
import type { RelayRef } from '../wire/identity-record.ts';

/**
 * A group's membership, signed by its admin. Members learn each other's routes from it (the admin
 * vouches for them), and a higher version replaces a lower one, so a removal cannot be undone by
 * replaying an older state.
 */

export interface GroupMember {
  readonly identity_key: string;
  readonly username: string;
  readonly display_name: string;
  readonly peer_id: string | null;
  readonly addresses: readonly string[];
  readonly relays: readonly RelayRef[];
}

export interface GroupState {
  readonly id: string;
  readonly title: string;
  readonly admin: string;
  readonly members: readonly GroupMember[];
  readonly version: number;
  readonly at: number;
}

export class GroupStateError extends Error {
  override readonly name = 'GroupStateError';
}

const hex = (n: number) => z.string().regex(new RegExp(`^[0-9a-f]{${n}}$`));
const wire = z.tuple([
  z.literal(1),
  hex(32),
  z.string().min(1).max(100),
  hex(64),
  z
    .array(
      z.tuple([
        hex(64),
        z.string().max(32),
        z.string().max(64),
        z.string().max(128).nullable(),
        z.array(z.string().max(512)).max(16),
        z.array(z.tuple([z.string().max(128), z.array(z.string().max(512)).max(8)])).max(8),
      ]),
    )
    .min(1)
    .max(256),
  z.number().int().positive(),
  z.number().int().nonnegative(),
  z.custom<Uint8Array>((v) => v instanceof Uint8Array && v.length === 64, 'signature must be 64 bytes'),
]);

const tuple = (s: GroupState) => [
  1,
  s.id,
  s.title,
  s.admin,
  s.members.map((m) => [m.identity_key, m.username, m.display_name, m.peer_id, [...m.addresses], m.relays.map((r) => [r.peer_id, [...r.addresses]])]),
  s.version,
  s.at,
];

/** The admin's statement: this is the group's membership at this version. */
export const groupStateStatement = defineStatement<GroupState>('dchat/group-state/v1', (state) => encodeCbor(tuple(state)));

export function encodeGroupState(state: GroupState, adminSecret: Uint8Array): Uint8Array {
  return encodeCbor([...tuple(state), groupStateStatement.sign(adminSecret, state)]);
}

/** Parses and checks the admin's signature. */
export function decodeGroupState(bytes: Uint8Array): GroupState {
  let decoded: unknown;
  try {
    decoded = decodeCbor(bytes);
  } catch (err) {
    throw new GroupStateError((err as FrameDecodeError).message);
  }
  const parsed = wire.safeParse(decoded);
  if (!parsed.success) throw new GroupStateError(`malformed group state: ${parsed.error.issues[0]?.message ?? ''}`);
  const [, id, title, admin, members, version, at, sig] = parsed.data;
  const state: GroupState = {
    id,
    title,
    admin,
    version,
    at,
    members: members.map(([identity_key, username, display_name, peer_id, addresses, relays]) => ({
      identity_key,
      username,
      display_name,
      peer_id,
      addresses,
      relays: relays.map(([peer, addrs]) => ({ peer_id: peer, addresses: addrs })),
    })),
  };
  if (!groupStateStatement.verify(Buffer.from(admin, 'hex'), state, sig)) {
    throw new GroupStateError('the group state is not signed by its admin');
  }
  if (!state.members.some((m) => m.identity_key === admin)) throw new GroupStateError('the admin is not a member');
  return state;
}
