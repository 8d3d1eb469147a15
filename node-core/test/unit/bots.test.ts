import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BOT_REPOSITORY } from '../../bots/bot-repository.ts';
import { botIdOfToken, botTokenMatches, generateBotToken, hashBotToken } from '../../bots/bot-token.ts';
import { createSendLimits } from '../../bots/rate-limits.ts';
import { commandEntities } from '../../bots/telegram-objects.ts';
import { getUpdates, sendMessage } from '../../api/bot-api/bot-api-schemas.ts';
import { failureOfSchema } from '../../api/bot-api/bot-api-errors.ts';
import { openTempStore } from '../helpers/store.ts';

describe('bot tokens', () => {
  it('are shaped like Telegram\'s, carry the bot id, and are never the same twice', () => {
    const one = generateBotToken(1000001);
    assert.match(one, /^1000001:[A-Za-z0-9_-]{35}$/);
    assert.notEqual(generateBotToken(1000001), one);
    assert.equal(botIdOfToken(one), 1000001);
    for (const bad of ['', '1000001', '1000001:short', `x:${'a'.repeat(35)}`, `1:${'a'.repeat(36)}`, `1:${'a'.repeat(34)}!`]) assert.equal(botIdOfToken(bad), undefined, bad);
  });

  it('are stored as a SHA-256 and compared against it', () => {
    const token = generateBotToken(7);
    const stored = hashBotToken(token);
    assert.equal(stored.length, 32);
    assert.equal(botTokenMatches(token, stored), true);
    assert.equal(botTokenMatches(generateBotToken(7), stored), false);
    assert.equal(botTokenMatches(token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A'), stored), false);
    assert.equal(botTokenMatches(token, stored.subarray(0, 16)), false, 'a wrong-length hash never matches (and never throws)');
  });
});

/** A bot row over a real store, to exercise the repository's SQL. */
async function botStore() {
  const store = openTempStore();
  const repo = store.register(BOT_REPOSITORY);
  const identity = 'ab'.repeat(32);
  await store.write((repos) => {
    repos.identities.insert({ id: identity, username: 'somebot', public_key: new Uint8Array(32), sealed_secret_key: new Uint8Array(48), key_protection: 'node-secret', kdf_params: null, is_default: false, created_at: 1 });
    repo().insert({ bot_id: repo().intId('user', identity), identity_id: identity, username: 'SomeBot', name: 'Some', token_hash: hashBotToken('x'), created_at: 1, last_seq: 0 });
  });
  return { store, repo, botId: repo().list()[0]!.bot_id };
}

describe('bot repository', () => {
  it('gives each dchat identity and chat one integer for good, and maps it back', async () => {
    const { store, repo } = await botStore();
    try {
      const [u1, u2, c1, again] = await store.write(() => [repo().intId('user', 'k1'), repo().intId('user', 'k2'), repo().intId('chat', 'k1'), repo().intId('user', 'k1')]);
      assert.equal(again, u1);
      assert.ok(u1! > 1_000_000 && u2! > u1! && c1! > u2!, 'distinct, increasing, above a million');
      assert.equal(repo().keyOf('user', u1!), 'k1');
      assert.equal(repo().keyOf('chat', c1!), 'k1');
      assert.equal(repo().keyOf('chat', u1!), undefined, 'a user id is not a chat id');
      assert.equal(repo().byUsername('somebot')?.username, 'SomeBot', 'usernames are case-insensitive');
    } finally {
      store.stop();
    }
  });

  it('numbers updates in order, confirms below an offset, keeps the newest for a negative one', async () => {
    const { store, repo, botId } = await botStore();
    try {
      const ids = await store.write(() => [1, 2, 3, 4, 5].map((n) => repo().appendUpdate(botId, 'message', JSON.stringify({ n }), n)));
      assert.deepEqual(ids, [1, 2, 3, 4, 5]);
      assert.deepEqual(repo().updates(botId, 0, 2).map((u) => u.update_id), [1, 2]);
      await store.write(() => repo().confirmBelow(botId, 3));
      assert.deepEqual(repo().updates(botId, 0, 100).map((u) => u.update_id), [3, 4, 5]);
      await store.write(() => repo().keepNewest(botId, 1));
      assert.deepEqual(repo().updates(botId, 0, 100).map((u) => u.update_id), [5]);
      // Ids never go back, even after the queue emptied.
      await store.write(() => repo().confirmBelow(botId, 6));
      assert.equal(await store.write(() => repo().appendUpdate(botId, 'edited_message', '{}', 9)), 6);
      assert.equal(await store.write(() => repo().pruneOlderThan(10)), 1, 'older than 24 h: dropped');
      assert.equal(repo().pending(botId), 0);
    } finally {
      store.stop();
    }
  });
});

describe('Bot API parameters', () => {
  it('take query-string spellings and Telegram\'s limits', () => {
    assert.deepEqual(getUpdates.parse({ offset: '-2', limit: '5', timeout: '50', allowed_updates: '["message","callback_query","inline_query"]' }), { offset: -2, limit: 5, timeout: 50, allowed_updates: ['message', 'callback_query'] });
    assert.equal(getUpdates.safeParse({ limit: '101' }).success, false);
    assert.equal(getUpdates.safeParse({ timeout: 51 }).success, false);
    assert.equal(sendMessage.parse({ chat_id: '5', text: 'hi', reply_parameters: '{"message_id":3}' }).reply_to_message_id, 3);
    assert.equal(sendMessage.parse({ chat_id: 5, text: 'hi', reply_to_message_id: 4, parse_mode: 'HTML' }).reply_to_message_id, 4);
    // reply_markup as a form sends it (JSON text), turned into the keyboard's rows.
    assert.deepEqual(sendMessage.parse({ chat_id: 5, text: 'hi', reply_markup: '{"inline_keyboard":[[{"text":"A","callback_data":"a"},{"text":"Site","url":"https://example.org"}]]}' }).keyboard, [
      [{ text: 'A', data: 'a' }, { text: 'Site', url: 'https://example.org' }],
    ]);
    assert.equal(sendMessage.safeParse({ chat_id: 5, text: 'hi', reply_markup: { inline_keyboard: [[{ text: 'A', callback_data: 'a', url: 'https://x.org' }]] } }).success, false, 'one of the two, not both');
    assert.equal(sendMessage.safeParse({ chat_id: 5, text: 'hi', reply_markup: { inline_keyboard: Array.from({ length: 13 }, () => [{ text: 'A', callback_data: 'a' }]) } }).success, false, 'at most 12 rows');
  });

  it('fail in Telegram\'s words', () => {
    const missingText = sendMessage.safeParse({ chat_id: 5 });
    assert.equal(missingText.success, false);
    assert.deepEqual(failureOfSchema(missingText.error!), { ok: false, error_code: 400, description: 'Bad Request: message text is empty' });
    const missingChat = sendMessage.safeParse({ text: 'x' });
    assert.equal(failureOfSchema(missingChat.error!).description, 'Bad Request: chat_id is empty');
    assert.equal(failureOfSchema(sendMessage.safeParse({ chat_id: 5, text: 'x'.repeat(4097) }).error!).description, 'Bad Request: message is too long');
  });

  it('mark a leading /command as a bot_command entity', () => {
    assert.deepEqual(commandEntities('/start now'), [{ type: 'bot_command', offset: 0, length: 6 }]);
    assert.deepEqual(commandEntities('/help@echobot'), [{ type: 'bot_command', offset: 0, length: 13 }]);
    assert.deepEqual(commandEntities('no /command'), []);
  });
});

describe('send limits', () => {
  it('allow a burst per chat, then ask to wait whole seconds; 30 per second per bot', () => {
    const limits = createSendLimits();
    const t = 1_000_000;
    assert.deepEqual([1, 2, 3].map(() => limits.take('c', t).ok), [true, true, true]);
    assert.deepEqual(limits.take('c', t), { ok: false, retryAfter: 1 });
    assert.equal(limits.take('c', t + 1000).ok, true, 'one more a second later');
    const many = Array.from({ length: 40 }, (_, i) => limits.take(`chat${i}`, t + 1000).ok);
    assert.ok(many.filter(Boolean).length <= 30);
  });
});
