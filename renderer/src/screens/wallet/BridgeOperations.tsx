import type { TFunction } from 'i18next';
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { useApp } from '../../state/store.ts';
import type { BridgePacket, ChainKind, Wallet } from '../../state/wallet.ts';
import { money } from './amount-checks.ts';

/** Refusal codes of the bridge rules (node-core/chain/bridge-rules.ts) that have words; any other is shown as it is. */
const REASONS = new Set(['timeout', 'insufficient-escrow', 'insufficient-funds', 'insufficient-stake', 'not-staked', 'no-reward', 'no-channel']);

export const isPending = (p: BridgePacket): boolean => p.state === 'Initiated' || p.state === 'FinalityProved';
/** The chain a packet goes to. */
export const destinationOf = (p: BridgePacket): ChainKind => (p.direction === 'currency-to-chat' ? 'chat' : 'currency');

export function reasonOf(t: TFunction, code: string | null): string {
  const known = code !== null && REASONS.has(code);
  return known ? t(`wallet:bridge.reason.${code}`) : t('wallet:bridge.reason.other', { code: code ?? '?' });
}

/** Where the operation is, in words: waiting for its proof, proved (or refused) on the destination, done, or returned and why. */
export function stateOf(t: TFunction, p: BridgePacket): string {
  const to = destinationOf(p);
  switch (p.state) {
    case 'Initiated':
      return t('wallet:bridge.state.initiated');
    case 'FinalityProved':
      return p.error ? t(`wallet:bridge.state.refused.${to}`, { reason: reasonOf(t, p.error) }) : t(`wallet:bridge.state.proved.${to}`);
    case 'Executed':
      return t('wallet:bridge.state.executed');
    case 'RolledBack':
      return t('wallet:bridge.state.rolledBack', { reason: reasonOf(t, p.error) });
  }
}

/** What moved: funds (transfer, stake, membership) or, for a relay's reward, the deliveries it was paid for. */
function whatOf(t: TFunction, p: BridgePacket, language: string, wallet: Wallet): string {
  const to = destinationOf(p);
  if (p.app === 'reward') return t(`wallet:bridge.what.reward.${to}`, { count: p.amount });
  return t(`wallet:bridge.what.${p.app}.${to}`, { amount: money(t, p.amount, language, wallet) });
}

/**
 * This identity's operations between the chains, newest first: what moved and where, its state in
 * words, when it started and finished (or when it is returned if no proof comes). The wallet's
 * refresh reads them again every two seconds, so a pending one moves on by itself; when one
 * settles, the live region says so.
 */
export function BridgeOperations(props: { readonly wallet: Wallet; readonly packets: readonly BridgePacket[] }) {
  const { t, i18n } = useTranslation('wallet');
  const announce = useApp((s) => s.announce);
  const { wallet, packets } = props;
  const language = i18n.language;
  const time = new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'medium' });
  const seen = useRef<Map<string, BridgePacket['state']> | null>(null);

  useEffect(() => {
    const before = seen.current;
    seen.current = new Map(packets.map((p) => [p.id, p.state]));
    if (!before) return;
    for (const p of packets) {
      const was = before.get(p.id);
      if (was !== undefined && was !== p.state && !isPending(p)) announce(t('bridge.settled', { what: whatOf(t, p, language, wallet), state: stateOf(t, p) }));
    }
  }, [packets, announce, t, language, wallet]);

  const pending = packets.filter(isPending).length;
  return (
    <section aria-labelledby="bridge-ops-title">
      <h2 id="bridge-ops-title">{t('bridge.operations')}</h2>
      {packets.length === 0 ? (
        <p className="empty">{t('bridge.none')}</p>
      ) : (
        <>
          <p className="hint">{pending > 0 ? t('bridge.pendingCount', { count: pending }) : t('bridge.allSettled')}</p>
          <ul className="bridge-ops" data-testid="bridge-operations">
            {packets.map((p) => (
              <li key={p.id} data-state={p.state}>
                <span className="bridge-what">{whatOf(t, p, language, wallet)}</span>
                <span className={`chip bridge-state${p.state === 'Executed' ? ' ok' : p.state === 'RolledBack' || p.error ? ' warn' : ''}`}>{stateOf(t, p)}</span>
                <span className="hint bridge-times">
                  {t('bridge.started', { time: time.format(new Date(p.initiated.time)) })}{' '}
                  {p.finished
                    ? t('bridge.finished', { time: time.format(new Date(p.finished.time)) })
                    : t('bridge.timeout', { time: time.format(new Date(p.timeout)) })}
                </span>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
