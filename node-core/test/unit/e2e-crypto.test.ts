import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deserialize, serialize } from 'node:v8';
import { x25519 } from '@noble/curves/ed25519.js';
import { bytesToHex, randomBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import {
  decodeHeader,
  encodeHeader,
  initReceiver,
  initSender,
  MAX_SKIP,
  MAX_SKIPPED_KEYS,
  RatchetError,
  ratchetDecrypt,
  ratchetEncrypt,
  type RatchetMessage,
  type RatchetState,
} from '../../crypto/double-ratchet.ts';
import {
  createSenderKey,
  type SenderKeyDistribution,
  SenderKeyError,
  type SenderKeyMessage,
  type SenderKeyState,
  senderKeyDecrypt,
  senderKeyDistribution,
  senderKeyEncrypt,
  senderKeyFromDistribution,
} from '../../crypto/sender-keys.ts';
import { generateSigningKeyPair } from '../../crypto/signing.ts';
import { dh, generateDhKeyPair, identityDhPublic, identityDhSecret, InvalidKeyError } from '../../crypto/x25519.ts';
import { type PrekeyBundle, signPrekey, verifySignedPrekey, X3dhError, x3dhInitiate, x3dhRespond } from '../../crypto/x3dh.ts';

const text = (s: string): Uint8Array => utf8ToBytes(s);
const str = (b: Uint8Array): string => new TextDecoder().decode(b);

/** What a store would do: a structured copy that shares nothing with the live state. */
function storeAndRestore<T>(value: T): T {
  return deserialize(serialize(value)) as T;
}

/** States must be CBOR-encodable: nothing but plain objects, arrays, bytes, numbers and null. */
function assertPlainData(value: unknown, path = 'state'): void {
  if (value === null || typeof value === 'number' || typeof value === 'string' || value === undefined) return;
  if (value instanceof Uint8Array) {
    assert.equal(Object.getPrototypeOf(value), Uint8Array.prototype, `${path} is a plain Uint8Array`);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => assertPlainData(item, `${path}[${i}]`));
    return;
  }
  assert.equal(Object.getPrototypeOf(value), Object.prototype, `${path} is a plain object`);
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) assertPlainData(item, `${path}.${key}`);
}

describe('X25519 and identity key conversion', () => {
  it('agrees on a secret between converted Ed25519 identities', () => {
    const a = generateSigningKeyPair();
    const b = generateSigningKeyPair();
    assert.deepEqual(x25519.getPublicKey(identityDhSecret(a.secretKey)), identityDhPublic(a.publicKey));
    const ab = dh(identityDhSecret(a.secretKey), identityDhPublic(b.publicKey));
    const ba = dh(identityDhSecret(b.secretKey), identityDhPublic(a.publicKey));
    assert.deepEqual(ab, ba);
    assert.equal(ab.length, 32);
  });

  it('rejects low-order points and wrong lengths with InvalidKeyError', () => {
    const { secretKey, publicKey } = generateDhKeyPair();
    const one = new Uint8Array(32);
    one[0] = 1;
    assert.throws(() => dh(secretKey, new Uint8Array(32)), InvalidKeyError);
    assert.throws(() => dh(secretKey, one), InvalidKeyError);
    assert.throws(() => dh(secretKey, publicKey.subarray(0, 31)), InvalidKeyError);
    assert.throws(() => dh(secretKey.subarray(0, 16), publicKey), InvalidKeyError);
    assert.throws(() => identityDhPublic(new Uint8Array(31)), InvalidKeyError);
    assert.throws(() => identityDhSecret(new Uint8Array(64)), InvalidKeyError);
  });
});

interface Bob {
  identity: ReturnType<typeof generateSigningKeyPair>;
  signedPrekey: ReturnType<typeof generateDhKeyPair>;
  oneTimePrekey: ReturnType<typeof generateDhKeyPair>;
  bundle: PrekeyBundle;
}

function bobWithBundle(withOneTimePrekey: boolean): Bob {
  const identity = generateSigningKeyPair();
  const signedPrekey = generateDhKeyPair();
  const oneTimePrekey = generateDhKeyPair();
  const bundle: PrekeyBundle = {
    identityKey: identity.publicKey,
    signedPrekey: { id: 7, publicKey: signedPrekey.publicKey, signature: signPrekey(identity.secretKey, signedPrekey.publicKey) },
    oneTimePrekey: withOneTimePrekey ? { id: 42, publicKey: oneTimePrekey.publicKey } : undefined,
  };
  return { identity, signedPrekey, oneTimePrekey, bundle };
}

