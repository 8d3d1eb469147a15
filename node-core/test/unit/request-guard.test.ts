import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ambiguousTarget, hostAllowed, originAllowed } from '../../api/http/request-guard.ts';
import { safeContentType, safeFileName } from '../../util/file-names.ts';
import { relayAddressProblem } from '../../util/relay-address.ts';
import { illFormedStringPath } from '../../util/unicode.ts';

describe('request targets', () => {
  it('accepts plain and unambiguously encoded paths', () => {
    for (const url of ['/', '/api/identities', '/api/chats/caf%C3%A9', '/%61pi/identities?x=%2F', '/api/messages?chat_id=a%20b']) {
      assert.equal(ambiguousTarget(url), undefined, url);
    }
  });
  it('refuses encodings that change structure, fragments, dot segments and bad UTF-8', () => {
    for (const url of ['/api%2Fidentities', '/api%2fx', '/%2561pi', '/api/%2e%2e/x', '/api/../x', '/api/./x', '/status#x', '//api', '/api\\x', '/api/%00', '/api/%C3', '/api/%0a', 'api/x', '*']) {
      assert.ok(ambiguousTarget(url), url);
    }
  });
});

describe('Host and Origin', () => {
  it('allows IP literals, loopback names and configured names only', () => {
    for (const host of ['127.0.0.1:8080', '[::1]:8080', 'localhost', 'LOCALHOST:1', 'ui.localhost:8080', '192.0.2.7', 'dchat-api:9001', 'dchat-api.']) {
      assert.ok(hostAllowed(host, ['dchat-api']), host);
    }
    for (const host of [undefined, '', 'evil.example', 'localhost.evil.example', '127.0.0.1.nip.io', '[::1', 'a b', 'dchat-api:port']) {
      assert.equal(hostAllowed(host, ['dchat-api']), false, String(host));
    }
  });
  it('allows no Origin, the own origin over http or https, and the CORS list', () => {
    assert.ok(originAllowed(undefined, '127.0.0.1:8080', []));
    assert.ok(originAllowed('http://127.0.0.1:8080', '127.0.0.1:8080', []));
    assert.ok(originAllowed('https://chat.example', 'chat.example', []));
    assert.ok(originAllowed('https://app.example', '127.0.0.1:8080', ['https://app.example']));
    for (const origin of ['null', 'http://evil.example', 'http://127.0.0.1:8081', 'file://', 'chrome-extension://abc', 'garbage']) {
      assert.equal(originAllowed(origin, '127.0.0.1:8080', ['https://app.example']), false, origin);
    }
  });
});

describe('names, types, addresses and text from outside', () => {
  it('file names lose paths, controls and bidi overrides', () => {
    assert.equal(safeFileName('invoice\u202Etxt.exe'), 'invoicetxt.exe');
    assert.equal(safeFileName('../../x/y.pdf'), 'y.pdf');
    assert.equal(safeFileName('a\u0000b\u0085c.txt'), 'abc.txt');
    assert.equal(safeFileName('  .hidden.  '), 'hidden');
    assert.equal(safeFileName(''), 'file');
    assert.equal(safeFileName('x'.repeat(400)).length, 255);
    assert.equal(safeFileName('\ud800.txt'), '\ufffd.txt');
    assert.equal(safeFileName('Résumé 履歴書.pdf'), 'Résumé 履歴書.pdf');
  });
  it('content types outside the allow-list become opaque bytes', () => {
    assert.equal(safeContentType('image/png'), 'image/png');
    assert.equal(safeContentType('Image/PNG; charset=x'), 'image/png');
    for (const t of ['text/html', 'image/svg+xml', 'application/javascript', 'text/xml', 'application/xhtml+xml', '']) assert.equal(safeContentType(t), 'application/octet-stream');
  });
  it('relay addresses are TCP or WebSocket multiaddrs with a peer id', () => {
    const id = '12D3KooWGRUVh8EyRFuLZnCVNbjMBk6tN2WbgYwUbwCkNBtMCcbe';
    assert.equal(relayAddressProblem(`/ip4/127.0.0.1/tcp/30333/p2p/${id}`), undefined);
    assert.equal(relayAddressProblem(`/dns4/relay.example/tcp/443/wss/p2p/${id}`), undefined);
    for (const bad of ['/p2p/notapeerid', '/unix/tmp/x', `/ip4/1.2.3.4/udp/1/p2p/${id}`, '/ip4/1.2.3.4/tcp/1/p2p/nope', '/ip4/1.2.3.4/tcp/1', `/ip4/1.2.3.4/tcp/1/p2p-circuit/p2p/${id}`]) {
      assert.ok(relayAddressProblem(bad), bad);
    }
  });
  it('finds the first ill-formed string and names its path', () => {
    assert.equal(illFormedStringPath({ a: 'ok', b: ['fine', { c: 'x\udc00' }] }), 'b.1.c');
    assert.equal(illFormedStringPath({ text: '👋' }), undefined);
    assert.equal(illFormedStringPath('\ud800'), '');
    assert.equal(illFormedStringPath({ data: new Uint8Array([0xff]) }), undefined);
  });
});
