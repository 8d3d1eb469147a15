/** The 'cmds' payload a bot's node sends for the "/" menu: what a person's node accepts. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { directPayload } from '../../delivery/payloads.ts';

const parse = (list: unknown) => directPayload.safeParse({ k: 'cmds', list });

describe("the bot's command list payload", () => {
  it('takes setMyCommands-shaped commands, an empty list included', () => {
    assert.deepEqual(parse([{ c: 'start', d: 'Begin' }]).data, { k: 'cmds', list: [{ c: 'start', d: 'Begin' }] });
    assert.equal(parse([]).success, true);
  });

  it('refuses what setMyCommands would not take: bad names, empty or long descriptions, more than 100', () => {
    assert.equal(parse([{ c: 'Start', d: 'x' }]).success, false);
    assert.equal(parse([{ c: 'with space', d: 'x' }]).success, false);
    assert.equal(parse([{ c: 'a'.repeat(33), d: 'x' }]).success, false);
    assert.equal(parse([{ c: 'start', d: '' }]).success, false);
    assert.equal(parse([{ c: 'start', d: 'x'.repeat(257) }]).success, false);
    assert.equal(parse(Array.from({ length: 101 }, (_, i) => ({ c: `c${i}`, d: 'x' }))).success, false);
  });
});