describe('X3DH', () => {
  for (const withOneTimePrekey of [true, false]) {
    it(`derives the same secret and associated data on both sides ${withOneTimePrekey ? 'with' : 'without'} a one-time prekey`, () => {
      const alice = generateSigningKeyPair();
      const bob = bobWithBundle(withOneTimePrekey);
      const init = x3dhInitiate(alice, bob.bundle);
      const resp = x3dhRespond(
        bob.identity,
        bob.signedPrekey,
        withOneTimePrekey ? bob.oneTimePrekey : undefined,
        alice.publicKey,
        init.ephemeralPublic,
      );
      assert.equal(init.sharedSecret.length, 32);
      assert.deepEqual(init.sharedSecret, resp.sharedSecret);
      assert.deepEqual(init.associatedData, resp.associatedData);
      assert.equal(bytesToHex(init.associatedData), bytesToHex(alice.publicKey) + bytesToHex(bob.identity.publicKey));
      assert.equal(init.signedPrekeyId, 7);
      assert.equal(init.oneTimePrekeyId, withOneTimePrekey ? 42 : undefined);
    });
  }

  it('gives different secrets when the responder uses the wrong one-time prekey or none', () => {
    const alice = generateSigningKeyPair();
    const bob = bobWithBundle(true);
    const init = x3dhInitiate(alice, bob.bundle);
    const without = x3dhRespond(bob.identity, bob.signedPrekey, undefined, alice.publicKey, init.ephemeralPublic);
    const wrong = x3dhRespond(bob.identity, bob.signedPrekey, generateDhKeyPair(), alice.publicKey, init.ephemeralPublic);
    assert.notDeepEqual(init.sharedSecret, without.sharedSecret);
    assert.notDeepEqual(init.sharedSecret, wrong.sharedSecret);
  });

  it('uses a fresh ephemeral key per initiation', () => {
    const alice = generateSigningKeyPair();
    const bob = bobWithBundle(false);
    const first = x3dhInitiate(alice, bob.bundle);
    const second = x3dhInitiate(alice, bob.bundle);
    assert.notDeepEqual(first.ephemeralPublic, second.ephemeralPublic);
    assert.notDeepEqual(first.sharedSecret, second.sharedSecret);
  });

  it('rejects a bundle whose signed prekey signature is wrong, foreign or for another prekey', () => {
    const alice = generateSigningKeyPair();
    const bob = bobWithBundle(true);
    const mallory = generateSigningKeyPair();
    const malloryPrekey = generateDhKeyPair();
    const spk = bob.bundle.signedPrekey;
    const flipped = spk.signature.slice();
    flipped[3]! ^= 1;

    const badBundles: PrekeyBundle[] = [
      { ...bob.bundle, signedPrekey: { ...spk, signature: flipped } },
      { ...bob.bundle, signedPrekey: { ...spk, signature: new Uint8Array(64) } },
      // A relay swapping in its own prekey, signed by itself, while keeping Bob's identity.
      {
        ...bob.bundle,
        signedPrekey: { id: 7, publicKey: malloryPrekey.publicKey, signature: signPrekey(mallory.secretKey, malloryPrekey.publicKey) },
      },
      // Bob's genuine signature presented for someone else's prekey.
      { ...bob.bundle, signedPrekey: { ...spk, publicKey: malloryPrekey.publicKey } },
      // Signed by Mallory but claimed under Bob's identity key.
      { ...bob.bundle, signedPrekey: { ...spk, signature: signPrekey(mallory.secretKey, spk.publicKey) } },
    ];
    for (const bundle of badBundles) {
      assert.ok(!verifySignedPrekey(bundle.identityKey, bundle.signedPrekey));
      assert.throws(() => x3dhInitiate(alice, bundle), X3dhError);
    }
    assert.ok(verifySignedPrekey(bob.bundle.identityKey, bob.bundle.signedPrekey));
  });

  it('reports a validly signed but low-order prekey as an X3dhError', () => {
    const alice = generateSigningKeyPair();
    const bob = bobWithBundle(false);
    const lowOrder = new Uint8Array(32);
    const bundle: PrekeyBundle = {
      ...bob.bundle,
      signedPrekey: { id: 1, publicKey: lowOrder, signature: signPrekey(bob.identity.secretKey, lowOrder) },
    };
    assert.throws(() => x3dhInitiate(alice, bundle), X3dhError);
  });
});

