import { useTranslation } from 'react-i18next';
import type { BotCredentials } from '../../../../node-core/api/contract.ts';
import { Dialog } from '../../components/Dialog.tsx';
import { QrCode } from '../../components/QrCode.tsx';
import { botApiBase } from '../../state/bots.ts';
import { CopyField } from './CopyField.tsx';

/** A bot's token, shown this once (after create or rotate), with its invite, its Bot API address and how to connect grammY. */
export function CredentialsDialog(props: { readonly credentials: BotCredentials; readonly rotated: boolean; readonly onClose: () => void }) {
  const { t } = useTranslation(['bots', 'common']);
  const { credentials } = props;
  const base = botApiBase(credentials.token);
  const apiRoot = base.slice(0, base.indexOf('/bot'));
  const snippet = `import { Bot } from 'grammy';\n\nconst bot = new Bot(process.env.BOT_TOKEN, {\n  client: { apiRoot: '${apiRoot}' },\n});\nbot.command('start', (ctx) => ctx.reply('Hello!'));\nbot.start();`;
  return (
    <Dialog title={props.rotated ? t('credentials.rotatedTitle', { username: credentials.username }) : t('credentials.createdTitle', { username: credentials.username })} onClose={props.onClose} wide>
      <p className="bot-token-warning">
        <strong>{t('credentials.onceOnly')}</strong> {props.rotated ? t('credentials.oldStopped') : ''}
      </p>
      <CopyField id="bot-token" label={t('credentials.token')} value={credentials.token} help={t('credentials.tokenHelp')} />
      <CopyField id="bot-api-base" label={t('credentials.apiBase')} value={base} />
      {credentials.invite ? (
        <div className="bot-invite">
          <CopyField id="bot-invite" label={t('credentials.invite')} value={credentials.invite} rows={3} help={t('credentials.inviteHelp')} />
          <QrCode className="invite-qr" text={credentials.invite} label={t('credentials.inviteQr', { username: credentials.username })} />
        </div>
      ) : (
        <p className="hint">{t('credentials.noInvite')}</p>
      )}
      <h3>{t('credentials.grammy')}</h3>
      <p className="hint">{t('credentials.grammyHelp')}</p>
      <pre className="code-snippet" dir="ltr">
        <code>{snippet}</code>
      </pre>
      <div className="dialog-actions">
        <button type="button" className="primary" onClick={props.onClose}>
          {t('credentials.done')}
        </button>
      </div>
    </Dialog>
  );
}
