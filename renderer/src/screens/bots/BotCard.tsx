import { useTranslation } from 'react-i18next';
import type { Bot } from '../../../../node-core/api/contract.ts';
import { formatTime } from '../../i18n/index.ts';

/** One bot of the list: who it is, how its updates reach it, its commands, and its two actions. */
export function BotCard(props: { readonly bot: Bot; readonly onRotate: () => void; readonly onDelete: () => void }) {
  const { t, i18n } = useTranslation('bots');
  const { bot } = props;
  const headingId = `bot-${bot.bot_id}-name`;
  return (
    <li className="bot-card" aria-labelledby={headingId}>
      <h2 id={headingId}>
        {bot.name} <span className="bot-username" dir="ltr">@{bot.username}</span>
      </h2>
      <dl className="figures">
        <dt>{t('list.created')}</dt>
        <dd>{formatTime(bot.created_at, i18n.language)}</dd>
        <dt>{t('list.pending')}</dt>
        <dd>{t('list.pendingValue', { count: bot.pending_updates })}</dd>
        <dt>{t('list.delivery')}</dt>
        <dd>
          {bot.webhook ? (
            <>
              {t('list.webhook')} <code dir="ltr">{bot.webhook.url}</code>
              {bot.webhook.last_error_at !== null && (
                <span className="field-error bot-webhook-error">
                  {' '}
                  {t('list.webhookError', { time: formatTime(bot.webhook.last_error_at, i18n.language), message: bot.webhook.last_error_message ?? '' })}
                </span>
              )}
            </>
          ) : (
            t('list.polling')
          )}
        </dd>
        <dt>{t('list.commands')}</dt>
        <dd>
          {bot.commands.length === 0 ? (
            t('list.noCommands')
          ) : (
            <ul className="bot-commands">
              {bot.commands.map((c) => (
                <li key={c.command}>
                  <code dir="ltr">/{c.command}</code> {c.description}
                </li>
              ))}
            </ul>
          )}
        </dd>
      </dl>
      <div className="dialog-actions bot-actions">
        <button type="button" className="secondary" aria-describedby={headingId} onClick={props.onRotate}>
          {t('list.rotate')}
        </button>
        <button type="button" className="secondary danger" aria-describedby={headingId} onClick={props.onDelete}>
          {t('list.delete')}
        </button>
      </div>
    </li>
  );
}