interface Party {
  state: RatchetState;
}

interface Session {
  alice: Party;
  bob: Party;
  ad: Uint8Array;
}

function newSession(): Session {
  const aliceIdentity = generateSigningKeyPair();
  const bob = bobWithBundle(true);
  const init = x3dhInitiate(aliceIdentity, bob.bundle);
  const resp = x3dhRespond(bob.identity, bob.signedPrekey, bob.oneTimePrekey, aliceIdentity.publicKey, init.ephemeralPublic);
  return {
    alice: { state: initSender(init.sharedSecret, bob.bundle.signedPrekey.publicKey) },
    bob: { state: initReceiver(resp.sharedSecret, bob.signedPrekey) },
    ad: init.associatedData,
  };
}

function send(from: Party, message: string, ad: Uint8Array): RatchetMessage {
  const result = ratchetEncrypt(from.state, text(message), ad);
  from.state = result.state;
  return result.message;
}

function receive(to: Party, message: RatchetMessage, ad: Uint8Array): string {
  const result = ratchetDecrypt(to.state, message, ad);
  to.state = result.state;
  return str(result.plaintext);
}

/** Asserts the failure is a RatchetError and that the caller's state was left exactly as it was. */
function assertRejected(to: Party, message: RatchetMessage, ad: Uint8Array): void {
  const before = structuredClone(to.state);
  assert.throws(() => ratchetDecrypt(to.state, message, ad), RatchetError);
  assert.deepEqual(to.state, before);
}

