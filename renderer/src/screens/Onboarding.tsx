import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { describeError } from '../components/errors.ts';
import { useApp } from '../state/store.ts';
import { FieldError } from '../components/FieldError.tsx';

/** First run: create an identity (optionally protected by a passphrase), then choose relays. */
export function Onboarding() {
  const { t } = useTranslation(['people', 'common']);
  const client = useApp((s) => s.client)!;
  const loadIdentities = useApp((s) => s.loadIdentities);
  const finishOnboarding = useApp((s) => s.finishOnboarding);
  const [step, setStep] = useState<'identity' | 'relays'>('identity');
  const [username, setUsername] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [confirm, setConfirm] = useState('');
  const [relays, setRelays] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const relaysField = useRef<HTMLTextAreaElement>(null);

  // The second step replaces the form under the user's focus: move focus into the new form.
  useEffect(() => {
    if (step === 'relays') relaysField.current?.focus();
  }, [step]);

  const createIdentity = async (event: FormEvent) => {
    event.preventDefault();
    if (passphrase !== confirm) {
      setError(t('onboarding.passphraseMismatch'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await client.call('identities.create', {
        username: username.trim(),
        ...(displayName.trim() ? { display_name: displayName.trim() } : {}),
        ...(passphrase ? { passphrase } : {}),
      });
      const current = await client.call('relays.list', {}).catch(() => ({ relays: [] }));
      setRelays(current.relays.map((r) => r.addresses[0] ?? '').join('\n'));
      setStep('relays');
    } catch (err) {
      setError(describeError(err, t));
    } finally {
      setBusy(false);
    }
  };

  const saveRelays = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const list = relays.split(/\s+/).map((r) => r.trim()).filter(Boolean);
      await client.call('relays.set', { relays: list });
      await loadIdentities();
      finishOnboarding();
    } catch (err) {
      setError(describeError(err, t));
      setBusy(false);
    }
  };

  return (
    <main className="centered-page" id="main">
      {step === 'identity' ? (
        <form className="card" onSubmit={(e) => void createIdentity(e)} noValidate>
          <h1>{t('onboarding.title')}</h1>
          <p>{t('onboarding.intro')}</p>
          <label htmlFor="username">{t('onboarding.username')}</label>
          <input id="username" value={username} onChange={(e) => setUsername(e.target.value.toLowerCase())} required pattern="[a-z0-9_]{3,32}" aria-describedby="username-help" autoComplete="username" />
          <p id="username-help" className="hint">
            {t('onboarding.usernameHelp')}
          </p>
          <label htmlFor="display-name">{t('onboarding.displayName')}</label>
          <input id="display-name" value={displayName} onChange={(e) => setDisplayName(e.target.value)} autoComplete="nickname" />
          <label htmlFor="passphrase">{t('onboarding.passphrase')}</label>
          <input id="passphrase" type="password" value={passphrase} onChange={(e) => setPassphrase(e.target.value)} aria-describedby="passphrase-help" autoComplete="new-password" />
          <p id="passphrase-help" className="hint">
            {t('onboarding.passphraseHelp')}
          </p>
          <label htmlFor="passphrase-confirm">{t('onboarding.confirmPassphrase')}</label>
          <input id="passphrase-confirm" type="password" value={confirm} onChange={(e) => setConfirm(e.target.value)} autoComplete="new-password" />
          <FieldError error={error} />
          <button type="submit" className="primary" disabled={busy}>
            {t('onboarding.create')}
          </button>
        </form>
      ) : (
        <form className="card" onSubmit={(e) => void saveRelays(e)}>
          <h1>{t('onboarding.relaysTitle')}</h1>
          <p id="relays-help">{t('onboarding.relaysHelp')}</p>
          <label htmlFor="relays">{t('onboarding.relays')}</label>
          <textarea ref={relaysField} id="relays" rows={4} value={relays} onChange={(e) => setRelays(e.target.value)} aria-describedby="relays-help" spellCheck={false} />
          <FieldError error={error} />
          <button type="submit" className="primary" disabled={busy}>
            {t('onboarding.finish')}
          </button>
        </form>
      )}
    </main>
  );
}
