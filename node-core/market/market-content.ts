import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { hexDigest as sha256Hex } from '../attachments/chunk-crypto.ts';
import { ensurePrivateDir, readPrivateFile, writeFileDurably } from '../util/private-files.ts';

/**
 * What a seller sells, kept by the seller's node to deliver to each buyer: content-addressed by the
 * SHA-256 a listing names (`<data>/market/<sha256>`, with its file name and type beside it). Each
 * delivery sends it as a new attachment, under a fresh key, inside the E2E chat with the buyer.
 */

const META = z.object({ name: z.string().min(1).max(255), mime: z.string().min(1).max(127), size: z.number().int().nonnegative() });

export interface ContentFile {
  readonly data: Buffer;
  readonly name: string;
  readonly mime: string;
}

export interface MarketContent {
  /** Keeps the bytes; answers their SHA-256 (hex), the hash a listing names. */
  put(data: Uint8Array, name: string, mime: string): string;
  has(sha256: string): boolean;
  read(sha256: string): ContentFile | undefined;
}

const HEX64 = /^[0-9a-f]{64}$/;

export function createMarketContent(dataDir: string): MarketContent {
  const dir = path.join(dataDir, 'market');
  const file = (hash: string) => path.join(dir, `${hash}.bin`);
  const meta = (hash: string) => path.join(dir, `${hash}.json`);
  return {
    put(data, name, mime) {
      const hash = sha256Hex(data);
      ensurePrivateDir(dir);
      // The bytes first, then what they are: a crash between leaves a file no listing can name yet.
      if (!fs.existsSync(file(hash))) writeFileDurably(file(hash), data);
      writeFileDurably(meta(hash), new TextEncoder().encode(JSON.stringify({ name, mime, size: data.length })));
      return hash;
    },
    has: (hash) => HEX64.test(hash) && fs.existsSync(meta(hash)) && fs.existsSync(file(hash)),
    read(hash) {
      if (!HEX64.test(hash) || !fs.existsSync(meta(hash))) return undefined;
      const about = META.safeParse(JSON.parse(readPrivateFile(meta(hash)).toString('utf8')));
      if (!about.success) return undefined;
      const data = readPrivateFile(file(hash));
      // A file changed on disk is not what the listing promised: better no delivery than a wrong one.
      if (sha256Hex(data) !== hash) return undefined;
      return { data, name: about.data.name, mime: about.data.mime };
    },
  };
}
