import fs from 'node:fs';
import path from 'node:path';
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys';
import type { PrivateKey } from '@libp2p/interface';
import { createPrivateFileOnce, readPrivateFile } from '../util/private-files.ts';

export const PEER_KEY_FILE = 'peer-key';

/** The node's libp2p key (its peer id), kept in <data_dir>/peer-key (0600) so the id is stable. */
export async function loadOrCreatePeerKey(dataDir: string): Promise<PrivateKey> {
  const file = path.join(dataDir, PEER_KEY_FILE);
  if (!fs.existsSync(file)) createPrivateFileOnce(file, privateKeyToProtobuf(await generateKeyPair('Ed25519')));
  try {
    return privateKeyFromProtobuf(new Uint8Array(readPrivateFile(file)));
  } catch (err) {
    throw new Error(`${file} is damaged (${(err as Error).message}); move it away to get a new peer id`, { cause: err });
  }
}
