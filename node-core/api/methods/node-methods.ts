import type { Health, NodeStatus, PeerList } from '../contract.ts';
import * as S from '../schemas.ts';
import { bind, rest, type SpecsOf } from './define.ts';

export interface NodeInfo {
  health(): Health;
  status(): NodeStatus;
  peers(): PeerList;
  /** Counts failed accessibility checks the UI found (accessibility_validation_failures_total). */
  reportAccessibility(check: 'shortcut_conflict', failures: number): void;
}

/** node.health has no REST route of its own: /health is the probe, answered without the router. */
export const nodeSpecs = {
  'node.health': { schema: S.empty },
  'node.status': { schema: S.empty, rest: rest.get('/status') },
  'node.peers': { schema: S.empty, rest: rest.get('/peers') },
  'node.reportAccessibility': { schema: S.accessibilityFailures, rest: rest.post('/api/accessibility/failures', 'body') },
} as const satisfies SpecsOf<'node.health' | 'node.status' | 'node.peers' | 'node.reportAccessibility'>;

export const nodeMethods = (node: NodeInfo) =>
  bind(nodeSpecs, {
    'node.health': () => node.health(),
    'node.status': () => node.status(),
    'node.peers': () => node.peers(),
    'node.reportAccessibility': (i) => {
      node.reportAccessibility(i.check, i.failures);
      return { recorded: i.failures };
    },
  });
