import fs from 'node:fs';
import type { AfterCommit } from '../delivery/delivery-service.ts';
import type { Repositories } from '../store/store.ts';
import type { BackgroundWork } from './background.ts';
import type { AttachmentContext } from './context.ts';
import type { Downloads } from './download.ts';
import { dropFromRelays } from './relay-chunks.ts';

/**
 * A message's attachments forgotten for good (deleted for everyone, or disappeared): the rows go
 * inside the transaction; after commit, a running download stops, the files (complete, part,
 * upload) are removed, and chunks of an incoming file still waiting at our relays are dropped.
 */
export function purgeAttachments(ctx: AttachmentContext, parts: { downloads: Downloads; background: BackgroundWork }, repos: Repositories, messageId: string, local: string): AfterCommit {
  const rows = repos.attachments.forMessage(messageId);
  if (rows.length === 0) return () => undefined;
  repos.attachments.removeForMessage(messageId);
  return () => {
    for (const row of rows) {
      parts.background.run(
        async () => {
          await parts.downloads.cancel(row.id);
          for (const file of [ctx.files.file(row.id), ctx.files.part(row.id), ctx.files.upload(row.id)]) fs.rmSync(file, { force: true });
          if (row.source) await dropFromRelays(ctx, local, row);
        },
        (err) => ctx.log.warn({ attachment: row.id, err: err.message }, 'could not remove a deleted attachment'),
      );
    }
  };
}
