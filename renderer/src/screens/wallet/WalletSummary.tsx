import { useTranslation } from 'react-i18next';
import { QrCode } from '../../components/QrCode.tsx';
import { formatNumber } from '../../i18n/index.ts';
import type { Wallet } from '../../state/wallet.ts';
import { CopyField } from '../bots/CopyField.tsx';
import { money } from './amount-checks.ts';

/** What the account holds (balance, on the chat chain, staked, unbonding with release heights) and its address to be paid at, with a QR code. */
export function WalletSummary(props: { readonly wallet: Wallet }) {
  const { t, i18n } = useTranslation('wallet');
  const { wallet } = props;
  const language = i18n.language;
  return (
    <>
      <section aria-labelledby="wallet-holdings-title">
        <h2 id="wallet-holdings-title">{t('holdings.title')}</h2>
        <dl className="figures">
          <dt>{t('holdings.balance')}</dt>
          <dd data-testid="wallet-balance">{money(t, wallet.balance, language, wallet)}</dd>
          <dt>{t('holdings.chatBalance')}</dt>
          <dd data-testid="wallet-chat-balance">
            {money(t, wallet.chat_balance, language, wallet)} <span className="hint">{t('holdings.chatBalanceHelp', { chain: wallet.chat_chain_id })}</span>
          </dd>
          <dt>{t('holdings.staked')}</dt>
          <dd data-testid="wallet-staked">{money(t, wallet.staked, language, wallet)}</dd>
          <dt>{t('holdings.unbonding')}</dt>
          <dd data-testid="wallet-unbonding">
            {wallet.unbonding.length === 0 ? (
              t('holdings.unbondingNone')
            ) : (
              <ul className="simple-list">
                {wallet.unbonding.map((u) => (
                  <li key={`${u.release_height}-${u.amount}`}>
                    {t('holdings.unbondingEntry', {
                      amount: money(t, u.amount, language, wallet),
                      height: formatNumber(u.release_height, language),
                      count: Math.max(0, u.release_height - wallet.final_height),
                    })}
                  </li>
                ))}
              </ul>
            )}
          </dd>
          <dt>{t('holdings.height')}</dt>
          <dd>{t('holdings.heightValue', { height: formatNumber(wallet.final_height, language), chain: wallet.chain_id })}</dd>
        </dl>
      </section>
      <section aria-labelledby="wallet-address-title" className="wallet-address">
        <h2 id="wallet-address-title">{t('address.title')}</h2>
        <div className="invite-share with-qr">
          <div className="invite-link">
            <CopyField id="wallet-address" label={t('address.label')} value={wallet.address} rows={2} help={t('address.help')} />
          </div>
          <QrCode className="invite-qr" text={wallet.address} label={t('address.qr', { address: wallet.address })} />
        </div>
      </section>
    </>
  );
}
