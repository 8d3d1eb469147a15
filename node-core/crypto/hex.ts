import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';

export { bytesToHex, hexToBytes };

export const HEX_KEY_PATTERN = /^[0-9a-f]{64}$/;