describe('Double Ratchet', () => {
  it('encodes headers in a fixed 40-byte layout and rejects malformed ones', () => {
    const header = { dh: randomBytes(32), pn: 3, n: 0xffff_ffff };
    const bytes = encodeHeader(header);
    assert.equal(bytes.length, 40);
    assert.deepEqual(decodeHeader(bytes), header);
    assert.deepEqual(decodeHeader(bytes.subarray(0)), header);
    assert.throws(() => decodeHeader(bytes.subarray(1)), RatchetError);
    assert.throws(() => decodeHeader(new Uint8Array(41)), RatchetError);
    assert.throws(() => encodeHeader({ ...header, dh: new Uint8Array(31) }), RatchetError);
    assert.throws(() => encodeHeader({ ...header, n: -1 }), RatchetError);
    assert.throws(() => encodeHeader({ ...header, pn: 2 ** 32 }), RatchetError);
    assert.throws(() => encodeHeader({ ...header, n: 1.5 }), RatchetError);
  });

  it('carries a conversation both ways over several turns', () => {
    const { alice, bob, ad } = newSession();
    for (let turn = 0; turn < 5; turn += 1) {
      for (let i = 0; i <= turn; i += 1) assert.equal(receive(bob, send(alice, `a${turn}.${i}`, ad), ad), `a${turn}.${i}`);
      for (let i = 0; i <= turn; i += 1) assert.equal(receive(alice, send(bob, `b${turn}.${i}`, ad), ad), `b${turn}.${i}`);
    }
    assert.equal(alice.state.skipped.length, 0);
    assert.equal(bob.state.skipped.length, 0);
  });

  it('changes ratchet keys at every turn of the conversation', () => {
    const { alice, bob, ad } = newSession();
    const a1 = send(alice, 'a1', ad);
    const a2 = send(alice, 'a2', ad);
    assert.deepEqual(a1.header.dh, a2.header.dh, 'same chain within a turn');
    receive(bob, a1, ad);
    receive(bob, a2, ad);
    const b1 = send(bob, 'b1', ad);
    receive(alice, b1, ad);
    const a3 = send(alice, 'a3', ad);
    assert.notDeepEqual(a3.header.dh, a1.header.dh);
    assert.notDeepEqual(b1.header.dh, a1.header.dh);
    assert.equal(a3.header.pn, 2);
    assert.equal(a3.header.n, 0);
  });

  it('refuses to send from the receiver before the first message arrives', () => {
    const { bob, ad } = newSession();
    assert.throws(() => ratchetEncrypt(bob.state, text('too early'), ad), RatchetError);
  });

  it('never mutates the state it is given', () => {
    const { alice, bob, ad } = newSession();
    const aliceBefore = structuredClone(alice.state);
    const { message } = ratchetEncrypt(alice.state, text('hi'), ad);
    assert.deepEqual(alice.state, aliceBefore);
    const bobBefore = structuredClone(bob.state);
    ratchetDecrypt(bob.state, message, ad);
    assert.deepEqual(bob.state, bobBefore);
  });

  it('decrypts out-of-order messages within one chain', () => {
    const { alice, bob, ad } = newSession();
    const messages = [0, 1, 2, 3, 4].map((i) => send(alice, `m${i}`, ad));
    for (const i of [3, 0, 4, 2, 1]) assert.equal(receive(bob, messages[i]!, ad), `m${i}`);
    assert.equal(bob.state.skipped.length, 0);
  });

  it('decrypts messages from an earlier chain delivered after a DH ratchet step', () => {
    const { alice, bob, ad } = newSession();
    const early = [0, 1, 2].map((i) => send(alice, `early${i}`, ad));
    receive(bob, early[0]!, ad);
    receive(alice, send(bob, 'reply', ad), ad);
    const late = send(alice, 'late', ad);
    assert.equal(late.header.pn, 3);
    assert.equal(receive(bob, late, ad), 'late');
    assert.equal(bob.state.skipped.length, 2, 'keys of early1 and early2 kept for later');
    assert.equal(receive(bob, early[2]!, ad), 'early2');
    assert.equal(receive(bob, early[1]!, ad), 'early1');
    assert.equal(bob.state.skipped.length, 0);
    assert.equal(receive(alice, send(bob, 'still fine', ad), ad), 'still fine');
  });

  it('decrypts the very first messages out of order too', () => {
    const { alice, bob, ad } = newSession();
    const first = send(alice, 'first', ad);
    const second = send(alice, 'second', ad);
    assert.equal(receive(bob, second, ad), 'second');
    assert.equal(receive(bob, first, ad), 'first');
  });

  it(`refuses a message that would skip more than ${MAX_SKIP} keys, accepts exactly ${MAX_SKIP}`, () => {
    const { alice, bob, ad } = newSession();
    const messages = Array.from({ length: MAX_SKIP + 2 }, (_, i) => send(alice, `m${i}`, ad));
    assertRejected(bob, messages[MAX_SKIP + 1]!, ad);
    assert.equal(receive(bob, messages[MAX_SKIP]!, ad), `m${MAX_SKIP}`);
    assert.equal(bob.state.skipped.length, MAX_SKIP);
    assert.equal(receive(bob, messages[0]!, ad), 'm0');
  });

  it('enforces MAX_SKIP on the previous chain length announced in a new ratchet key', () => {
    const { alice, bob, ad } = newSession();
    receive(bob, send(alice, 'hello', ad), ad);
    receive(alice, send(bob, 'hi', ad), ad);
    const header = { ...send(alice, 'next', ad).header };
    const forged: RatchetMessage = { header: { ...header, pn: MAX_SKIP + 10 }, ciphertext: randomBytes(40) };
    assertRejected(bob, forged, ad);
  });

  it(`keeps at most ${MAX_SKIPPED_KEYS} skipped keys, evicting the oldest`, () => {
    const { alice, bob, ad } = newSession();
    const messages = Array.from({ length: 2501 }, (_, i) => send(alice, `m${i}`, ad));
    receive(bob, messages[1000]!, ad);
    receive(bob, messages[2000]!, ad);
    receive(bob, messages[2500]!, ad);
    assert.equal(bob.state.skipped.length, MAX_SKIPPED_KEYS);
    assertRejected(bob, messages[0]!, ad);
    assertRejected(bob, messages[497]!, ad);
    assert.equal(receive(bob, messages[498]!, ad), 'm498');
    assert.equal(receive(bob, messages[2499]!, ad), 'm2499');
  });

  it('rejects a replayed message, in order, skipped or from an earlier chain', () => {
    const { alice, bob, ad } = newSession();
    const m0 = send(alice, 'm0', ad);
    const m1 = send(alice, 'm1', ad);
    const m2 = send(alice, 'm2', ad);
    receive(bob, m0, ad);
    assertRejected(bob, m0, ad);
    receive(bob, m2, ad);
    receive(bob, m1, ad);
    assertRejected(bob, m1, ad);
    assertRejected(bob, m2, ad);
    receive(alice, send(bob, 'reply', ad), ad);
    receive(bob, send(alice, 'new chain', ad), ad);
    assertRejected(bob, m0, ad);
    assertRejected(bob, m1, ad);
    assert.equal(receive(bob, send(alice, 'after replays', ad), ad), 'after replays');
  });

  it('rejects tampered ciphertext, header or associated data and stays usable', () => {
    const { alice, bob, ad } = newSession();
    receive(bob, send(alice, 'warm up', ad), ad);
    receive(alice, send(bob, 'warm up', ad), ad);
    const genuine = send(alice, 'genuine', ad);

    const flipped = genuine.ciphertext.slice();
    flipped[0]! ^= 1;
    const tampered: RatchetMessage[] = [
      { ...genuine, ciphertext: flipped },
      { ...genuine, ciphertext: genuine.ciphertext.subarray(0, 10) },
      { ...genuine, header: { ...genuine.header, pn: genuine.header.pn + 1 } },
      { ...genuine, header: { ...genuine.header, n: genuine.header.n + 1 } },
      { ...genuine, header: { ...genuine.header, dh: generateDhKeyPair().publicKey } },
      { ...genuine, header: { ...genuine.header, dh: new Uint8Array(32) } },
      { ...genuine, header: { ...genuine.header, dh: genuine.header.dh.subarray(1) } },
    ];
    for (const message of tampered) assertRejected(bob, message, ad);
    assertRejected(bob, genuine, text('other associated data'));
    assert.equal(receive(bob, genuine, ad), 'genuine');
    assert.equal(receive(alice, send(bob, 'and back', ad), ad), 'and back');
  });

  it('rejects messages of another session', () => {
    const one = newSession();
    const two = newSession();
    assertRejected(two.bob, send(one.alice, 'not for you', one.ad), two.ad);
  });

  it('forward secrecy: a captured ciphertext cannot be decrypted from a later, restored state', () => {
    const { alice, bob, ad } = newSession();
    const captured = send(alice, 'secret from the past', ad);
    const capturedSkipped = send(alice, 'delivered late', ad);
    const third = send(alice, 'third', ad);
    assert.equal(receive(bob, captured, ad), 'secret from the past');
    receive(bob, third, ad);
    assert.equal(receive(bob, capturedSkipped, ad), 'delivered late');
    for (let turn = 0; turn < 3; turn += 1) {
      receive(alice, send(bob, `b${turn}`, ad), ad);
      receive(bob, send(alice, `a${turn}`, ad), ad);
    }

    const seized = storeAndRestore(bob.state);
    assert.throws(() => ratchetDecrypt(seized, captured, ad), RatchetError);
    assert.throws(() => ratchetDecrypt(seized, capturedSkipped, ad), RatchetError);
    // Even the state right after reading them no longer holds their keys.
    assert.equal(seized.skipped.length, 0);
    assert.equal(receive({ state: seized }, send(alice, 'live', ad), ad), 'live');
  });

  it('post-compromise security: a stolen state stops working once Bob ratchets with fresh keys', () => {
    const { alice, bob, ad } = newSession();
    receive(bob, send(alice, 'a1', ad), ad);
    receive(alice, send(bob, 'b1', ad), ad);

    const stolen = storeAndRestore(bob.state);
    // Until Bob's next fresh ratchet key, the thief still reads along: that is the compromise.
    const a2 = send(alice, 'a2', ad);
    const thief: Party = { state: stolen };
    assert.equal(receive(thief, a2, ad), 'a2');
    assert.equal(receive(bob, a2, ad), 'a2');

    // Bob's reply carries a ratchet key generated after the theft; Alice's next chain depends on it.
    receive(alice, send(bob, 'b2', ad), ad);
    const a3 = send(alice, 'a3 after healing', ad);
    assert.throws(() => ratchetDecrypt(stolen, a3, ad), RatchetError, 'copy as stolen');
    assert.throws(() => ratchetDecrypt(thief.state, a3, ad), RatchetError, 'copy that tracked the conversation');
    assert.equal(receive(bob, a3, ad), 'a3 after healing');
  });

  it('states are plain data and survive storage round trips mid-conversation', () => {
    const { alice, bob, ad } = newSession();
    const m0 = send(alice, 'm0', ad);
    const m1 = send(alice, 'm1', ad);
    receive(bob, m1, ad);
    assertPlainData(alice.state);
    assertPlainData(bob.state);
    assert.equal(bob.state.skipped.length, 1);

    const aliceRestored: Party = { state: structuredClone(alice.state) };
    const bobRestored: Party = { state: storeAndRestore(bob.state) };
    assert.deepEqual(bobRestored.state, bob.state);
    assert.equal(receive(bobRestored, m0, ad), 'm0');
    assert.equal(receive(aliceRestored, send(bobRestored, 'reply', ad), ad), 'reply');
    assert.equal(receive(bobRestored, send(aliceRestored, 'again', ad), ad), 'again');
    assertPlainData(bobRestored.state);
  });
});

