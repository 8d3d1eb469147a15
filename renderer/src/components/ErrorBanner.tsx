import { useTranslation } from 'react-i18next';
import { useApp } from '../state/store.ts';

export function ErrorBanner() {
  const { t } = useTranslation();
  const error = useApp((s) => s.error);
  const setError = useApp((s) => s.setError);
  if (!error) return null;
  return (
    <div className="banner banner-error" role="alert">
      <span>{error}</span>
      <button type="button" className="link-button" onClick={() => setError(null)}>
        {t('dismiss')}
      </button>
    </div>
  );
}
