/**
 * Webhook building blocks: the Standard Webhooks signature (checked by the standardwebhooks
 * package, an independent verifier), the address classifier and URL guard of the SSRF rules,
 * and the retry backoff's bounds.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { classifyAddress, embeddedIPv4 } from '../../bots/webhook-address.ts';
import { backoffMs } from '../../bots/webhook-delivery.ts';
import { checkWebhookUrl, type Lookup, type WebhookPolicy } from '../../bots/webhook-guard.ts';
import { generateSigningSecret, signDelivery } from '../../bots/webhook-signature.ts';

describe('webhook signatures (Standard Webhooks)', () => {
  it('verify with the standardwebhooks library, and fail for another secret, body, id or timestamp', () => {
    const secret = generateSigningSecret();
    assert.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
    assert.equal(Buffer.from(secret.slice(6), 'base64').length, 32);
    const body = JSON.stringify({ update_id: 7, message: { text: 'héllo' } });
    const now = Math.floor(Date.now() / 1000);
    const headers = signDelivery(secret, '7', now, body);
    assert.equal(headers['webhook-id'], '7');
    assert.match(headers['webhook-signature'], /^v1,[A-Za-z0-9+/]+=*$/);
    assert.deepEqual(new Webhook(secret).verify(body, { ...headers }), JSON.parse(body));
    assert.throws(() => new Webhook(generateSigningSecret()).verify(body, { ...headers }), /signature/i);
    assert.throws(() => new Webhook(secret).verify(body.replace('7', '8'), { ...headers }), /signature/i);
    assert.throws(() => new Webhook(secret).verify(body, { ...headers, 'webhook-id': '8' }), /signature/i);
    assert.throws(() => new Webhook(secret).verify(body, { ...headers, 'webhook-timestamp': String(now + 1) }), /signature/i);
    // A delivery replayed long after it was signed is refused by the receiver's clock check.
    const old = signDelivery(secret, '7', now - 3600, body);
    assert.throws(() => new Webhook(secret).verify(body, { ...old }), /timestamp/i);
  });

  it('match the specification\'s published example', () => {
    // From the Standard Webhooks test vectors (standard-webhooks/standard-webhooks spec).
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const body = '{"test": 2432232314}';
    assert.equal(signDelivery(secret, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, body)['webhook-signature'], 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });
});

describe('the webhook address classifier', () => {
  const cases: Array<[string, string]> = [
    ['8.8.8.8', 'public'], ['1.1.1.1', 'public'], ['2606:4700:4700::1111', 'public'],
    ['127.0.0.1', 'loopback'], ['127.255.0.9', 'loopback'], ['::1', 'loopback'], ['[::1]', 'loopback'],
    ['10.0.0.1', 'private'], ['172.16.5.4', 'private'], ['172.31.255.255', 'private'], ['192.168.1.1', 'private'],
    ['172.32.0.1', 'public'], ['169.254.169.254', 'link-local'], ['fe80::1', 'link-local'],
    ['100.64.0.1', 'cgnat'], ['100.127.255.254', 'cgnat'], ['fc00::1', 'unique-local'], ['fd12:3456::1', 'unique-local'],
    ['224.0.0.1', 'multicast'], ['ff02::1', 'multicast'], ['0.0.0.0', 'unspecified'], ['::', 'unspecified'],
    ['255.255.255.255', 'reserved'], ['240.0.0.1', 'reserved'], ['192.0.2.1', 'reserved'], ['2001:db8::1', 'reserved'],
    // IPv4 inside IPv6 is judged by the IPv4 address.
    ['::ffff:127.0.0.1', 'loopback'], ['::ffff:7f00:1', 'loopback'], ['::ffff:10.0.0.1', 'private'], ['::ffff:a9fe:a9fe', 'link-local'],
    ['::ffff:8.8.8.8', 'public'], ['64:ff9b::10.1.2.3', 'private'], ['2002:c0a8:0101::1', 'private'], ['::127.0.0.1', 'reserved'],
    ['not an address', 'reserved'],
  ];
  for (const [address, expected] of cases) {
    it(`${address} is ${expected}`, () => assert.equal(classifyAddress(address), expected));
  }
  it('finds the IPv4 address in mapped, NAT64 and 6to4 forms only', () => {
    assert.equal(embeddedIPv4('::ffff:1.2.3.4'), '1.2.3.4');
    assert.equal(embeddedIPv4('::ffff:0102:0304'), '1.2.3.4');
    assert.equal(embeddedIPv4('64:ff9b::0102:0304'), '1.2.3.4');
    assert.equal(embeddedIPv4('2002:0102:0304::'), '1.2.3.4');
    assert.equal(embeddedIPv4('2001:db8::1'), undefined);
    assert.equal(embeddedIPv4('::1'), undefined);
  });
});

describe('the webhook URL guard', () => {
  const dns: Record<string, string[]> = { localhost: ['127.0.0.1', '::1'], 'public.example': ['93.184.216.34', '2606:2800:220:1::1'], 'inside.example': ['93.184.216.34', '10.1.2.3'], 'lan.example': ['192.168.7.7'], 'v6lan.example': ['fd00::7'] };
  const lookup: Lookup = async (host) => {
    const found = dns[host];
    if (!found) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    return found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  const none: WebhookPolicy = { allowHosts: [] };
  const refused = (url: string, why: RegExp, policy = none) => assert.rejects(checkWebhookUrl(url, policy, lookup), (err: Error) => err.name === 'WebhookUrlRefused' && why.test(err.message));

  it('takes https to public hosts, and http or https to loopback written literally', async () => {
    assert.equal((await checkWebhookUrl('https://public.example/hook', none, lookup)).hostname, 'public.example');
    for (const url of ['http://127.0.0.1:8443/x', 'http://[::1]:9/x', 'http://localhost:1/x', 'https://127.0.0.2/x', 'http://[::ffff:127.0.0.1]:5/x']) await checkWebhookUrl(url, none, lookup);
  });

  it('refuses http off loopback, non-public addresses, names resolving into the LAN, and odd URLs', async () => {
    await refused('http://public.example/hook', /^An HTTPS URL must be provided for webhook$/);
    await refused('https://10.0.0.1/hook', /IP address 10\.0\.0\.1 is reserved \(private\)/);
    await refused('https://169.254.169.254/latest/meta-data', /169\.254\.169\.254 is reserved \(link-local\)/);
    await refused('https://[::ffff:10.0.0.1]/x', /reserved \(private\)/);
    await refused('https://[fd00::1]/x', /reserved \(unique-local\)/);
    await refused('https://100.100.100.100/x', /reserved \(cgnat\)/);
    await refused('https://inside.example/x', /10\.1\.2\.3 is reserved/, none);
    await refused('https://lan.example/x', /192\.168\.7\.7 is reserved/);
    await refused('https://v6lan.example/x', /fd00::7 is reserved/);
    await refused('https://nowhere.example/x', /Failed to resolve host/);
    await refused('ftp://public.example/x', /unsupported URL protocol/);
    await refused('not a url', /invalid webhook URL/);
    await refused('https://user:pw@public.example/x', /credentials/);
  });

  it('lets the operator\'s allow-listed hosts through with http and private addresses', async () => {
    const policy = { allowHosts: ['lan.example', '10.0.0.9'] };
    await checkWebhookUrl('http://lan.example:8080/hook', policy, lookup);
    await checkWebhookUrl('http://10.0.0.9/hook', policy, lookup);
    await refused('http://10.0.0.8/hook', /HTTPS/, policy);
  });
});

describe('webhook retry backoff', () => {
  it('doubles from half a second, is capped at a minute, and is jittered by up to half', () => {
    assert.equal(backoffMs(1, () => 0), 500);
    assert.equal(backoffMs(2, () => 0), 1000);
    assert.equal(backoffMs(4, () => 0), 4000);
    assert.equal(backoffMs(30, () => 0), 60_000);
    assert.equal(backoffMs(1, () => 1), 250);
    for (let attempt = 1; attempt < 40; attempt++) {
      const wait = backoffMs(attempt);
      assert.ok(wait >= 250 && wait <= 60_000, `${attempt}: ${wait}`);
    }
  });
});
