import { createIdentity } from '../../node-core/test/helpers/p2p-net.ts';
import { startNode } from '../../node-core/test/helpers/spawn-node.ts';
import { expect, openUi, test } from './fixtures.ts';

/**
 * The browser tests' intermittent ~30 s stall (the live-region test one run, the two-users test
 * another): stopping a node while a signed-in page held its event stream could leave the HTTP
 * server's close waiting on that browser connection until the CLI's own 30 s shutdown deadline
 * (reproduced: 1 stop in 15 took 30,032 ms with the server's 2 s cut of idle and upgraded
 * connections disabled). Whichever test stopped a node under an open page that run took the
 * 30 s. The server now cuts such connections 2 s into its shutdown; this keeps it that way, with
 * more stops than any other test makes and a bound far below the old 30 s.
 */
const STOPS = 10;
const BOUND_MS = 4000;

test('a node with a signed-in page stops within seconds, every time', async ({ page }) => {
  test.setTimeout(180_000);
  const times: number[] = [];
  for (let i = 0; i < STOPS; i++) {
    const node = await startNode({ env: { DCHAT_RATE_LIMIT_ENABLED: 'false' } });
    await createIdentity(node, 'stopper');
    await openUi(page, node);
    await expect(page.locator('.connection.online')).toBeVisible();
    const started = Date.now();
    await node.stop();
    times.push(Date.now() - started);
    await expect(page.locator('.connection.offline')).toBeVisible();
  }
  console.log(`stop times with a signed-in page (ms): ${times.join(' ')}`);
  expect(Math.max(...times), `stop times (ms): ${times.join(' ')}`).toBeLessThan(BOUND_MS);
});
