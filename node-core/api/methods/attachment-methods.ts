import fs from 'node:fs';
import type { AttachmentService } from '../../attachments/attachment-service.ts';
import * as S from '../schemas.ts';
import { bind, rest, type SpecsOf } from './define.ts';

/** Uploads and downloads over HTTP are streams (attachment-routes.ts); these are the JSON forms. */
export const attachmentSpecs = {
  'attachments.upload': { schema: S.uploadAttachment },
  'attachments.get': { schema: S.attachmentRef, rest: rest.get('/api/attachments/:id/info') },
  'attachments.read': { schema: S.attachmentRef },
} as const satisfies SpecsOf<'attachments.upload' | 'attachments.get' | 'attachments.read'>;

export const attachmentMethods = (attachments: AttachmentService) =>
  bind(attachmentSpecs, {
    'attachments.upload': (i) => attachments.upload(i.data, i.name, i.type),
    'attachments.get': (i) => attachments.info(i.id),
    'attachments.read': (i) => {
      const { path: file, row } = attachments.file(i.id);
      return { name: row.name, mime: row.mime, data: new Uint8Array(fs.readFileSync(file)) };
    },
  });
