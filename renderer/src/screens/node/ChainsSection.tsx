import { useTranslation } from 'react-i18next';
import { formatNumber, formatPercent } from '../../i18n/index.ts';
import { useChains, type ChainInfo } from '../../state/use-chains.ts';

/**
 * What a quorum survives, stated honestly: f Byzantine validators where the genesis claims f > 0;
 * with f = 0 only crashes, as many as leave a quorum standing (n − q, none for a single validator).
 */
function tolerance(chain: ChainInfo): { key: string; count: number } {
  if (chain.byzantine_faults > 0) return { key: 'chains.toleratesByzantine', count: chain.byzantine_faults };
  const crashes = Math.max(0, chain.validators - chain.quorum);
  return crashes > 0 ? { key: 'chains.toleratesCrashes', count: crashes } : { key: 'chains.toleratesNothing', count: 0 };
}

function ChainFigures(props: { readonly chain: ChainInfo }) {
  const { t, i18n } = useTranslation('node');
  const { chain } = props;
  const lang = i18n.language;
  const progress = Math.min(1, Math.max(0, Number.isFinite(chain.sync_progress) ? chain.sync_progress : 0));
  const percent = Math.round(progress * 100);
  const titleId = `chain-${chain.kind}-title`;
  const survives = tolerance(chain);
  return (
    <section aria-labelledby={titleId} className="chain-figures">
      <h3 id={titleId}>{t(`chains.kinds.${chain.kind}`)}</h3>
      <dl className="figures">
        <dt>{t('chains.id')}</dt>
        <dd>
          <code>{chain.chain_id}</code> {chain.local && <span className="chip">{t('chains.local')}</span>}
        </dd>
        <dt>{t('chains.finalHeight')}</dt>
        <dd>{formatNumber(chain.final_height, lang)}</dd>
        <dt>{t('chains.knownHeight')}</dt>
        <dd>{formatNumber(chain.height, lang)}</dd>
        <dt id={`chain-${chain.kind}-sync`}>{t('chains.sync')}</dt>
        <dd>
          <div
            className="sync-bar"
            role="progressbar"
            aria-labelledby={`chain-${chain.kind}-sync ${titleId}`}
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={percent}
            aria-valuetext={formatPercent(progress, lang)}
          >
            <div className="sync-bar-fill" style={{ inlineSize: `${percent}%` }} />
          </div>{' '}
          {chain.syncing ? t('chains.syncing', { percent: formatPercent(progress, lang) }) : t('chains.inSync', { percent: formatPercent(progress, lang) })}
        </dd>
        <dt>{t('chains.validators')}</dt>
        <dd>
          {t('chains.validatorsValue', { count: chain.validators, quorum: formatNumber(chain.quorum, lang) })} <span className="hint">{t(survives.key, { count: survives.count })}</span>
        </dd>
        <dt>{t('chains.mempool')}</dt>
        <dd>{t('chains.mempoolValue', { count: chain.mempool })}</dd>
        <dt>{t('chains.role')}</dt>
        <dd>
          {chain.role === 'validator' && chain.validator
            ? t('chains.validatorAt', {
                index: formatNumber(chain.validator.index, lang),
                round: formatNumber(chain.validator.round, lang),
                step: t(`chains.steps.${chain.validator.step}`, { defaultValue: chain.validator.step }),
              })
            : t('chains.fullNode')}
        </dd>
      </dl>
    </section>
  );
}

/** The Node screen's ledgers: the chat chain and the currency chain, each with its heights, sync, quorum and this node's part. */
export function ChainsSection() {
  const { t } = useTranslation('node');
  const chains = useChains();
  return (
    <section aria-labelledby="chains-title">
      <h2 id="chains-title">{t('chains.title')}</h2>
      {chains ? (
        <>
          <ChainFigures chain={chains.chat} />
          <ChainFigures chain={chains.currency} />
        </>
      ) : (
        <p className="empty">{t('chains.unavailable')}</p>
      )}
    </section>
  );
}
