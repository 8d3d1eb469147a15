import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { addressProblem, guardedLookup } from './webhook-guard.ts';

/** How long one delivery may take before it counts as failed (Telegram's words: "Read timeout expired"). */
export const DELIVERY_TIMEOUT_MS = 10_000;

export interface PostTarget {
  readonly url: URL;
  readonly rule: 'allowed' | 'loopback' | 'public';
  readonly agent: http.Agent;
}

/** Keep-alive sockets to one webhook, at most `maxConnections` at once. */
export const agentFor = (url: URL, maxConnections: number): http.Agent =>
  new (url.protocol === 'https:' ? https.Agent : http.Agent)({ keepAlive: true, maxSockets: maxConnections });

/**
 * One POST with node:http rather than fetch: its `lookup` option lets the SSRF guard check the
 * very addresses the socket then connects to, and redirects are never followed (a 3xx is a
 * failed delivery, so a redirect cannot lead the node into the LAN). Resolves with the status.
 */
export function postJson(target: PostTarget, headers: Record<string, string>, body: string, signal: AbortSignal): Promise<number> {
  const client = target.url.protocol === 'https:' ? https : http;
  // An address written in the URL is never looked up, so it is checked here (the allow-list may
  // have changed since setWebhook).
  const literal = target.url.hostname.replace(/^\[|\]$/g, '');
  const problem = isIP(literal) !== 0 ? addressProblem(literal, target.rule) : undefined;
  if (problem) return Promise.reject(Object.assign(new Error(problem), { code: 'EWEBHOOKREFUSED' }));
  return new Promise((resolve, reject) => {
    const req = client.request(
      target.url,
      {
        method: 'POST',
        agent: target.agent,
        lookup: guardedLookup(target.rule),
        signal,
        headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
      },
      (res) => {
        resolve(res.statusCode ?? 0);
        // Drained, so the keep-alive socket serves the next delivery.
        res.resume();
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A failed delivery as getWebhookInfo's last_error_message says it. */
export function describeFailure(err: unknown, status?: number): string {
  if (status !== undefined) return `Wrong response from the webhook: ${status} ${http.STATUS_CODES[status] ?? ''}`.trimEnd();
  const e = err as NodeJS.ErrnoException;
  if (e.name === 'AbortError' || e.name === 'TimeoutError') return 'Read timeout expired';
  if (e.code === 'EWEBHOOKREFUSED') return `bad webhook: ${e.message}`;
  if (e.code === 'ECONNREFUSED') return 'Connection refused';
  if (e.code === 'ECONNRESET') return 'Connection reset by peer';
  if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') return 'Failed to resolve host';
  return e.message || 'Delivery failed';
}
