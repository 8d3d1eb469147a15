import { useTranslation } from 'react-i18next';
import { formatBytes, formatNumber } from '../i18n/index.ts';
import { useApp } from '../state/store.ts';
import { useNodeFigures } from '../state/use-node-figures.ts';
import { ChainsSection } from './node/ChainsSection.tsx';

export function StatusView() {
  const { t, i18n } = useTranslation(['node', 'common']);
  const status = useApp((s) => s.status);
  const peers = useApp((s) => s.peers);
  const lang = i18n.language;

  useNodeFigures();

  return (
    <main className="page" id="main" tabIndex={-1}>
      <h1>{t('status.title')}</h1>
      {status && (
        <dl className="figures">
          <dt>{t('status.version')}</dt>
          <dd>{status.version}</dd>
          <dt>{t('status.role')}</dt>
          <dd>{t(`status.roles.${status.role}`)}</dd>
          <dt>{t('status.uptime')}</dt>
          <dd>{t('status.uptimeValue', { count: Math.floor(status.uptime_seconds / 60) })}</dd>
          <dt>{t('status.peerId')}</dt>
          <dd>
            <code>{status.p2p?.peer_id ?? t('status.networkOff')}</code>
          </dd>
          <dt>{t('status.messages')}</dt>
          <dd>{formatNumber(status.store.messages, lang)}</dd>
          <dt>{t('status.database')}</dt>
          <dd>
            {/* The write-ahead log holds recent writes until SQLite folds them into the file: both are the database. */}
            {formatBytes(status.store.size_bytes + status.store.wal_bytes, lang)}{' '}
            <span className="hint">
              {t('status.databaseParts', { file: formatBytes(status.store.size_bytes, lang), wal: formatBytes(status.store.wal_bytes, lang) })}
            </span>
          </dd>
          <dt>{t('status.outbox')}</dt>
          <dd>{formatNumber(status.p2p?.outbox ?? 0, lang)}</dd>
        </dl>
      )}
      <ChainsSection />
      <h2>{t('peers.title', { count: peers.length })}</h2>
      {peers.length === 0 ? (
        <p className="empty">{t('peers.none')}</p>
      ) : (
        <table className="data-table">
          <caption className="sr-only">{t('peers.title', { count: peers.length })}</caption>
          <thead>
            <tr>
              <th scope="col">{t('peers.peer')}</th>
              <th scope="col">{t('peers.direction')}</th>
              <th scope="col">{t('peers.latency')}</th>
              <th scope="col">{t('peers.role')}</th>
            </tr>
          </thead>
          <tbody>
            {peers.map((p) => (
              <tr key={p.peer_id}>
                <th scope="row">
                  <code title={p.addresses.join('\n')}>{p.peer_id.slice(0, 16)}…</code>
                </th>
                <td>{t(`peers.${p.direction}`)}</td>
                <td>{p.latency_ms === null ? '—' : t('peers.ms', { value: formatNumber(Math.round(p.latency_ms), lang) })}</td>
                <td>{p.role ? t(`status.roles.${p.role}`, { defaultValue: p.role }) : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}
