import type { PrivacySettings } from '../domain/model.ts';
import type { Repositories } from '../store/store.ts';

const KEY = 'privacy';
export const DEFAULT_PRIVACY: PrivacySettings = { read_receipts: true, typing_indicators: true };

/** This node's privacy choices (stored with the node's settings; on until turned off, as in Signal). */
export function readPrivacy(repos: Repositories): PrivacySettings {
  return { ...DEFAULT_PRIVACY, ...(repos.settings.get<Partial<PrivacySettings>>(KEY) ?? {}) };
}

export function writePrivacy(repos: Repositories, change: Partial<PrivacySettings>): PrivacySettings {
  const next = { ...readPrivacy(repos), ...Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)) };
  repos.settings.set(KEY, next);
  return next;
}
