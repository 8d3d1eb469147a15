/**
 * Where a process's CPU went, by stage of the message path, from a V8 CPU profile
 * (`--cpu-prof`). Each sample is charged to the first frame, walking from the leaf towards the
 * root, that names a stage: so OpenSSL's key checks under our AEAD count as AEAD, SQLite under
 * a repository as SQLite. Samples with no such frame are "other JavaScript" (or GC, or idle).
 */
import fs from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string };
  readonly children?: readonly number[];
}
interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const STAGES: ReadonlyArray<readonly [stage: string, test: RegExp]> = [
  ['AEAD (XChaCha20-Poly1305)', /node-core\/crypto\/xchacha\.ts|@noble\/ciphers/],
  ['signatures (Ed25519 sign + verify)', /node-core\/crypto\/signing\.ts|@libp2p\/crypto|@noble\/curves\/ed25519.*(sign|verify)/],
  ['ratchet + sender keys (KDF chains, X25519)', /node-core\/crypto\/(double-ratchet|kdf|sender-keys|x25519|x3dh)\.ts/],
  ['vault (session state sealing)', /node-core\/sessions\/vault\.ts/],
  ['SQLite (statements, commits)', /better-sqlite3|node-core\/store\//],
  ['CBOR', /cborg|node-core\/p2p\/codec\.ts/],
  ['validation (zod)', /\/zod\//],
  ['network (libp2p, yamux, noise, framing, sockets)', /@libp2p|@chainsafe|it-|uint8arraylist|node-core\/p2p\/frame|node:net|node:internal\/stream_base|writeBuffer|writev/],
];
const SPECIAL = new Set(['(garbage collector)', '(idle)', '(program)']);

export interface StageShare {
  readonly stage: string;
  readonly ms: number;
  readonly share: number;
}

export function stageBreakdown(profilePath: string): StageShare[] {
  const profile = JSON.parse(fs.readFileSync(profilePath, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stageOf = new Map<number, string>();
  const classify = (leaf: number): string => {
    const known = stageOf.get(leaf);
    if (known) return known;
    const name = byId.get(leaf)!.callFrame.functionName;
    let stage = SPECIAL.has(name) ? name.slice(1, -1) : 'other JavaScript';
    for (let id: number | undefined = leaf; id !== undefined && !SPECIAL.has(name); id = parent.get(id)) {
      const frame = byId.get(id)!.callFrame;
      const match = STAGES.find(([, test]) => test.test(`${frame.url} ${frame.functionName}`));
      if (match) {
        stage = match[0];
        break;
      }
    }
    stageOf.set(leaf, stage);
    return stage;
  };
  const totals = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const stage = classify(id);
    totals.set(stage, (totals.get(stage) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  totals.delete('idle');
  const busy = [...totals.values()].reduce((a, b) => a + b, 0);
  return [...totals]
    .map(([stage, us]) => ({ stage, ms: us / 1000, share: busy > 0 ? us / busy : 0 }))
    .sort((a, b) => b.ms - a.ms);
}
