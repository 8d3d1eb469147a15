import { useTranslation } from 'react-i18next';
import { changeLanguage, formatPercent, LANGUAGES } from '../i18n/index.ts';
import { useApp, type Theme } from '../state/store.ts';
import { PrivacySettings } from './PrivacySettings.tsx';

const THEMES: readonly Theme[] = ['light', 'dark', 'high-contrast'];
const TEXT_SIZES = [100, 125, 150, 175, 200];

export function SettingsView() {
  const { t } = useTranslation(['settings', 'common']);
  const preferences = useApp((s) => s.preferences);
  const setPreferences = useApp((s) => s.setPreferences);
  const openDialog = useApp((s) => s.openDialog);

  return (
    <main className="page" id="main" tabIndex={-1}>
      <h1>{t('title')}</h1>
      <div className="form-row">
        <label htmlFor="language">{t('language')}</label>
        <select
          id="language"
          value={preferences.language}
          onChange={(e) => {
            setPreferences({ language: e.target.value });
            void changeLanguage(e.target.value);
          }}
        >
          {LANGUAGES.map((l) => (
            <option key={l.code} value={l.code} lang={l.code}>
              {l.name}
            </option>
          ))}
        </select>
      </div>
      <fieldset className="form-row">
        <legend>{t('theme')}</legend>
        {THEMES.map((theme) => (
          <div key={theme} className="radio-row">
            <input id={`theme-${theme}`} type="radio" name="theme" value={theme} checked={preferences.theme === theme} onChange={() => setPreferences({ theme })} />
            <label htmlFor={`theme-${theme}`}>{t(`themes.${theme}`)}</label>
          </div>
        ))}
      </fieldset>
      <div className="form-row checkbox-row">
        <input id="reduced-motion" type="checkbox" checked={preferences.reducedMotion} onChange={(e) => setPreferences({ reducedMotion: e.target.checked })} />
        <label htmlFor="reduced-motion">{t('reducedMotion')}</label>
      </div>
      <div className="form-row">
        <label htmlFor="text-size">{t('textSize')}</label>
        <select id="text-size" value={preferences.textSize} onChange={(e) => setPreferences({ textSize: Number(e.target.value) })}>
          {TEXT_SIZES.map((size) => (
            <option key={size} value={size}>
              {formatPercent(size / 100, preferences.language)}
            </option>
          ))}
        </select>
      </div>
      <PrivacySettings />
      <h2>{t('shortcuts')}</h2>
      <p className="hint">{t('shortcutsHelp')}</p>
      <button type="button" className="secondary" onClick={() => openDialog('shortcuts')}>
        {t('showShortcuts')}
      </button>
    </main>
  );
}
