import type { PostgresMigration } from '../../store/postgres-pool.ts';

/**
 * A deposit as one call: the steps the store ran as a transaction of seven statements (lock the
 * recipient, read its usage, insert, reserve the relay-wide budget, count), in the same order and
 * with the same locks, inside one function, so a deposit costs one round trip and one commit.
 * Each statement of a volatile function reads what was committed when it starts, so the usage is
 * read after the recipient's lock is held, as before. A deposit the budget cannot pay for raises
 * DC001, which undoes the insert with the rest of the statement.
 */
const migration: PostgresMigration = {
  version: 3,
  name: 'relay deposit in one call',
  up: `
    CREATE FUNCTION mailbox_deposit(
      p_recipient TEXT, p_id BYTEA, p_envelope BYTEA, p_size INTEGER, p_stored_at BIGINT, p_expires_at BIGINT,
      p_max_messages BIGINT, p_max_bytes BIGINT, p_shards INTEGER, p_share BIGINT, p_preferred INTEGER, p_counter_shard SMALLINT
    ) RETURNS TEXT LANGUAGE plpgsql AS $$
    DECLARE
      used_messages BIGINT;
      used_bytes BIGINT;
      got SMALLINT;
      tries INTEGER := 0;
    BEGIN
      PERFORM 1 FROM mailbox_recipients WHERE identity_key = p_recipient FOR NO KEY UPDATE;
      IF NOT FOUND THEN RETURN 'unknown-recipient'; END IF;
      SELECT coalesce(max(messages), 0), coalesce(max(bytes), 0) INTO used_messages, used_bytes FROM mailbox_usage WHERE recipient = p_recipient;
      IF used_messages >= p_max_messages OR used_bytes + p_size > p_max_bytes THEN
        INSERT INTO relay_counters AS c (name, shard, value) VALUES ('rejected_quota', p_counter_shard, 1)
          ON CONFLICT (name, shard) DO UPDATE SET value = c.value + 1;
        RETURN 'quota';
      END IF;
      INSERT INTO mailbox (recipient, envelope_id, envelope, size, stored_at, expires_at, budget_shard)
        VALUES (p_recipient, p_id, p_envelope, p_size, p_stored_at, p_expires_at, p_preferred)
        ON CONFLICT (recipient, envelope_id) DO NOTHING;
      IF NOT FOUND THEN RETURN 'duplicate'; END IF;
      UPDATE mailbox_budget SET bytes = bytes + p_size WHERE shard =
        (SELECT shard FROM mailbox_budget WHERE shard < p_shards AND bytes + p_size <= p_share ORDER BY shard = p_preferred DESC, bytes LIMIT 1 FOR UPDATE SKIP LOCKED)
        RETURNING shard INTO got;
      WHILE got IS NULL AND tries <= p_shards LOOP
        UPDATE mailbox_budget SET bytes = bytes + p_size WHERE shard =
          (SELECT shard FROM mailbox_budget WHERE shard < p_shards AND bytes + p_size <= p_share ORDER BY shard = p_preferred DESC, bytes LIMIT 1 FOR UPDATE)
          RETURNING shard INTO got;
        EXIT WHEN got IS NOT NULL;
        PERFORM 1 FROM mailbox_budget WHERE shard < p_shards AND bytes + p_size <= p_share;
        EXIT WHEN NOT FOUND;
        tries := tries + 1;
      END LOOP;
      IF got IS NULL THEN RAISE EXCEPTION 'the relay-wide byte limit is reached' USING ERRCODE = 'DC001'; END IF;
      IF got <> p_preferred THEN
        UPDATE mailbox SET budget_shard = got WHERE recipient = p_recipient AND envelope_id = p_id;
      END IF;
      INSERT INTO relay_counters AS c (name, shard, value) VALUES ('stored', p_counter_shard, 1)
        ON CONFLICT (name, shard) DO UPDATE SET value = c.value + 1;
      RETURN 'stored';
    END $$;
  `,
};

export default migration;
