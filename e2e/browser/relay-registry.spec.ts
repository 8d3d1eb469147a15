import type { Page } from '@playwright/test';
import type { MethodOutput } from '../../node-core/api/contract.ts';
import { createDevnet, type Devnet } from '../../node-core/test/helpers/devnet.ts';
import { createIdentity, json, waitFor } from '../../node-core/test/helpers/p2p-net.ts';
import type { RunningNode } from '../../node-core/test/helpers/spawn-node.ts';
import { formatAmount } from '../../renderer/src/wallet-amounts.ts';
import { auditLog, expect, openUi, stopAll, test as base } from './fixtures.ts';
import { layoutProblems, zoomedViewport } from './layout-checks.ts';
import { usePreferences } from './scenes.ts';

/**
 * The Relay screen's registry and "My relay", on a devnet of one validator and one full node
 * (`dchat devnet init`, real processes sharing both chains). The validator's operator announces
 * their node as a relay and stakes 20 DCT from its Relay screen (My relay); the bridge carries the
 * stake to the chat chain's registry. On the full node Alice's Relay screen lists that relay as
 * staked, with its figures; she picks it by keyboard and it becomes her relay, as pasting its
 * address would. axe and layout at 100/200/400 %, and right to left in Arabic.
 */

type Registry = MethodOutput<'relays.registry'>;
type Wallet = MethodOutput<'wallet.get'>;

interface Net {
  readonly devnet: Devnet;
  readonly relay: RunningNode;
  readonly user: RunningNode;
}

const test = base.extend<object, { net: Net }>({
  net: [
    // eslint-disable-next-line no-empty-pattern -- Playwright fixtures take their dependencies as a destructured first argument.
    async ({}, use) => {
      const devnet = await createDevnet(1, 1, { DCHAT_RATE_LIMIT_ENABLED: 'false' });
      const [relay, user] = await Promise.all([devnet.start('validator-0'), devnet.start('full-0')]);
      await createIdentity(relay, 'rita');
      await createIdentity(user, 'alice');
      await use({ devnet, relay, user });
      await stopAll(relay, user);
    },
    { scope: 'worker', timeout: 120_000 },
  ],
});

const rpc = <M extends 'relays.registry' | 'relays.list' | 'wallet.get' | 'wallet.faucet' | 'relay.setEnabled' | 'node.status'>(node: RunningNode, method: M, input: object = {}) =>
  json<MethodOutput<M>>(node.api(`/api/rpc/${method}`, { json: input }));
/** The relay announced and staked (by the first test, or here through the API when this test runs alone), as the full node's registry shows it. */
async function stakedRelay(net: Net, peerId: string) {
  const find = async () => (await rpc(net.user, 'relays.registry')).relays.find((r: Registry['relays'][number]) => r.peer_id === peerId && r.staked);
  if (!(await find())) {
    await rpc(net.relay, 'wallet.faucet', { wait: true }).catch(() => undefined);
    if (!(await rpc(net.relay, 'relays.registry')).relays.some((r) => r.peer_id === peerId)) await json(net.relay.api('/api/rpc/relays.announce', { json: { wait: true } }));
    await json(net.relay.api('/api/rpc/relays.stake', { json: { amount: 20_000_000, wait: true } }));
  }
  return waitFor('the staked relay in the registry at the full node', find, 60_000);
}

const money = (units: number, wallet: Pick<Wallet, 'decimals' | 'symbol'>) => `${formatAmount(units, 'en', wallet.decimals)} ${wallet.symbol}`;

async function tabTo(page: Page, target: string): Promise<void> {
  for (let i = 0; i < 80; i++) {
    await page.keyboard.press('Tab');
    const { text, id } = await page.evaluate(() => ({ text: (document.activeElement?.textContent ?? '').trim(), id: document.activeElement?.id ?? '' }));
    if (target.startsWith('#') ? `#${id}` === target : text === target) return;
  }
  throw new Error(`Tab never reached "${target}"`);
}

