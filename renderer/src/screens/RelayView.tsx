import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { describeError } from '../components/errors.ts';
import { formatBytes, formatNumber, formatPercent } from '../i18n/index.ts';
import { useApp } from '../state/store.ts';
import { useNodeFigures } from '../state/use-node-figures.ts';
import { FieldError } from '../components/FieldError.tsx';
import { useRelayRegistry } from '../state/use-relay-registry.ts';
import { MyRelay } from './relay/MyRelay.tsx';
import { RelayRegistryList } from './relay/RelayRegistryList.tsx';

/**
 * Relay dashboard: opt in or out, what this node holds for others and how the chat chain's relay
 * registry lists it (My relay: stake, deliveries, rewards), the relays we use, and the registry's
 * relays to pick one from.
 */
export function RelayView() {
  const { t, i18n } = useTranslation(['node', 'common']);
  const client = useApp((s) => s.client)!;
  const relay = useApp((s) => s.relay);
  const relays = useApp((s) => s.relays);
  const setRelayFigures = useApp((s) => s.setRelayFigures);
  const setRelays = useApp((s) => s.setRelays);
  const [editing, setEditing] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const lang = i18n.language;
  const ownPeer = useApp((s) => s.status?.p2p?.peer_id ?? null);
  const { registry, wallet, error: registryError, reload } = useRelayRegistry();
  const mine = registry?.relays.find((r) => r.peer_id === ownPeer) ?? null;

  useNodeFigures();

  const toggle = async (enabled: boolean) => {
    setError(null);
    try {
      setRelayFigures(await client.call('relay.setEnabled', { enabled }));
    } catch (err) {
      setError(describeError(err, t));
    }
  };

  const saveRelays = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      setRelays((await client.call('relays.set', { relays: (editing ?? '').split(/\s+/).filter(Boolean) })).relays);
      setEditing(null);
    } catch (err) {
      setError(describeError(err, t));
    }
  };

  return (
    <main className="page" id="main" tabIndex={-1}>
      <h1>{t('relay.title')}</h1>
      <FieldError error={error} />
      {relay ? (
        <>
          <div className="switch-row">
            <input id="relay-enabled" type="checkbox" role="switch" checked={relay.enabled} disabled={relay.forced_by_config} onChange={(e) => void toggle(e.target.checked)} aria-describedby="relay-help" />
            <label htmlFor="relay-enabled">{t('relay.enabled')}</label>
          </div>
          <p id="relay-help" className="hint">
            {relay.forced_by_config ? t('relay.forced') : t('relay.help')}
          </p>
          <dl className="figures">
            <dt>{t('relay.recipients')}</dt>
            <dd>{formatNumber(relay.recipients, lang)}</dd>
            <dt>{t('relay.held')}</dt>
            <dd>
              {t('relay.heldValue', { count: relay.messages_held, size: formatBytes(relay.bytes_held, lang) })}
            </dd>
            <dt>{t('relay.stored')}</dt>
            <dd>{formatNumber(relay.stored_total, lang)}</dd>
            <dt>{t('relay.delivered')}</dt>
            <dd>{formatNumber(relay.delivered_total, lang)}</dd>
            <dt>{t('relay.expired')}</dt>
            <dd>{formatNumber(relay.expired_total, lang)}</dd>
            <dt>{t('relay.uptime')}</dt>
            <dd>
              {t('relay.uptimeValue', {
                ratio: formatPercent(relay.uptime_ratio, lang, 2),
                target: formatPercent(relay.uptime_target, lang, 2),
              })}
            </dd>
          </dl>
          {registry && ownPeer && <MyRelay listing={mine} wallet={wallet} relaying={relay.enabled} onChange={() => void reload()} />}
        </>
      ) : (
        <p className="empty">{t('relay.unavailable')}</p>
      )}
      <h2>{t('relays.title')}</h2>
      <p className="hint">{t('relays.help')}</p>
      {relays.length === 0 ? (
        <p className="empty">{t('relays.none')}</p>
      ) : (
        <ul className="simple-list">
          {relays.map((r) => (
            <li key={r.peer_id}>
              <code>{r.addresses[0] ?? r.peer_id}</code> <span className={r.connected ? 'chip ok' : 'chip'}>{r.connected ? t('relays.connected') : t('relays.notConnected')}</span>
            </li>
          ))}
        </ul>
      )}
      {editing === null ? (
        <button type="button" className="secondary" onClick={() => setEditing(relays.map((r) => r.addresses[0] ?? '').join('\n'))}>
          {t('relays.change')}
        </button>
      ) : (
        <form onSubmit={(e) => void saveRelays(e)}>
          <label htmlFor="relay-list">{t('relays.list')}</label>
          <textarea id="relay-list" rows={4} value={editing} onChange={(e) => setEditing(e.target.value)} spellCheck={false} />
          <button type="submit" className="primary">
            {t('common:save')}
          </button>
          <button type="button" className="secondary" onClick={() => setEditing(null)}>
            {t('common:cancel')}
          </button>
        </form>
      )}
      {registry ? (
        <RelayRegistryList registry={registry} wallet={wallet} />
      ) : (
        registryError !== null && (
          <section aria-labelledby="registry-title">
            <h2 id="registry-title">{t('registry.title')}</h2>
            <FieldError error={describeError(registryError, t)} />
          </section>
        )
      )}
    </main>
  );
}
