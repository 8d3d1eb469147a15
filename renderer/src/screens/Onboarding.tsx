import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { describeError } from '../components/errors.ts';
import { parseRelayInput } from '../relay-input.ts';
import { useApp } from '../state/store.ts';
import { FieldError } from '../components/FieldError.tsx';
import { formatNumber } from '../i18n/index.ts';
import { fitsChatChain, useDirectoryRegistration } from './identity/use-directory-registration.ts';

/**
 * First run: create an identity (optionally protected by a passphrase), then choose relays, then
 * (opted in on the first step, on by default for a username the chat chain accepts) see the
 * username registered in the chat chain's directory. Registration waits for the relay step
 * because the directory entry carries the identity's signed record with its chosen relays. The
 * relay step explains what a relay is, that it may be skipped, and how to get one; it offers the
 * relays the node is set up with (`relay.home_relays`, which `relays.list` answers with until a
 * choice is saved). The node's `relay.bootstrap_nodes` are not offered: no API method tells them,
 * and a bootstrap peer need not be a relay.
 */
export function Onboarding() {
  const { t, i18n } = useTranslation(['people', 'wallet', 'common']);
  const client = useApp((s) => s.client)!;
  const loadIdentities = useApp((s) => s.loadIdentities);
  const finishOnboarding = useApp((s) => s.finishOnboarding);
  const [step, setStep] = useState<'identity' | 'relays' | 'directory'>('identity');
  const [username, setUsername] = useState('');
  /** The user's own choice about publishing; null until they touch the box, so it follows whether the name fits. */
  const [publishChoice, setPublishChoice] = useState<boolean | null>(null);
  const [created, setCreated] = useState<{ id: string; username: string; publish: boolean } | null>(null);
  const { submission, register } = useDirectoryRegistration(t);
  const [displayName, setDisplayName] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [confirm, setConfirm] = useState('');
  const [relays, setRelays] = useState('');
  /** The relays the node is set up with, each offered with a checkbox (checked: use it). */
  const [offered, setOffered] = useState<ReadonlyArray<{ address: string; chosen: boolean }>>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const relaysTitle = useRef<HTMLHeadingElement>(null);
  const directoryTitle = useRef<HTMLHeadingElement>(null);
  const fits = fitsChatChain(username.trim());
  const publish = fits && (publishChoice ?? true);

  // Each later step replaces the form under the user's focus: move focus to its heading, so a
  // screen reader reads on from there (what a relay is) rather than starting in a field.
  useEffect(() => {
    if (step === 'relays') relaysTitle.current?.focus();
    if (step === 'directory') directoryTitle.current?.focus();
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
      const identity = await client.call('identities.create', {
        username: username.trim(),
        ...(displayName.trim() ? { display_name: displayName.trim() } : {}),
        ...(passphrase ? { passphrase } : {}),
      });
      const current = await client.call('relays.list', {}).catch(() => ({ relays: [] }));
      setCreated({ id: identity.id, username: identity.username, publish });
      setOffered(current.relays.flatMap((r) => (r.addresses[0] ? [{ address: r.addresses[0], chosen: true }] : [])));
      setStep('relays');
    } catch (err) {
      setError(describeError(err, t));
    } finally {
      setBusy(false);
    }
  };

  const finish = async () => {
    await loadIdentities();
    finishOnboarding();
  };

  /** After the relays: into the app, or first to the directory step when publishing was chosen. */
  const afterRelays = async () => {
    if (!created?.publish) return finish();
    setBusy(false);
    setStep('directory');
    void register(created.id, created.username);
  };

  const saveRelays = async (event: FormEvent) => {
    event.preventDefault();
    const entries = parseRelayInput(relays);
    const wrong = entries.find((e) => !e.ok);
    if (wrong && !wrong.ok) {
      setError(wrong.problem === 'badInvite' ? t('onboarding.relayBadInvite', { line: wrong.line }) : t('onboarding.relayNotAddress', { line: wrong.line }));
      return;
    }
    const list = [...new Set([...offered.filter((o) => o.chosen).map((o) => o.address), ...entries.flatMap((e) => (e.ok ? [e.address] : []))])];
    setBusy(true);
    setError(null);
    try {
      await client.call('relays.set', { relays: list });
      await afterRelays();
    } catch (err) {
      setError(describeError(err, t));
      setBusy(false);
    }
  };

  /** Skipping saves nothing: the node keeps the relays it is set up with (none on most nodes). */
  const skip = async () => {
    setBusy(true);
    setError(null);
    try {
      await afterRelays();
    } catch (err) {
      setError(describeError(err, t));
      setBusy(false);
    }
  };

  const leaveDirectory = async () => {
    setBusy(true);
    setError(null);
    try {
      await finish();
    } catch (err) {
      setError(describeError(err, t));
      setBusy(false);
    }
  };

  if (step === 'directory' && created) {
    const name = created.username;
    return (
      <main className="centered-page" id="main">
        <section className="card" aria-labelledby="directory-title">
          <h1 id="directory-title" ref={directoryTitle} tabIndex={-1}>
            {t('onboarding.directoryTitle')}
          </h1>
          <p role="status" data-testid="onboarding-directory-state" data-phase={submission.phase}>
            {submission.phase === 'pending' || submission.phase === 'idle'
              ? t('onboarding.directoryPending', { username: name })
              : submission.phase === 'done'
                ? submission.height === null
                  ? t('onboarding.directorySubmitted', { username: name })
                  : t('onboarding.directoryDone', { username: name, height: formatNumber(submission.height, i18n.language) })
                : t('onboarding.directoryFailed', { username: name })}
          </p>
          <FieldError error={submission.phase === 'failed' ? submission.error : null} />
          {submission.phase === 'failed' && <p>{submission.errorName === 'UsernameTaken' ? t('onboarding.directoryTaken', { username: name }) : t('onboarding.directoryLater')}</p>}
          <FieldError error={error} />
          <div className="button-row">
            <button type="button" className="primary" disabled={busy} onClick={() => void leaveDirectory()}>
              {t('onboarding.finish')}
            </button>
          </div>
        </section>
      </main>
    );
  }

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
          <div className="checkbox-row">
            <input
              id="publish-username"
              type="checkbox"
              checked={publish}
              disabled={!fits}
              onChange={(e) => setPublishChoice(e.target.checked)}
              aria-describedby="publish-help publish-fee"
            />
            <label htmlFor="publish-username">{t('onboarding.publish')}</label>
          </div>
          <p id="publish-help" className="hint">
            {t('onboarding.publishHelp')}
          </p>
          <p id="publish-fee" className="hint">
            {t('onboarding.publishFee')}
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
        <form className="card" onSubmit={(e) => void saveRelays(e)} aria-labelledby="relays-title">
          <h1 id="relays-title" ref={relaysTitle} tabIndex={-1}>
            {t('onboarding.relaysTitle')}
          </h1>
          <p>{t('onboarding.relaysWhat')}</p>
          <p>{t('onboarding.relaysOptional')}</p>
          {offered.length > 0 && (
            <fieldset>
              <legend>{t('onboarding.relaysOffered')}</legend>
              {offered.map((o, index) => (
                <div key={o.address} className="checkbox-row">
                  <input
                    id={`offered-relay-${index}`}
                    type="checkbox"
                    checked={o.chosen}
                    onChange={(e) => setOffered((current) => current.with(index, { ...o, chosen: e.target.checked }))}
                  />
                  <label htmlFor={`offered-relay-${index}`}>
                    <code>{o.address}</code>
                  </label>
                </div>
              ))}
            </fieldset>
          )}
          <label htmlFor="relays">{offered.length > 0 ? t('onboarding.relaysMore') : t('onboarding.relays')}</label>
          <textarea id="relays" rows={3} value={relays} onChange={(e) => setRelays(e.target.value)} aria-describedby="relays-how" spellCheck={false} />
          <p id="relays-how" className="hint">
            {t('onboarding.relaysHow')}
          </p>
          <FieldError error={error} />
          <div className="button-row">
            <button type="submit" className="primary" disabled={busy}>
              {t('onboarding.finish')}
            </button>
            <button type="button" className="secondary" disabled={busy} onClick={() => void skip()}>
              {t('onboarding.skip')}
            </button>
          </div>
        </form>
      )}
    </main>
  );
}
