import type { Migration } from '../migrator.ts';

/**
 * Serving a chunk looks it up by hash. Scanning every sent attachment's hash list did not scale
 * (sent attachments stay servable, so the list only grows): an index of chunk hashes replaces it.
 */
const migration: Migration = {
  version: 5,
  name: 'index of the chunks of sent attachments',
  up: `
    CREATE TABLE attachment_chunks (
      hash BLOB NOT NULL,
      attachment_id TEXT NOT NULL REFERENCES attachments (id) ON DELETE CASCADE,
      idx INTEGER NOT NULL,
      PRIMARY KEY (hash, attachment_id)
    ) STRICT, WITHOUT ROWID;

    -- The attachments already sent, each hash list cut into its 32-byte hashes.
    WITH RECURSIVE chunk (attachment_id, idx) AS (
      SELECT id, 0 FROM attachments WHERE state = 'ready' AND length(chunk_hashes) >= 32
      UNION ALL
      SELECT chunk.attachment_id, chunk.idx + 1 FROM chunk JOIN attachments a ON a.id = chunk.attachment_id
      WHERE (chunk.idx + 2) * 32 <= length(a.chunk_hashes)
    )
    INSERT OR IGNORE INTO attachment_chunks (hash, attachment_id, idx)
    SELECT substr(a.chunk_hashes, chunk.idx * 32 + 1, 32), chunk.attachment_id, chunk.idx FROM chunk JOIN attachments a ON a.id = chunk.attachment_id;
  `,
};

export default migration;