async function auditAtZooms(page: Page, log: ReturnType<typeof auditLog>, name: string): Promise<void> {
  for (const zoom of [100, 200, 400]) {
    await page.setViewportSize(zoomedViewport(zoom));
    await log.check(`relay-registry/${name}@${zoom}`);
    expect(await layoutProblems(page, `relay-registry/${name}@${zoom}`)).toEqual([]);
  }
  await page.setViewportSize(zoomedViewport(100));
}

async function openRelay(page: Page, node: RunningNode, heading = 'Relay'): Promise<void> {
  await openUi(page, node);
  await expect(page.locator('nav')).toBeVisible();
  await page.keyboard.press('Alt+3');
  await expect(page.getByRole('heading', { name: heading, level: 1 })).toBeVisible();
}

test('a second node announces itself as a relay and stakes; Alice picks it from the registry by keyboard and it becomes her relay', async ({ page, net }) => {
  const { relay, user } = net;
  test.setTimeout(240_000);
  const log = auditLog(page);
  await rpc(relay, 'relay.setEnabled', { enabled: true });
  await rpc(relay, 'wallet.faucet', { wait: true });
  const relayWallet = await rpc(relay, 'wallet.get');
  const relayPeer = (await rpc(relay, 'node.status')).p2p!.peer_id;

  // The relay's operator, on their own node: not listed yet, so My relay offers to announce it.
  await openRelay(page, relay);
  const mine = page.getByRole('region', { name: 'My relay' });
  await expect(mine).toContainText('This node is not listed in the chat chain’s relay registry.');
  await auditAtZooms(page, log, 'not-listed');
  await tabTo(page, 'Announce this node as a relay');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('status').filter({ hasText: 'This node is listed as a relay now.' })).toBeAttached();
  await expect(page.getByTestId('my-relay-listed')).toHaveText(/^block \d+$/);
  await expect(page.getByRole('heading', { name: 'My relay', level: 2 })).toBeFocused();
  await expect(page.getByTestId('my-relay-stake')).toContainText(`${money(0, relayWallet)} Not staked`);
  // Its own listing is in the registry too, marked as this node, with nothing to pick.
  const ownListing = page.getByTestId('relay-registry').locator(`li[data-peer-id="${relayPeer}"]`);
  await expect(ownListing).toContainText('This node');
  await expect(ownListing.getByRole('button')).toHaveCount(0);

  // Stake 20 DCT (more than the balance is refused beside the field first).
  await tabTo(page, '#relay-stake-amount');
  await page.keyboard.type(formatAmount(relayWallet.balance, 'en', relayWallet.decimals, { grouping: false }));
  await page.keyboard.press('Enter');
  await expect(page.locator('#relay-stake-amount-error')).toHaveText(`That is more than your balance allows after the fee: at most ${money(relayWallet.balance - relayWallet.min_fee, relayWallet)}.`);
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.type('20');
  await page.keyboard.press('Enter');
  await expect(mine.getByText(/^Staked 20 DCT in block \d+; the registry shows it once the bridge has carried it\.$/)).toBeVisible();
  await expect(page.getByTestId('my-relay-stake')).toContainText(`${money(20_000_000, relayWallet)} Staked`, { timeout: 30_000 });
  await auditAtZooms(page, log, 'my-relay-staked');

  // Alice's node (the full node) sees the same registry once it has the blocks.
  const listed = await stakedRelay(net, relayPeer);
  expect(listed.stake).toBe(20_000_000);
  expect((await rpc(user, 'relays.list')).relays).toEqual([]);

  await openRelay(page, user);
  const card = page.getByTestId('relay-registry').locator(`li[data-peer-id="${relayPeer}"]`);
  await expect(card).toContainText('Staked');
  await expect(card).toContainText(money(20_000_000, relayWallet));
  await expect(card).toContainText('Uptime attestations');
  await expect(card).toContainText('Proved deliveries');
  await expect(page.getByText('You have not chosen any relay.')).toBeVisible();
  // Alice's own node is not listed: My relay offers to announce it, and says relaying is off.
  await expect(page.getByRole('region', { name: 'My relay' })).toContainText('Turn on “Relay for others” as well');
  await auditAtZooms(page, log, 'registry');

  // Keyboard: Tab to the card's button (its description names the relay), Enter.
  await tabTo(page, 'Use this relay');
  const button = card.getByRole('button', { name: 'Use this relay' });
  await expect(button).toBeFocused();
  await page.keyboard.press('Enter');
  const status = page.locator('.registry-status');
  await expect(status).toHaveText(`${relayPeer.slice(0, 12)}…${relayPeer.slice(-6)} is now one of your relays.`);
  await expect(status).toBeFocused();
  await expect(card).toContainText('Your relay');
  await expect(card.getByRole('button')).toHaveCount(0);

  // Saved as pasting it would have: the listing's address with /p2p/<peer id>, and it connects.
  // On loopback every address is as local as the others: the first TCP one (a listing's addresses may carry /p2p/ already).
  const tcp = listed.addresses.find((a) => !/\/wss?(\/|$)/.test(a))!;
  const expected = tcp.includes('/p2p/') ? tcp : `${tcp}/p2p/${relayPeer}`;
  expect(expected.endsWith(`/p2p/${relayPeer}`)).toBe(true);
  const chosen = (await rpc(user, 'relays.list')).relays;
  expect(chosen.map((r) => r.peer_id)).toEqual([relayPeer]);
  expect(chosen[0]!.addresses).toContain(expected);
  const yours = page.locator('main .simple-list').first();
  await expect(yours).toContainText(expected);
  await expect(yours.locator('.chip')).toHaveText('connected', { timeout: 30_000 });
  await auditAtZooms(page, log, 'chosen');

  // Back on the relay's node: take 15 DCT of the stake back; 5 DCT is below what earns rewards.
  await openRelay(page, relay);
  await tabTo(page, '#relay-unstake-amount');
  await page.keyboard.type('25');
  await page.keyboard.press('Enter');
  await expect(page.locator('#relay-unstake-amount-error')).toHaveText(`That is more than your relay stake: at most ${money(20_000_000, relayWallet)}.`);
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.type('15');
  await page.keyboard.press('Enter');
  await expect(page.getByText(/^Unstaked 15 DCT in block \d+\.$/)).toBeVisible();
  await expect(page.getByTestId('my-relay-stake')).toContainText(`${money(5_000_000, relayWallet)} Not staked`, { timeout: 30_000 });
  log.finish();
});

