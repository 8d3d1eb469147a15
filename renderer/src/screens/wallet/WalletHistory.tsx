import { useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import { formatNumber } from '../../i18n/index.ts';
import { isSinglePane, SINGLE_PANE_QUERY } from '../../layout.ts';
import type { Wallet, WalletHistoryEntry } from '../../state/wallet.ts';
import { money } from './amount-checks.ts';

const short = (hex: string) => (hex.length > 16 ? `${hex.slice(0, 8)}…${hex.slice(-4)}` : hex);

/** The other side of a history entry: who paid us, or whom we paid (the transfer body's `to`). */
function counterparty(entry: WalletHistoryEntry): string | null {
  if (entry.direction === 'in') return entry.tx.from;
  const to = entry.tx.body.to;
  return entry.direction === 'out' && typeof to === 'string' ? to : null;
}

const onLayoutChange = (listener: () => void) => {
  const query = matchMedia(SINGLE_PANE_QUERY);
  query.addEventListener('change', listener);
  return () => query.removeEventListener('change', listener);
};

/** Sent and not yet in a final block (wallet.pending). */
export function WalletPending(props: { readonly wallet: Wallet }) {
  const { t, i18n } = useTranslation('wallet');
  const { wallet } = props;
  return (
    <section aria-labelledby="wallet-pending-title">
      <h2 id="wallet-pending-title">{t('pending.title', { count: wallet.pending.length })}</h2>
      {wallet.pending.length === 0 ? (
        <p className="empty">{t('pending.none')}</p>
      ) : (
        <ul className="simple-list" data-testid="wallet-pending">
          {wallet.pending.map((tx) => (
            <li key={tx.id}>
              {t('pending.entry', { kind: t(`kinds.${tx.kind}`, { defaultValue: tx.kind }), fee: money(t, tx.fee, i18n.language, wallet), nonce: formatNumber(tx.nonce, i18n.language) })}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** The account's final transactions, newest first as the node gives them: in, out or to itself, amount, fee, block, time. */
export function WalletHistory(props: { readonly wallet: Wallet; readonly entries: readonly WalletHistoryEntry[] }) {
  const { t, i18n } = useTranslation('wallet');
  const { wallet, entries } = props;
  const language = i18n.language;
  const time = new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'short' });
  // In the narrow layout (wallet.css) each entry is a block with its cells labelled: the header row is for screen readers only.
  const narrow = useSyncExternalStore(onLayoutChange, isSinglePane);
  return (
    <section aria-labelledby="wallet-history-title">
      <h2 id="wallet-history-title">{t('history.title')}</h2>
      {entries.length === 0 ? (
        <p className="empty">{t('history.none')}</p>
      ) : (
        <table className="data-table wallet-history">
          <caption className="sr-only">{t('history.title')}</caption>
          <thead className={narrow ? 'sr-only' : undefined}>
            <tr>
              <th scope="col">{t('history.what')}</th>
              <th scope="col">{t('history.amount')}</th>
              <th scope="col">{t('history.fee')}</th>
              <th scope="col">{t('history.block')}</th>
              <th scope="col">{t('history.time')}</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((entry) => {
              const other = counterparty(entry);
              const amount = money(t, Math.abs(entry.amount), language, wallet);
              return (
                <tr key={entry.tx.id}>
                  <th scope="row">
                    {t(`history.direction.${entry.direction}`)} <span className="hint">{t(`kinds.${entry.tx.kind}`, { defaultValue: entry.tx.kind })}</span>
                    {other && (
                      <span className="history-party">
                        {t(entry.direction === 'in' ? 'history.from' : 'history.to', { address: short(other) })}
                      </span>
                    )}
                  </th>
                  <td className={`amount amount-${entry.direction}`} data-label={t('history.amount')}>
                    {t(`history.signed.${entry.direction}`, { amount })}
                  </td>
                  <td data-label={t('history.fee')}>{money(t, entry.tx.fee, language, wallet)}</td>
                  <td data-label={t('history.block')}>{formatNumber(entry.height, language)}</td>
                  <td data-label={t('history.time')}>{time.format(new Date(entry.time))}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
