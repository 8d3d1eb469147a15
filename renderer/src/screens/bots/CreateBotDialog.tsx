import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../../api/api-error.ts';
import { Dialog } from '../../components/Dialog.tsx';
import { describeError } from '../../components/errors.ts';
import { FieldError } from '../../components/FieldError.tsx';
import { usernameProblem } from '../../state/bots.ts';

interface Errors {
  readonly username?: string | null;
  readonly name?: string | null;
  readonly form?: string | null;
}

/**
 * Username and display name of a new bot. The node's schema decides; its answer is shown next to
 * the field it is about (in the user's language where we know the rule), and read out (role=alert).
 */
export function CreateBotDialog(props: { readonly onCreate: (input: { username: string; name: string }) => Promise<void>; readonly onClose: () => void }) {
  const { t } = useTranslation(['bots', 'common']);
  const [username, setUsername] = useState('');
  const [name, setName] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);

  const explain = (err: unknown): Errors => {
    if (!(err instanceof ApiError)) return { form: describeError(err, t) };
    if (err.name === 'ValidationError' && err.issues?.length) {
      const about = (field: string) => err.issues!.find((i) => i.path === field || i.path.startsWith(`${field}.`));
      const problem = usernameProblem(username);
      return {
        username: about('username') ? (problem ? t(`create.${problem}`) : about('username')!.message) : null,
        name: about('name') ? t('create.nameInvalid') : null,
      };
    }
    // A taken name is about the username field; other errors about the whole form.
    if (err.name === 'UsernameTaken') return { username: t('create.usernameTaken', { username }) };
    return { form: describeError(err, t) };
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setErrors({});
    try {
      await props.onCreate({ username, name });
    } catch (err) {
      setErrors(explain(err));
      setBusy(false);
    }
  };

  return (
    <Dialog title={t('create.title')} onClose={props.onClose}>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <div className="form-row">
          <label htmlFor="bot-username">{t('create.username')}</label>
          <input
            id="bot-username"
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            autoComplete="off"
            spellCheck={false}
            dir="ltr"
            aria-invalid={errors.username ? true : undefined}
            aria-describedby={errors.username ? 'bot-username-help bot-username-error' : 'bot-username-help'}
          />
          <p id="bot-username-help" className="hint">
            {t('create.usernameHelp')}
          </p>
          <FieldError id="bot-username-error" error={errors.username ?? null} />
        </div>
        <div className="form-row">
          <label htmlFor="bot-name">{t('create.name')}</label>
          <input id="bot-name" value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" aria-invalid={errors.name ? true : undefined} aria-describedby={errors.name ? 'bot-name-error' : undefined} />
          <FieldError id="bot-name-error" error={errors.name ?? null} />
        </div>
        <FieldError error={errors.form ?? null} />
        <div className="dialog-actions">
          <button type="button" className="secondary" onClick={props.onClose}>
            {t('common:cancel')}
          </button>
          <button type="submit" className="primary" disabled={busy}>
            {t('create.submit')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
