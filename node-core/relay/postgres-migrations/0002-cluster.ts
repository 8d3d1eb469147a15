import type { PostgresMigration } from '../../store/postgres-pool.ts';

/**
 * What relay replicas sharing one database need beyond the mailbox itself:
 * - the relay-wide byte limit as a budget split into shards. A deposit reserves its bytes in one
 *   shard with a conditional UPDATE (row-locked, so concurrent deposits on any replica cannot
 *   overrun it), and each mail row or chunk remembers its shard, whose bytes its deletion gives
 *   back (statement triggers: one update per shard per statement). Shards keep deposits on many
 *   connections from queueing on one row; the store decides how many to use from the limit.
 * - a notification on channel `dchat_mailbox` for each stored envelope, carrying its recipient,
 *   sent when the deposit commits, so the replica that holds the recipient's connection pushes
 *   at once (LISTEN), whichever replica took the deposit.
 */
const migration: PostgresMigration = {
  version: 2,
  name: 'relay cluster: sharded relay-wide byte budget, mail notifications',
  up: `
    ALTER TABLE mailbox ADD COLUMN budget_shard SMALLINT NOT NULL DEFAULT 0;
    ALTER TABLE mailbox_blobs ADD COLUMN budget_shard SMALLINT NOT NULL DEFAULT 0;
    CREATE TABLE mailbox_budget (
      shard SMALLINT PRIMARY KEY,
      bytes BIGINT NOT NULL DEFAULT 0
    );
    INSERT INTO mailbox_budget (shard, bytes) SELECT s, 0 FROM generate_series(0, 15) AS s;
    UPDATE mailbox_budget SET bytes = (SELECT coalesce(sum(size), 0) FROM mailbox) + (SELECT coalesce(sum(length(data)), 0) FROM mailbox_blobs)
      WHERE shard = 0;
    CREATE FUNCTION mailbox_budget_release_mail() RETURNS TRIGGER LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE mailbox_budget b SET bytes = b.bytes - g.total
        FROM (SELECT budget_shard, sum(size) AS total FROM gone GROUP BY budget_shard) g WHERE b.shard = g.budget_shard;
      RETURN NULL;
    END $$;
    CREATE FUNCTION mailbox_budget_release_blobs() RETURNS TRIGGER LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE mailbox_budget b SET bytes = b.bytes - g.total
        FROM (SELECT budget_shard, sum(length(data)) AS total FROM gone GROUP BY budget_shard) g WHERE b.shard = g.budget_shard;
      RETURN NULL;
    END $$;
    CREATE TRIGGER mailbox_budget_release AFTER DELETE ON mailbox REFERENCING OLD TABLE AS gone
      FOR EACH STATEMENT EXECUTE FUNCTION mailbox_budget_release_mail();
    CREATE TRIGGER mailbox_blobs_budget_release AFTER DELETE ON mailbox_blobs REFERENCING OLD TABLE AS gone
      FOR EACH STATEMENT EXECUTE FUNCTION mailbox_budget_release_blobs();
    CREATE FUNCTION mailbox_announce() RETURNS TRIGGER LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('dchat_mailbox', NEW.recipient);
      RETURN NULL;
    END $$;
    CREATE TRIGGER mailbox_announce AFTER INSERT ON mailbox FOR EACH ROW EXECUTE FUNCTION mailbox_announce();
  `,
};

export default migration;