test('the registry right to left (Arabic, high contrast), with a mouse click on a relay', async ({ page, net }) => {
  const { relay, user } = net;
  test.setTimeout(120_000);
  const log = auditLog(page);
  const relayPeer = (await rpc(relay, 'node.status')).p2p!.peer_id;
  await stakedRelay(net, relayPeer);
  await json(user.api('/api/rpc/relays.set', { json: { relays: [] } }));
  await usePreferences(page, 'ar', 'high-contrast');
  await openRelay(page, user, 'المُرحِّل');
  await expect(page.locator('html')).toHaveAttribute('dir', 'rtl');
  const card = page.getByTestId('relay-registry').locator(`li[data-peer-id="${relayPeer}"]`);
  await expect(card).toContainText('مرهون');
  await log.check('relay-registry/ar-hc@100');
  await card.getByRole('button', { name: 'استخدام هذا المُرحِّل' }).click();
  await expect(page.locator('.registry-status')).toContainText('أصبح');
  await expect(card).toContainText('مُرحِّلك');
  await page.setViewportSize(zoomedViewport(400));
  await log.check('relay-registry/ar-hc@400');
  expect(await layoutProblems(page, 'relay-registry/ar-hc@400')).toEqual([]);
  expect((await rpc(user, 'relays.list')).relays.map((r) => r.peer_id)).toEqual([relayPeer]);
  log.finish();
});
