import type { IncomingMessage } from 'node:http';
import { Busboy, type BusboyInstance } from '@fastify/busboy';
import { badRequest, tooLarge, type BotRefusal } from '../../bots/bot-errors.ts';

/** A file part of a multipart request, as the Bot API schemas take it. */
export interface UploadedPart {
  readonly kind: 'upload';
  readonly name: string;
  readonly mime: string;
  readonly data: Uint8Array;
}

export interface MultipartLimits {
  /** The largest file a bot may send (the node's `messages.max_size_mb`). */
  readonly fileBytes: number;
}


/**
 * A multipart/form-data Bot API request as one parameter object. Libraries send files two ways:
 * grammY names each file part at random and puts `attach://<name>` in the parameter (as Telegram
 * documents), telegraf sends the file as the parameter itself; both come out as `{document: file}`.
 * Other fields stay strings, for the schemas to read as they read a form. Limits keep a request
 * from costing more memory than the file it may carry.
 */
export function parseBotMultipart(req: IncomingMessage, limits: MultipartLimits): Promise<Record<string, string | UploadedPart>> {
  return new Promise((resolve, reject) => {
    let parser: BusboyInstance;
    try {
      parser = new Busboy({
        headers: req.headers as { 'content-type': string },
        limits: { files: 10, fields: 100, fieldSize: 64 * 1024, fileSize: limits.fileBytes, parts: 110, headerPairs: 20 },
      });
    } catch {
      reject(badRequest('multipart request without a boundary'));
      return;
    }
    const fields: Record<string, string> = {};
    const files = new Map<string, UploadedPart>();
    let failure: BotRefusal | undefined;
    const fail = (err: BotRefusal) => {
      failure ??= err;
      req.unpipe(parser);
      req.resume();
      reject(failure);
    };
    parser.on('field', (name, value, _nameTruncated, valueTruncated) => {
      if (valueTruncated) fail(badRequest(`parameter ${name} is too long`));
      else fields[name] = value;
    });
    parser.on('file', (name, stream, filename, _encoding, mime) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => fail(tooLarge()));
      stream.on('end', () => {
        if (stream.truncated) return;
        files.set(name, { kind: 'upload', name: filename || name, mime: mime || 'application/octet-stream', data: new Uint8Array(Buffer.concat(chunks)) });
      });
    });
    for (const event of ['partsLimit', 'filesLimit', 'fieldsLimit'] as const) parser.on(event, () => fail(badRequest('too many parts in the multipart request')));
    parser.on('error', () => fail(badRequest('malformed multipart request')));
    parser.on('finish', () => {
      if (failure) return;
      const params: Record<string, string | UploadedPart> = { ...fields };
      for (const [name, value] of Object.entries(fields)) {
        const attached = value.startsWith('attach://') ? files.get(value.slice('attach://'.length)) : undefined;
        if (attached) params[name] = attached;
      }
      for (const [name, file] of files) if (!(name in params)) params[name] = file;
      resolve(params);
    });
    req.pipe(parser);
  });
}
