import fs from 'node:fs';
import type { AttachmentService } from '../../attachments/attachment-service.ts';
import * as S from '../schemas.ts';
import { define, type MethodsOf } from './define.ts';

export const attachmentMethods = (attachments: AttachmentService) =>
  ({
    'attachments.upload': define(S.uploadAttachment, (i) => attachments.upload(i.data, i.name, i.type)),
    'attachments.get': define(S.attachmentRef, (i) => attachments.info(i.id)),
    'attachments.read': define(S.attachmentRef, (i) => {
      const { path: file, row } = attachments.file(i.id);
      return { name: row.name, mime: row.mime, data: new Uint8Array(fs.readFileSync(file)) };
    }),
  }) satisfies MethodsOf<'attachments.upload' | 'attachments.get' | 'attachments.read'>;
