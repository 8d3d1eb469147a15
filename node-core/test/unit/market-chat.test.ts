import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodePayload, encodePayload, marketRef } from '../../delivery/payloads.ts';
import { marketMessageId } from '../../market/market-chat.ts';
import { parseStickerPack, STICKERS_MAX } from '../../market/sticker-pack.ts';

const pack = (stickers: unknown[], extra: Record<string, unknown> = {}) => new TextEncoder().encode(JSON.stringify({ format: 'dchat.sticker-pack', version: 1, title: 'Dots', stickers, ...extra }));
const dot = { emoji: '🔴', mime: 'image/png', data: 'iVBORw0KGgo=' };

describe('marketplace messages', () => {
  it('a sticker pack is read only in its format, with a reason otherwise', () => {
    assert.equal(parseStickerPack(pack([dot])).ok, true);
    const bad = [
      [new TextEncoder().encode('not json'), /not a JSON file/],
      [new Uint8Array([0xff, 0xfe]), /not a JSON file/],
      [pack([]), /stickers/],
      [pack([{ ...dot, emoji: 'ab' }]), /one emoji/],
      [pack([{ ...dot, mime: 'image/svg+xml' }]), /mime/],
      [pack([{ ...dot, data: 'not base64!' }]), /base64/],
      [pack([{ ...dot, data: 'A'.repeat(800_000) }]), /KiB/],
      [pack(Array.from({ length: STICKERS_MAX + 1 }, () => dot)), /stickers/],
      [pack([dot], { format: 'zip' }), /format/],
    ] as const;
    for (const [bytes, reason] of bad) {
      const parsed = parseStickerPack(bytes);
      assert.equal(parsed.ok, false);
      if (!parsed.ok) assert.match(parsed.reason, reason);
    }
  });

  it('a reference names an order exactly when it is about one', () => {
    const l = new Uint8Array(32).fill(1);
    const o = new Uint8Array(32).fill(2);
    assert.equal(marketRef.safeParse({ t: 'listing', l }).success, true);
    assert.equal(marketRef.safeParse({ t: 'listing', l, o }).success, false);
    for (const t of ['order', 'delivery', 'dispute']) {
      assert.equal(marketRef.safeParse({ t, l, o }).success, true, t);
      assert.equal(marketRef.safeParse({ t, l }).success, false, t);
    }
    assert.equal(marketRef.safeParse({ t: 'refund', l, o }).success, false);
    const payload = { k: 'msg' as const, id: marketMessageId('order', 'ab'.repeat(32)), text: 'Dots', at: 1, mkt: { t: 'order' as const, l, o } };
    assert.deepEqual(decodePayload(encodePayload(payload)), payload);
  });

  it('the ids of an order\'s messages are UUID-shaped, the same every time, different per kind and order', () => {
    const a = marketMessageId('delivery', 'ab'.repeat(32));
    assert.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(marketMessageId('delivery', 'ab'.repeat(32)), a);
    assert.notEqual(marketMessageId('order', 'ab'.repeat(32)), a);
    assert.notEqual(marketMessageId('delivery', 'cd'.repeat(32)), a);
  });
});
