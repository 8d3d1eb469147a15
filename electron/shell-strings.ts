import i18next, { type TFunction } from 'i18next';
import ar from '../renderer/src/i18n/locales/ar/shell.json' with { type: 'json' };
import de from '../renderer/src/i18n/locales/de/shell.json' with { type: 'json' };
import en from '../renderer/src/i18n/locales/en/shell.json' with { type: 'json' };

/**
 * The main process's own strings (tray menu, notifications), from the same locale files as the
 * renderer's, in the operating system's language.
 */
export async function createShellStrings(locale: string): Promise<TFunction> {
  const instance = i18next.createInstance();
  const language = locale.split(/[-_]/)[0] ?? 'en';
  await instance.init({
    resources: { en: { shell: en }, de: { shell: de }, ar: { shell: ar } },
    lng: language,
    fallbackLng: 'en',
    ns: ['shell'],
    defaultNS: 'shell',
    interpolation: { escapeValue: false },
  });
  return instance.t;
}
