import type { Health, NodeStatus, PeerList } from '../contract.ts';
import * as S from '../schemas.ts';
import { define, type MethodsOf } from './define.ts';

export interface NodeInfo {
  health(): Health;
  status(): NodeStatus;
  peers(): PeerList;
}

export const nodeMethods = (node: NodeInfo) =>
  ({
    'node.health': define(S.empty, () => node.health()),
    'node.status': define(S.empty, () => node.status()),
    'node.peers': define(S.empty, () => node.peers()),
  }) satisfies MethodsOf<'node.health' | 'node.status' | 'node.peers'>;
