import fs from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { UnsupportedMediaTypeError } from '../errors.ts';
import { downloadHeaders } from './attachment-download.ts';
import type { HttpContext } from './http-context.ts';

/** Attachments move as raw bytes over HTTP (JSON would inflate them by a third). */
export function registerAttachmentRoutes(app: FastifyInstance, ctx: HttpContext): void {
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.post('/api/attachments', async (req, reply) => {
    if (!Buffer.isBuffer(req.body)) throw new UnsupportedMediaTypeError('send the file as application/octet-stream, with ?name= (and ?type=)');
    const query = req.query as Record<string, unknown>;
    const result = await ctx.requireRouter().dispatch('attachments.upload', {
      name: query.name,
      type: query.type ?? 'application/octet-stream',
      data: new Uint8Array(req.body),
    });
    return reply.status(201).send(result);
  });
  app.get('/api/attachments/:id', async (req, reply) => {
    const { id } = req.params as { id: string };
    // Through the router first: the same checks (and NotFound) as every other transport.
    await ctx.requireRouter().call('attachments.get', { id });
    const { path: file, row } = ctx.init.attachmentFile(id);
    return reply.headers(downloadHeaders(row)).send(fs.createReadStream(file));
  });
}
