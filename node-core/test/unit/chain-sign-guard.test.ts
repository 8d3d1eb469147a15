import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { signWithContext, verifyWithContext, generateSigningKeyPair } from '../../crypto/signing.ts';
import { DoubleSignRefusedError, openSignGuard, SignStateDamagedError } from '../../chain/sign-guard.ts';
import { tempDir } from '../helpers/spawn-node.ts';

const pair = generateSigningKeyPair();
const CONTEXT = 'dchat/test/sign-guard';
const bytesOf = (text: string) => Buffer.from(text, 'utf8');

/** A signer that counts its calls, so a test can tell a stored signature from a fresh one. */
function counter() {
  const calls: Uint8Array[] = [];
  const sign = (bytes: Uint8Array) => {
    calls.push(bytes);
    return signWithContext(CONTEXT, pair.secretKey, bytes);
  };
  return { calls, sign };
}

const guardFile = () => path.join(tempDir(), 'validator', 'sign-state.json');

describe('the sign guard', () => {
  it('signs at increasing (height, round, step) and returns real signatures', () => {
    const guard = openSignGuard(guardFile());
    const { calls, sign } = counter();
    const steps: Array<[number, number, 'propose' | 'prevote' | 'precommit']> = [
      [1, 0, 'propose'],
      [1, 0, 'prevote'],
      [1, 0, 'precommit'],
      [1, 1, 'prevote'],
      [2, 0, 'propose'],
      [5, 3, 'precommit'],
    ];
    for (const [h, r, step] of steps) {
      const bytes = bytesOf(`${h}/${r}/${step}`);
      const signature = guard.sign(h, r, step, bytes, sign);
      assert.ok(verifyWithContext(CONTEXT, pair.publicKey, bytes, signature));
    }
    assert.equal(calls.length, steps.length);
    assert.deepEqual(guard.last, { height: 5, round: 3, step: 3 });
  });

  it('refuses to sign below the last height, round or step', () => {
    const guard = openSignGuard(guardFile());
    const { sign } = counter();
    guard.sign(5, 2, 'prevote', bytesOf('x'), sign);
    assert.throws(() => guard.sign(4, 9, 'precommit', bytesOf('a'), sign), DoubleSignRefusedError, 'lower height');
    assert.throws(() => guard.sign(5, 1, 'precommit', bytesOf('b'), sign), DoubleSignRefusedError, 'lower round');
    assert.throws(() => guard.sign(5, 2, 'propose', bytesOf('c'), sign), DoubleSignRefusedError, 'lower step');
    assert.deepEqual(guard.last, { height: 5, round: 2, step: 2 });
  });

  it('at the same (height, round, step) returns the stored signature for the same bytes without signing again', () => {
    const guard = openSignGuard(guardFile());
    const { calls, sign } = counter();
    const first = guard.sign(3, 0, 'precommit', bytesOf('block A'), sign);
    const again = guard.sign(3, 0, 'precommit', bytesOf('block A'), () => assert.fail('must not sign again'));
    assert.deepEqual(Buffer.from(again), Buffer.from(first));
    assert.equal(calls.length, 1);
  });

  it('at the same (height, round, step) refuses different bytes', () => {
    const guard = openSignGuard(guardFile());
    const { sign } = counter();
    guard.sign(3, 0, 'precommit', bytesOf('block A'), sign);
    assert.throws(() => guard.sign(3, 0, 'precommit', bytesOf('block B'), sign), (err: unknown) => err instanceof DoubleSignRefusedError && /a different precommit/.test(err.message));
  });

  it('keeps its state across a restart: a validator killed right after signing signs nothing conflicting', () => {
    const file = guardFile();
    const { sign } = counter();
    const before = openSignGuard(file).sign(7, 1, 'prevote', bytesOf('block A'), sign);
    // The process is gone; a new one opens the same file.
    const restarted = openSignGuard(file);
    assert.deepEqual(restarted.last, { height: 7, round: 1, step: 2 });
    assert.throws(() => restarted.sign(7, 1, 'prevote', bytesOf('block B'), sign), DoubleSignRefusedError);
    assert.throws(() => restarted.sign(7, 0, 'precommit', bytesOf('block A'), sign), DoubleSignRefusedError);
    assert.throws(() => restarted.sign(6, 5, 'precommit', bytesOf('block A'), sign), DoubleSignRefusedError);
    const resent = restarted.sign(7, 1, 'prevote', bytesOf('block A'), () => assert.fail('must not sign again'));
    assert.deepEqual(Buffer.from(resent), Buffer.from(before), 'the same vote may be re-sent');
    assert.ok(restarted.sign(7, 1, 'precommit', bytesOf('block A'), sign), 'and it goes on from there');
  });

  it('has the new state on disk before the signature is returned', () => {
    const file = guardFile();
    const guard = openSignGuard(file);
    const { sign } = counter();
    guard.sign(1, 0, 'prevote', bytesOf('first'), sign);
    const previous = fs.readFileSync(file, 'utf8');
    let seenDuringSign: string | undefined;
    const signature = guard.sign(2, 0, 'prevote', bytesOf('second'), (bytes) => {
      seenDuringSign = fs.readFileSync(file, 'utf8');
      return sign(bytes);
    });
    assert.equal(seenDuringSign, previous, 'while signing, the file still holds the previous state');
    const after = JSON.parse(fs.readFileSync(file, 'utf8')) as { height: number; round: number; step: number; signature: string };
    assert.deepEqual({ height: after.height, round: after.round, step: after.step }, { height: 2, round: 0, step: 2 });
    assert.equal(after.signature, Buffer.from(signature).toString('hex'), 'the signature returned is the one on disk');
  });

  it('leaves no temporary files behind', () => {
    const file = guardFile();
    const guard = openSignGuard(file);
    const { sign } = counter();
    for (let h = 1; h <= 5; h++) guard.sign(h, 0, 'precommit', bytesOf(`${h}`), sign);
    assert.deepEqual(fs.readdirSync(path.dirname(file)), [path.basename(file)]);
  });

  it('refuses a damaged state file instead of guessing', () => {
    for (const damaged of ['{"height": 3, "round"', '{}', JSON.stringify({ height: -1, round: 0, step: 2, bytes: null, signature: null }), '']) {
      const file = guardFile();
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, damaged);
      assert.throws(() => openSignGuard(file), SignStateDamagedError, JSON.stringify(damaged));
    }
  });

  it('signs nothing when the signer throws, and keeps the old state', () => {
    const file = guardFile();
    const guard = openSignGuard(file);
    const { sign } = counter();
    guard.sign(1, 0, 'prevote', bytesOf('a'), sign);
    assert.throws(() => guard.sign(2, 0, 'prevote', bytesOf('b'), () => {
      throw new Error('hardware key unplugged');
    }), /unplugged/);
    assert.deepEqual(openSignGuard(file).last, { height: 1, round: 0, step: 2 });
  });
});
