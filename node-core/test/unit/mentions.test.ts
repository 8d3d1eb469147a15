import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mentions } from '../../domain/mentions.ts';

describe('mentions', () => {
  it('finds @username as a word, in any case, and nothing inside longer names or addresses', () => {
    assert.equal(mentions('hey @bob, look', 'bob'), true);
    assert.equal(mentions('@Bob!', 'bob'), true);
    assert.equal(mentions('(@bob_smith)', 'bob_smith'), true);
    assert.equal(mentions('hey @bobby', 'bob'), false);
    assert.equal(mentions('mail bob@example.org', 'bob'), false);
    assert.equal(mentions('a.@bob', 'bob'), false);
    assert.equal(mentions('no mention here', 'bob'), false);
    assert.equal(mentions('@b.*', 'b.*'), false, 'not a username: never a pattern');
  });
});
