import fs from 'node:fs';
import path from 'node:path';
import type { MethodOutput } from '../../node-core/api/contract.ts';
import { createIdentity, json, startUser } from '../../node-core/test/helpers/p2p-net.ts';
import { REPO_ROOT, startNode, type RunningNode } from '../../node-core/test/helpers/spawn-node.ts';
import { auditLog, expect, openUi, stopAll, test } from './fixtures.ts';
import { layoutProblems, zoomedViewport } from './layout-checks.ts';
import { usePreferences } from './scenes.ts';

/**
 * Onboarding's offer to publish the username in the chat chain's directory, against a real
 * headless node on its own single-validator chains (with a faucet, so the node pays the fees).
 * On (the default for a name the chain accepts): after the relay step the registration is seen
 * final at a block, and the directory names the new identity. Off: nothing is registered.
 */

const lookup = (node: RunningNode, username: string) => json<MethodOutput<'directory.lookup'>>(node.api('/api/rpc/directory.lookup', { json: { username } }));
const identities = (node: RunningNode) => json<MethodOutput<'identities.list'>>(node.api('/api/identities'));

test('publishing the username during onboarding puts it in the directory, final at a block', async ({ page, defer }) => {
  const node = await startUser(null);
  defer(() => stopAll(node));
  await usePreferences(page, 'en', 'light');
  await openUi(page, node);
  const log = auditLog(page);

  // By keyboard: the name, then the offer, on because the name fits the chain's rule.
  await page.locator('#username').focus();
  await page.keyboard.type('dora_dc');
  await expect(page.locator('#publish-username')).toBeChecked();
  await expect(page.getByLabel('Publish my username in the directory so people can add me by name')).toBeEnabled();
  await expect(page.locator('#publish-fee')).toContainText('username fee plus its minimum fee');
  await log.check('onboarding-directory/identity');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Choose your relays' })).toBeFocused();
  await page.getByRole('button', { name: 'Continue' }).press('Enter');

  // The third step: focus on its heading, the outcome from the chain.
  await expect(page.getByRole('heading', { name: 'Your username in the directory' })).toBeFocused();
  const state = page.getByTestId('onboarding-directory-state');
  await expect(state).toHaveText(/^@dora_dc is in the directory, final at block \d+\. People can now add you by name\.$/, { timeout: 60_000 });
  for (const zoom of [100, 200, 400]) {
    await page.setViewportSize(zoomedViewport(zoom));
    await log.check(`onboarding-directory/done@${zoom}`);
    expect(await layoutProblems(page, `onboarding-directory/done@${zoom}`)).toEqual([]);
  }
  await page.setViewportSize(zoomedViewport(100));
  log.finish();
  const height = Number(/block (\d+)/.exec((await state.textContent()) ?? '')?.[1]);

  await page.getByRole('button', { name: 'Continue' }).press('Enter');
  await expect(page.getByRole('heading', { name: 'Chats', level: 1 })).toBeVisible();

  // The directory (proof checked by the node) names this identity, from that block on.
  const [me] = (await identities(node)).identities;
  const answer = await lookup(node, 'dora_dc');
  expect(answer.verified).toBe(true);
  expect(answer.record?.identity_key.toLowerCase()).toBe(me!.id.toLowerCase());
  expect(answer.record?.registered_height).toBe(height);
});

test('with the offer off (or a name the chain refuses), nothing is registered', async ({ page, defer }) => {
  const node = await startUser(null);
  defer(() => stopAll(node));
  await usePreferences(page, 'en', 'light');
  await openUi(page, node);

  // A name starting with a digit cannot go on the chain: the offer is off and cannot be switched on.
  await page.locator('#username').fill('2fast');
  await expect(page.locator('#publish-username')).not.toBeChecked();
  await expect(page.locator('#publish-username')).toBeDisabled();

  await page.locator('#username').fill('eve_dc');
  await expect(page.locator('#publish-username')).toBeChecked();
  await page.locator('#publish-username').focus();
  await page.keyboard.press('Space');
  await expect(page.locator('#publish-username')).not.toBeChecked();
  await page.getByRole('button', { name: 'Create identity' }).click();
  await expect(page.getByRole('heading', { name: 'Choose your relays' })).toBeFocused();
  await page.getByRole('button', { name: 'Skip for now' }).click();
  // Straight into the app: no directory step.
  await expect(page.getByRole('heading', { name: 'Chats', level: 1 })).toBeVisible();

  const answer = await lookup(node, 'eve_dc');
  expect(answer.verified).toBe(true);
  expect(answer.record).toBeNull();
});

