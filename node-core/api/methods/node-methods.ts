import type { Health, NodeStatus, PeerList } from '../contract.ts';
import * as S from '../schemas.ts';
import { bind, rest, type SpecsOf } from './define.ts';

export interface NodeInfo {
  health(): Health;
  status(): NodeStatus;
  peers(): PeerList;
}

/** node.health has no REST route of its own: /health is the probe, answered without the router. */
export const nodeSpecs = {
  'node.health': { schema: S.empty },
  'node.status': { schema: S.empty, rest: rest.get('/status') },
  'node.peers': { schema: S.empty, rest: rest.get('/peers') },
} as const satisfies SpecsOf<'node.health' | 'node.status' | 'node.peers'>;

export const nodeMethods = (node: NodeInfo) =>
  bind(nodeSpecs, {
    'node.health': () => node.health(),
    'node.status': () => node.status(),
    'node.peers': () => node.peers(),
  });
