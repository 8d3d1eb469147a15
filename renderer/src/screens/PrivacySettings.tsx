import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { loadSettings, updateSettings, useMessaging } from '../state/messaging.ts';

/** Read receipts and typing indicators (kept by the node; off means neither sent nor shown, as in Signal). */
export function PrivacySettings() {
  const { t } = useTranslation('messaging');
  const settings = useMessaging((s) => s.settings);
  useEffect(() => void loadSettings(), []);
  return (
    <fieldset className="form-row">
      <legend>{t('privacy.title')}</legend>
      {(['read_receipts', 'typing_indicators'] as const).map((key) => (
        <div key={key} className="checkbox-row">
          <input
            id={`privacy-${key}`}
            type="checkbox"
            disabled={!settings}
            checked={settings?.[key] ?? false}
            onChange={(e) => void updateSettings({ [key]: e.target.checked })}
            aria-describedby={`privacy-${key}-hint`}
          />
          <label htmlFor={`privacy-${key}`}>{t(`privacy.${key}`)}</label>
          <p id={`privacy-${key}-hint`} className="hint">
            {t(`privacy.${key}_hint`)}
          </p>
        </div>
      ))}
    </fieldset>
  );
}
