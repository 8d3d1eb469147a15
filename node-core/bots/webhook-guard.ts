import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import { classifyAddress } from './webhook-address.ts';

/**
 * The webhook URL policy (SSRF guard), applied at setWebhook and again on every connection the
 * deliverer opens (the hostname is resolved again then, so a name that later resolves into the
 * LAN — DNS rebinding — is refused at connect time, before any byte is sent):
 *  - https only, except to loopback given literally (127.x.x.x, [::1], localhost): a bot on
 *    the node's own machine may take plain http, as nothing leaves the host.
 *  - every address the name resolves to must be public; a public name that resolves to a
 *    loopback or private address is refused (only the literal forms above reach loopback).
 *  - hosts in `[bots] webhook_allow_hosts` skip both rules: the operator vouches for them
 *    (a bot in the LAN, a reverse proxy on a private address).
 */
export interface WebhookPolicy {
  readonly allowHosts: readonly string[];
}

export type Lookup = (hostname: string) => Promise<LookupAddress[]>;

export const systemLookup: Lookup = (hostname) =>
  new Promise((resolve, reject) => dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))));

/** A refusal, worded as Telegram words its "Bad Request: bad webhook: ..." answers. */
export class WebhookUrlRefused extends Error {
  override readonly name = 'WebhookUrlRefused';
}

const hostOf = (url: URL) => url.hostname.replace(/^\[|\]$/g, '').toLowerCase();

/** How the guard treats a host: allowed by the operator, loopback given literally, or public only. */
export function hostRule(url: URL, policy: WebhookPolicy): 'allowed' | 'loopback' | 'public' {
  const host = hostOf(url);
  if (policy.allowHosts.some((h) => h.toLowerCase() === host)) return 'allowed';
  if (host === 'localhost' || (isIP(host) !== 0 && classifyAddress(host) === 'loopback')) return 'loopback';
  return 'public';
}

/** Refuses one resolved address under the host's rule (the message names it). */
export function addressProblem(address: string, rule: 'allowed' | 'loopback' | 'public'): string | undefined {
  if (rule === 'allowed') return undefined;
  const cls = classifyAddress(address);
  if (rule === 'loopback') return cls === 'loopback' ? undefined : `IP address ${address} is not a loopback address`;
  return cls === 'public' ? undefined : `IP address ${address} is reserved (${cls})`;
}

/** Checks a URL at setWebhook: its shape, then every address it resolves to now. Returns the parsed URL. */
export async function checkWebhookUrl(raw: string, policy: WebhookPolicy, lookup: Lookup = systemLookup): Promise<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookUrlRefused('invalid webhook URL specified');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new WebhookUrlRefused('unsupported URL protocol');
  if (url.username || url.password) throw new WebhookUrlRefused('credentials in the webhook URL are not supported');
  const rule = hostRule(url, policy);
  if (url.protocol === 'http:' && rule === 'public') throw new WebhookUrlRefused('An HTTPS URL must be provided for webhook');
  await resolveChecked(hostOf(url), rule, lookup);
  return url;
}

/** Every address of the host, each passing the rule; throws WebhookUrlRefused otherwise. */
export async function resolveChecked(host: string, rule: 'allowed' | 'loopback' | 'public', lookup: Lookup = systemLookup): Promise<LookupAddress[]> {
  let addresses: LookupAddress[];
  if (isIP(host) !== 0) addresses = [{ address: host, family: isIP(host) }];
  else {
    try {
      addresses = await lookup(host);
    } catch {
      throw new WebhookUrlRefused('Failed to resolve host: Name or service not known');
    }
  }
  if (addresses.length === 0) throw new WebhookUrlRefused('Failed to resolve host: no address');
  for (const { address } of addresses) {
    const problem = addressProblem(address, rule);
    if (problem) throw new WebhookUrlRefused(problem);
  }
  return addresses;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http.request / https.request: resolves with the guard, so the socket connects
 * only to an address that was just checked (no gap between check and connect to rebind in).
 */
export function guardedLookup(rule: 'allowed' | 'loopback' | 'public', lookup: Lookup = systemLookup) {
  return (hostname: string, options: { all?: boolean }, callback: LookupCallback): void => {
    resolveChecked(hostname.replace(/^\[|\]$/g, ''), rule, lookup).then(
      (addresses) => (options.all ? callback(null, addresses) : callback(null, addresses[0]!.address, addresses[0]!.family)),
      (err: unknown) => callback(Object.assign(err as Error, { code: 'EWEBHOOKREFUSED' }) as NodeJS.ErrnoException, ''),
    );
  };
}