test("a name someone else holds on the chain: the chain's named error, and where to do it later", async ({ page, defer }) => {
  const node = await startUser(null);
  defer(() => stopAll(node));
  await usePreferences(page, 'en', 'light');
  await openUi(page, node);
  await expect(page.locator('#username')).toBeVisible();
  // While onboarding is open, another identity of this node takes the name on the chain.
  const holder = await createIdentity(node, 'holder');
  await json(node.api(`/api/identities/${holder}/register`, { json: { username: 'gina_dc' } }));

  await page.getByLabel('Username', { exact: true }).fill('gina_dc');
  await expect(page.locator('#publish-username')).toBeChecked();
  await page.getByRole('button', { name: 'Create identity' }).click();
  await page.getByRole('button', { name: 'Skip for now' }).click();
  const state = page.getByTestId('onboarding-directory-state');
  await expect(state).toHaveAttribute('data-phase', 'failed', { timeout: 60_000 });
  await expect(state).toHaveText('@gina_dc could not be published in the directory.');
  await expect(page.locator('main .field-error')).toContainText('UsernameTaken');
  await expect(page.locator('main')).toContainText('Someone else holds @gina_dc on the chat chain, so it cannot be yours there; people can still add you with your invite, on the Contacts page.');
  const log = auditLog(page);
  for (const zoom of [100, 400]) {
    await page.setViewportSize(zoomedViewport(zoom));
    await log.check(`onboarding-directory/taken@${zoom}`);
    expect(await layoutProblems(page, `onboarding-directory/taken@${zoom}`)).toEqual([]);
  }
  log.finish();
  await page.setViewportSize(zoomedViewport(100));
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByRole('heading', { name: 'Chats', level: 1 })).toBeVisible();
  expect((await lookup(node, 'gina_dc')).record?.identity_key.toLowerCase()).toBe(holder.toLowerCase());
});

test('registration the node cannot make (no peer-to-peer networking) says so and points to the Contacts page, in Arabic, right to left', async ({ page, defer }) => {
  const node = await startNode({ env: { DCHAT_P2P_ENABLED: 'false', DCHAT_RATE_LIMIT_ENABLED: 'false' } });
  defer(() => stopAll(node));
  const ar = (JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'renderer/src/i18n/locales/ar/people.json'), 'utf8')) as { onboarding: Record<string, string> }).onboarding;
  await usePreferences(page, 'ar', 'dark');
  await openUi(page, node);
  await expect(page.locator('html')).toHaveAttribute('dir', 'rtl');
  await page.locator('#username').fill('hana_dc');
  await expect(page.getByLabel(ar.publish!)).toBeChecked();
  await page.locator('form button[type=submit]').click();
  await expect(page.locator('#relays-title')).toBeFocused();
  // Skipped: without networking the node can save no relays either.
  await page.locator('form .button-row button.secondary').click();
  const state = page.getByTestId('onboarding-directory-state');
  await expect(state).toHaveAttribute('data-phase', 'failed', { timeout: 60_000 });
  await expect(state).toHaveText(ar.directoryFailed!.replace('{{username}}', 'hana_dc'));
  await expect(page.locator('main .field-error')).toContainText('NetworkDisabled');
  await expect(page.locator('main')).toContainText(ar.directoryLater!);
  const log = auditLog(page);
  await log.check('onboarding-directory/failed-ar-dark');
  log.finish();
  await page.locator('main .button-row button').press('Enter');
  await expect(page.locator('#chat-list-title')).toBeVisible();
});
