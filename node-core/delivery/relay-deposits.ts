import type { Database, Statement } from 'better-sqlite3';
import type { RepositoryDefinition } from '../store/store.ts';

/** One envelope of ours that a relay took for a recipient. */
export interface RelayDeposit {
  readonly message_id: string;
  readonly local_identity: string;
  readonly relay: string;
  readonly relay_addresses: readonly string[];
  readonly envelope_id: Uint8Array;
  readonly at: number;
}

export interface RelayDepositRepository {
  add(deposit: RelayDeposit): void;
  forMessage(messageId: string): RelayDeposit[];
  forget(messageId: string, relay: string): void;
  forgetBefore(before: number): number;
}

interface Row extends Omit<RelayDeposit, 'relay_addresses'> {
  readonly relay_addresses: string;
}

function open(db: Database): RelayDepositRepository {
  const add = db.prepare(
    `INSERT OR IGNORE INTO relay_deposits (message_id, local_identity, relay, relay_addresses, envelope_id, at)
     VALUES (@message_id, @local_identity, @relay, @relay_addresses, @envelope_id, @at)`,
  );
  const forMessage = db.prepare('SELECT * FROM relay_deposits WHERE message_id = ?') as Statement<[string], Row>;
  const forget = db.prepare('DELETE FROM relay_deposits WHERE message_id = ? AND relay = ?');
  const forgetBefore = db.prepare('DELETE FROM relay_deposits WHERE at < ?');
  return {
    add: (deposit) => void add.run({ ...deposit, relay_addresses: JSON.stringify(deposit.relay_addresses) }),
    forMessage: (messageId) => forMessage.all(messageId).map((row) => ({ ...row, relay_addresses: JSON.parse(row.relay_addresses) as string[] })),
    forget: (messageId, relay) => void forget.run(messageId, relay),
    forgetBefore: (before) => forgetBefore.run(before).changes,
  };
}

/** Delivery's own repository, registered with the store (Store.register). */
export const RELAY_DEPOSITS: RepositoryDefinition<RelayDepositRepository> = { name: 'relay-deposits', open };
