import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { FieldError } from '../components/FieldError.tsx';

/** Headless nodes only: the API token (from <data_dir>/api-token, or the ?token= link in the node's log). */
export function Login(props: { readonly onToken: (token: string) => Promise<string | null> }) {
  const { t } = useTranslation();
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(await props.onToken(token.trim()));
    setBusy(false);
  };

  return (
    <main className="centered-page" id="main">
      <form className="card" onSubmit={(e) => void submit(e)} aria-describedby="login-help">
        <h1>{t('login.title')}</h1>
        <p id="login-help">{t('login.help')}</p>
        <label htmlFor="token">{t('login.token')}</label>
        <input id="token" type="password" autoComplete="current-password" value={token} onChange={(e) => setToken(e.target.value)} required aria-invalid={error ? true : undefined} aria-describedby={error ? 'login-error' : undefined} />
        <FieldError error={error} id="login-error" />
        <button type="submit" className="primary" disabled={busy || token.trim().length === 0}>
          {t('login.submit')}
        </button>
      </form>
    </main>
  );
}
