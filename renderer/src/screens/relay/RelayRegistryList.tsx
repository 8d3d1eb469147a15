import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { describeError } from '../../components/errors.ts';
import { formatNumber } from '../../i18n/index.ts';
import { relayAddressOf } from '../../relay-input.ts';
import { useApp } from '../../state/store.ts';
import type { RelayListing, RelayRegistry } from '../../state/use-relay-registry.ts';
import type { Wallet } from '../../state/wallet.ts';
import { money } from '../wallet/amount-checks.ts';

/** The most relays a user may choose (relays.set). */
const MAX_RELAYS = 8;
export const shortPeer = (peerId: string) => (peerId.length > 20 ? `${peerId.slice(0, 12)}…${peerId.slice(-6)}` : peerId);

/**
 * The relays listed on the chat chain, staked ones first as the node sorts them: uptime
 * attestations, stake, proved deliveries and rewards, a "staked" badge. "Use this relay" (a
 * button: Tab and Enter, or a click) adds its address — the listing's best address with its
 * /p2p/<peer id> — to the user's relays, exactly as pasting it under "Change relays" would.
 */
export function RelayRegistryList(props: { readonly registry: RelayRegistry; readonly wallet: Wallet | null }) {
  const { t, i18n } = useTranslation(['node', 'common']);
  const client = useApp((s) => s.client)!;
  const relays = useApp((s) => s.relays);
  const setRelays = useApp((s) => s.setRelays);
  const announce = useApp((s) => s.announce);
  const ownPeer = useApp((s) => s.status?.p2p?.peer_id ?? null);
  const [busy, setBusy] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<{ readonly ok: boolean; readonly text: string } | null>(null);
  const status = useRef<HTMLParagraphElement>(null);
  const lang = i18n.language;
  const chosen = new Set(relays.map((r) => r.peer_id));
  const amount = (units: number) => (props.wallet ? money(t, units, lang, props.wallet) : formatNumber(units, lang));

  // The button just pressed is gone (the relay is chosen now) or says why not: the outcome takes
  // focus once it is on screen (the line is hidden while empty), so it is read out either way.
  useEffect(() => {
    if (outcome) status.current?.focus();
  }, [outcome]);

  const use = async (listing: RelayListing, address: string) => {
    if (busy) return;
    setOutcome(null);
    if (relays.length >= MAX_RELAYS) {
      setOutcome({ ok: false, text: t('registry.tooMany', { max: formatNumber(MAX_RELAYS, lang) }) });
      return;
    }
    setBusy(listing.peer_id);
    try {
      const kept = relays.map((r) => r.addresses[0]).filter((a): a is string => Boolean(a));
      setRelays((await client.call('relays.set', { relays: [...kept, address] })).relays);
      const text = t('registry.added', { peer: shortPeer(listing.peer_id) });
      setOutcome({ ok: true, text });
      announce(text);
    } catch (err) {
      setOutcome({ ok: false, text: describeError(err, t) });
    } finally {
      setBusy(null);
    }
  };

  return (
    <section aria-labelledby="registry-title" className="relay-registry-section">
      <h2 id="registry-title">{t('registry.title')}</h2>
      <p className="hint">{t('registry.help')}</p>
      {/* One place for the outcome of a pick, good or bad. */}
      <p ref={status} className={outcome && !outcome.ok ? 'registry-status field-error' : 'registry-status'} role="status" tabIndex={-1}>
        {outcome?.text}
      </p>
      {props.registry.relays.length === 0 ? (
        <p className="empty">{t('registry.none')}</p>
      ) : (
        <ul className="relay-registry" data-testid="relay-registry">
          {props.registry.relays.map((listing) => {
            const address = relayAddressOf(listing.peer_id, listing.addresses);
            const own = listing.peer_id === ownPeer;
            const titleId = `registry-${listing.key.slice(0, 16)}`;
            return (
              <li key={listing.key} data-peer-id={listing.peer_id}>
                <h3 id={titleId}>
                  <code dir="ltr" title={listing.peer_id}>
                    {shortPeer(listing.peer_id)}
                  </code>
                  <span className={listing.staked ? 'chip ok' : 'chip'}>{listing.staked ? t('registry.staked') : t('registry.notStaked')}</span>
                  {own && <span className="chip">{t('registry.thisNode')}</span>}
                </h3>
                <dl className="figures">
                  <dt>{t('registry.attestations')}</dt>
                  <dd>{t('registry.attestationsValue', { total: formatNumber(listing.attestations, lang), period: formatNumber(listing.period_attestations, lang) })}</dd>
                  <dt>{t('registry.stake')}</dt>
                  <dd>{amount(listing.stake)}</dd>
                  <dt>{t('registry.delivered')}</dt>
                  <dd>{formatNumber(listing.delivered, lang)}</dd>
                  <dt>{t('registry.rewards')}</dt>
                  <dd>{amount(listing.rewards_earned)}</dd>
                </dl>
                {chosen.has(listing.peer_id) ? (
                  <p className="chip ok registry-chosen">{t('registry.chosen')}</p>
                ) : own ? null : address ? (
                  <button type="button" className="secondary" aria-describedby={titleId} aria-disabled={busy !== null || undefined} onClick={() => void use(listing, address)}>
                    {busy === listing.peer_id ? t('registry.adding') : t('registry.use')}
                  </button>
                ) : (
                  <p className="hint">{t('registry.noAddress')}</p>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