describe('sender keys', () => {
  const ad = text('group:42');

  interface Member {
    state: SenderKeyState;
  }

  function sendGroup(sender: Member, message: string, associatedData = ad): SenderKeyMessage {
    const result = senderKeyEncrypt(sender.state, text(message), associatedData);
    sender.state = result.state;
    return result.message;
  }

  function receiveGroup(member: Member, message: SenderKeyMessage, associatedData = ad): string {
    const result = senderKeyDecrypt(member.state, message, associatedData);
    member.state = result.state;
    return str(result.plaintext);
  }

  function assertGroupRejected(member: Member, message: SenderKeyMessage, associatedData = ad): void {
    const before = structuredClone(member.state);
    assert.throws(() => senderKeyDecrypt(member.state, message, associatedData), SenderKeyError);
    assert.deepEqual(member.state, before);
  }

  function newGroup(): { sender: Member; member: Member } {
    const sender: Member = { state: createSenderKey(1) };
    const member: Member = { state: senderKeyFromDistribution(storeAndRestore(senderKeyDistribution(sender.state))) };
    return { sender, member };
  }

  it('lets a member decrypt in order and out of order', () => {
    const { sender, member } = newGroup();
    assert.equal(receiveGroup(member, sendGroup(sender, 'first')), 'first');
    const messages = [0, 1, 2, 3, 4].map((i) => sendGroup(sender, `m${i}`));
    for (const i of [4, 0, 2, 1, 3]) assert.equal(receiveGroup(member, messages[i]!), `m${i}`);
    assert.equal(member.state.skipped.length, 0);
    assert.equal(member.state.iteration, 6);
  });

  it('never mutates the state it is given, and states are plain storable data', () => {
    const { sender, member } = newGroup();
    const senderBefore = structuredClone(sender.state);
    const { message } = senderKeyEncrypt(sender.state, text('x'), ad);
    assert.deepEqual(sender.state, senderBefore);
    const memberBefore = structuredClone(member.state);
    senderKeyDecrypt(member.state, message, ad);
    assert.deepEqual(member.state, memberBefore);
    assertPlainData(sender.state);
    assertPlainData(member.state);
    const restored: Member = { state: storeAndRestore(member.state) };
    assert.equal(receiveGroup(restored, message), 'x');
  });

  it('a distribution never contains the signing secret', () => {
    const { sender } = newGroup();
    const distribution = senderKeyDistribution(sender.state);
    assert.deepEqual(Object.keys(distribution).sort(), ['chainKey', 'iteration', 'keyId', 'signingPublic']);
    const secretHex = bytesToHex(sender.state.signingSecret!);
    assert.ok(!bytesToHex(serialize(distribution)).includes(secretHex));
    // Even a whole state handed in by mistake yields a member state that cannot sign.
    const fromFullState = senderKeyFromDistribution(sender.state as SenderKeyDistribution);
    assert.equal(fromFullState.signingSecret, undefined);
    assert.ok(!('signingSecret' in fromFullState));
    assert.throws(() => senderKeyEncrypt(fromFullState, text('x'), ad), SenderKeyError);
  });

  it('a new member does not read messages sent before the distribution', () => {
    const { sender } = newGroup();
    const old = sendGroup(sender, 'before you joined');
    const late: Member = { state: senderKeyFromDistribution(senderKeyDistribution(sender.state)) };
    assertGroupRejected(late, old);
    assert.equal(receiveGroup(late, sendGroup(sender, 'welcome')), 'welcome');
  });

  it('a removed member holding the old key cannot decrypt after rotation', () => {
    const { sender, member: removed } = newGroup();
    receiveGroup(removed, sendGroup(sender, 'before removal'));
    const remaining: Member = { state: removed.state };

    sender.state = createSenderKey(2);
    remaining.state = senderKeyFromDistribution(senderKeyDistribution(sender.state));
    const afterRemoval = sendGroup(sender, 'after removal');
    assertGroupRejected(removed, afterRemoval);
    assert.equal(receiveGroup(remaining, afterRemoval), 'after removal');

    // Same keyId reused: the old chain and signing key still do not open it.
    const reused: Member = { state: createSenderKey(1) };
    assertGroupRejected(removed, sendGroup(reused, 'reused id'));
  });

  it('rejects a message forged by another member who knows the chain key', () => {
    const { sender, member: honest } = newGroup();
    const distribution = senderKeyDistribution(sender.state);
    const mallory = generateSigningKeyPair();
    const impersonation: Member = { state: { ...senderKeyFromDistribution(distribution), signingSecret: mallory.secretKey } };
    assertGroupRejected(honest, sendGroup(impersonation, 'I am the sender'));

    const genuine = sendGroup(sender, 'genuine');
    const badSignature = genuine.signature.slice();
    badSignature[10]! ^= 1;
    assertGroupRejected(honest, { ...genuine, signature: badSignature });
    assertGroupRejected(honest, { ...genuine, signature: new Uint8Array(64) });
    assert.equal(receiveGroup(honest, genuine), 'genuine');
  });

  it('rejects replays, wrong keyId, tampered ciphertext and other associated data', () => {
    const { sender, member } = newGroup();
    const m0 = sendGroup(sender, 'm0');
    const m1 = sendGroup(sender, 'm1');
    const m2 = sendGroup(sender, 'm2');
    const flipped = m2.ciphertext.slice();
    flipped[0]! ^= 1;
    assertGroupRejected(member, { ...m2, ciphertext: flipped });
    assertGroupRejected(member, { ...m2, keyId: 2 });
    assertGroupRejected(member, { ...m2, iteration: 3 });
    assertGroupRejected(member, m2, text('group:43'));

    assert.equal(receiveGroup(member, m2), 'm2');
    assertGroupRejected(member, m2);
    assert.equal(receiveGroup(member, m0), 'm0');
    assertGroupRejected(member, m0);
    assert.equal(receiveGroup(member, m1), 'm1');
    assertGroupRejected(member, m1);
  });

  it(`refuses to skip more than ${MAX_SKIP} iterations, accepts exactly ${MAX_SKIP}`, () => {
    const { sender, member } = newGroup();
    const messages = Array.from({ length: MAX_SKIP + 2 }, (_, i) => sendGroup(sender, `m${i}`));
    assertGroupRejected(member, messages[MAX_SKIP + 1]!);
    assert.equal(receiveGroup(member, messages[MAX_SKIP]!), `m${MAX_SKIP}`);
    assert.equal(member.state.skipped.length, MAX_SKIP);
    assert.equal(receiveGroup(member, messages[MAX_SKIP + 1]!), `m${MAX_SKIP + 1}`);
    assert.equal(receiveGroup(member, messages[0]!), 'm0');
  });

  it('keeps at most 2000 skipped keys, evicting the oldest', () => {
    const { sender, member } = newGroup();
    const messages = Array.from({ length: 2501 }, (_, i) => sendGroup(sender, `m${i}`));
    receiveGroup(member, messages[1000]!);
    receiveGroup(member, messages[2000]!);
    receiveGroup(member, messages[2500]!);
    assert.equal(member.state.skipped.length, 2000);
    assertGroupRejected(member, messages[497]!);
    assert.equal(receiveGroup(member, messages[498]!), 'm498');
  });

  it('rejects malformed keys and ids', () => {
    assert.throws(() => createSenderKey(-1), SenderKeyError);
    assert.throws(() => createSenderKey(2 ** 32), SenderKeyError);
    const d = senderKeyDistribution(createSenderKey(1));
    assert.throws(() => senderKeyFromDistribution({ ...d, chainKey: new Uint8Array(31) }), SenderKeyError);
    assert.throws(() => senderKeyFromDistribution({ ...d, iteration: 0.5 }), SenderKeyError);
  });
});
