import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import arChat from './locales/ar/chat.json';
import arMessaging from './locales/ar/messaging.json';
import arCommon from './locales/ar/common.json';
import arPeople from './locales/ar/people.json';
import arNode from './locales/ar/node.json';
import arSettings from './locales/ar/settings.json';
import arShortcuts from './locales/ar/shortcuts.json';
import arKeyboards from './locales/ar/keyboards.json';
import arBots from './locales/ar/bots.json';
import arWallet from './locales/ar/wallet.json';
import arMarket from './locales/ar/market.json';
import deChat from './locales/de/chat.json';
import deMessaging from './locales/de/messaging.json';
import deCommon from './locales/de/common.json';
import dePeople from './locales/de/people.json';
import deNode from './locales/de/node.json';
import deSettings from './locales/de/settings.json';
import deShortcuts from './locales/de/shortcuts.json';
import deKeyboards from './locales/de/keyboards.json';
import deBots from './locales/de/bots.json';
import deWallet from './locales/de/wallet.json';
import deMarket from './locales/de/market.json';
import enChat from './locales/en/chat.json';
import enMessaging from './locales/en/messaging.json';
import enCommon from './locales/en/common.json';
import enPeople from './locales/en/people.json';
import enNode from './locales/en/node.json';
import enSettings from './locales/en/settings.json';
import enShortcuts from './locales/en/shortcuts.json';
import enKeyboards from './locales/en/keyboards.json';
import enBots from './locales/en/bots.json';
import enWallet from './locales/en/wallet.json';
import enMarket from './locales/en/market.json';

export const LANGUAGES = [
  { code: 'en', name: 'English', dir: 'ltr' },
  { code: 'de', name: 'Deutsch', dir: 'ltr' },
  { code: 'ar', name: 'العربية', dir: 'rtl' },
] as const;

export const NAMESPACES = ['common', 'chat', 'people', 'node', 'settings', 'shortcuts', 'messaging', 'keyboards', 'bots', 'wallet', 'market'] as const;

export const resources = {
  en: { common: enCommon, chat: enChat, people: enPeople, node: enNode, settings: enSettings, shortcuts: enShortcuts, messaging: enMessaging, keyboards: enKeyboards, bots: enBots, wallet: enWallet, market: enMarket },
  de: { common: deCommon, chat: deChat, people: dePeople, node: deNode, settings: deSettings, shortcuts: deShortcuts, messaging: deMessaging, keyboards: deKeyboards, bots: deBots, wallet: deWallet, market: deMarket },
  ar: { common: arCommon, chat: arChat, people: arPeople, node: arNode, settings: arSettings, shortcuts: arShortcuts, messaging: arMessaging, keyboards: arKeyboards, bots: arBots, wallet: arWallet, market: arMarket },
};

export async function initI18n(language: string): Promise<void> {
  await i18next.use(initReactI18next).init({
    resources,
    lng: language,
    fallbackLng: 'en',
    ns: [...NAMESPACES],
    defaultNS: 'common',
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  applyDocumentLanguage(language);
}

/** The page's lang and direction follow the language, so layout mirrors in right-to-left scripts. */
export function applyDocumentLanguage(language: string): void {
  const entry = LANGUAGES.find((l) => l.code === language) ?? LANGUAGES[0];
  document.documentElement.lang = entry.code;
  document.documentElement.dir = entry.dir;
}

export async function changeLanguage(language: string): Promise<void> {
  await i18next.changeLanguage(language);
  applyDocumentLanguage(language);
}

/**
 * Dates and numbers through Intl, in the UI's language. Formatters are costly to make and lists
 * format a value per row on every render: each one is made once per language and options.
 */
const formatters = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat>();
const cached = <T extends Intl.DateTimeFormat | Intl.NumberFormat>(key: string, make: () => T): T => {
  let formatter = formatters.get(key);
  if (!formatter) formatters.set(key, (formatter = make()));
  return formatter as T;
};
const dateFormat = (language: string, options: Intl.DateTimeFormatOptions) => cached(`d|${language}|${JSON.stringify(options)}`, () => new Intl.DateTimeFormat(language, options));
const numberFormat = (language: string, options: Intl.NumberFormatOptions = {}) => cached(`n|${language}|${JSON.stringify(options)}`, () => new Intl.NumberFormat(language, options));

export const formatTime = (ms: number, language: string): string => {
  const date = new Date(ms);
  const sameDay = date.toDateString() === new Date().toDateString();
  return dateFormat(language, sameDay ? { timeStyle: 'short' } : { dateStyle: 'medium', timeStyle: 'short' }).format(date);
};
export const formatNumber = (n: number, language: string): string => numberFormat(language).format(n);
export const formatPercent = (ratio: number, language: string, maximumFractionDigits = 0): string => numberFormat(language, { style: 'percent', maximumFractionDigits }).format(ratio);
export const formatBytes = (bytes: number, language: string): string => {
  const units = ['byte', 'kilobyte', 'megabyte', 'gigabyte'] as const;
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  // "79 bytes" reads better than "79 byte"; larger sizes use the short unit ("1.2 MB").
  return numberFormat(language, { style: 'unit', unit: units[unit], unitDisplay: unit === 0 ? 'long' : 'short', maximumFractionDigits: 1 }).format(value);
};
