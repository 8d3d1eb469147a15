import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Bot } from '../../../node-core/api/contract.ts';
import { describeError } from '../components/errors.ts';
import { FieldError } from '../components/FieldError.tsx';
import { useBots } from '../state/bots.ts';
import { useApp } from '../state/store.ts';
import { BotCard } from './bots/BotCard.tsx';
import { ConfirmDialog } from './bots/ConfirmDialog.tsx';
import { CreateBotDialog } from './bots/CreateBotDialog.tsx';
import { CredentialsDialog } from './bots/CredentialsDialog.tsx';

type Open = { kind: 'create' } | { kind: 'rotate'; bot: Bot } | { kind: 'delete'; bot: Bot } | { kind: 'credentials'; rotated: boolean } | null;

/** The bots this node hosts: list, create (token shown once), rotate a token, delete. */
export function BotsView() {
  const { t } = useTranslation(['bots', 'common']);
  const client = useApp((s) => s.client)!;
  const announce = useApp((s) => s.announce);
  const { bots, shown, load, create, rotate, remove, hideCredentials } = useBots();
  const [open, setOpen] = useState<Open>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    load(client).catch((err: unknown) => setError(describeError(err, t)));
  }, [client, load, t]);

  const close = useCallback(() => setOpen(null), []);
  const closeCredentials = useCallback(() => {
    hideCredentials();
    setOpen(null);
  }, [hideCredentials]);
  const onCreate = useCallback(
    async (input: { username: string; name: string }) => {
      await create(client, input);
      setOpen({ kind: 'credentials', rotated: false });
    },
    [client, create],
  );

  return (
    <main className="page" id="main" tabIndex={-1}>
      <h1>{t('title')}</h1>
      <p className="hint">{t('intro')}</p>
      <FieldError error={error} />
      <button type="button" className="primary" onClick={() => setOpen({ kind: 'create' })}>
        {t('create.open')}
      </button>
      {bots && bots.length === 0 && (
        <div className="empty bots-empty">
          <p>{t('empty.none')}</p>
          <p>{t('empty.what')}</p>
          <p>{t('empty.grammy')}</p>
        </div>
      )}
      {bots && bots.length > 0 && (
        <ul className="bot-list" aria-label={t('list.label', { count: bots.length })}>
          {bots.map((bot) => (
            <BotCard key={bot.bot_id} bot={bot} onRotate={() => setOpen({ kind: 'rotate', bot })} onDelete={() => setOpen({ kind: 'delete', bot })} />
          ))}
        </ul>
      )}
      {open?.kind === 'create' && <CreateBotDialog onCreate={onCreate} onClose={close} />}
      {open?.kind === 'credentials' && shown && <CredentialsDialog credentials={shown} rotated={open.rotated} onClose={closeCredentials} />}
      {open?.kind === 'rotate' && (
        <ConfirmDialog
          title={t('rotate.title', { username: open.bot.username })}
          text={t('rotate.text')}
          confirm={t('rotate.confirm')}
          onConfirm={async () => {
            await rotate(client, open.bot.bot_id);
            setOpen({ kind: 'credentials', rotated: true });
          }}
          onClose={close}
        />
      )}
      {open?.kind === 'delete' && (
        <ConfirmDialog
          title={t('delete.title', { username: open.bot.username })}
          text={t('delete.text')}
          confirm={t('delete.confirm')}
          onConfirm={async () => {
            await remove(client, open.bot.bot_id);
            setOpen(null);
            announce(t('delete.done', { username: open.bot.username }));
            // The bot's own buttons are gone: focus goes to the page rather than being lost.
            setTimeout(() => document.getElementById('main')?.focus(), 0);
          }}
          onClose={close}
        />
      )}
    </main>
  );
}
