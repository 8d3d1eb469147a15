import type { NodeStatus } from '../../node-core/api/contract.ts';
import { createIdentity, json } from '../../node-core/test/helpers/p2p-net.ts';
import { startNode } from '../../node-core/test/helpers/spawn-node.ts';
import { expect, openUi, screenshot, stopAll } from './fixtures.ts';
import { test, usePreferences } from './scenes.ts';

/** The first hour's stumbles, mended: each test is one of them, in the UI against real nodes. */

test.describe('the first hour', () => {
  test('the header tells the link to this node apart from the peers it is connected to', async ({ page, chats, defer }) => {
    const { a } = chats;
    await usePreferences(page, 'en', 'light');
    await openUi(page, a);
    await expect(page.locator('.connection.online')).toHaveText('Connected to this node');
    // The peer count is the node's own (GET /status), not the UI's link.
    await expect
      .poll(async () => {
        const status = await json<NodeStatus>(a.api('/status'));
        const shown = await page.locator('.peer-count').textContent();
        return shown === `Connected to ${status.peers.connected} ${status.peers.connected === 1 ? 'peer' : 'peers'}` && status.peers.connected > 0;
      })
      .toBe(true);
    await screenshot(page, 'header-connected');

    // A node without networking says so; once the UI loses its node, only that is said.
    const alone = await startNode({ env: { DCHAT_P2P_ENABLED: 'false', DCHAT_RATE_LIMIT_ENABLED: 'false' } });
    defer(() => stopAll(alone));
    await createIdentity(alone, 'dana');
    await openUi(page, alone);
    await expect(page.locator('.connection.online')).toHaveText('Connected to this node');
    await expect(page.locator('.peer-count')).toHaveText('Peer-to-peer networking is off');
    await stopAll(alone);
    await expect(page.locator('.connection.offline')).toHaveText('Not connected to this node');
    await expect(page.locator('.peer-count')).toHaveCount(0);
  });
});
