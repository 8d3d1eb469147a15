import { distance } from 'fastest-levenshtein';

/**
 * "Did you mean ...?" for a config key, section or DCHAT_* variable nobody knows: a typo
 * (`api_prot`) is ignored with a warning, and the warning is only useful if it says what was meant.
 */

/** The known name closest to `name`, if it is close enough to be a typo of it (about a third of its letters). */
export function nearest(name: string, known: Iterable<string>): string | undefined {
  const limit = Math.max(1, Math.floor(name.length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = distance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= limit ? best : undefined;
}

/** " — did you mean X?", or nothing when no known name is near. */
export const didYouMean = (suggestion: string | undefined): string => (suggestion === undefined ? '' : ` — did you mean ${suggestion}?`);

/**
 * For `[section] key` with a key the section does not have: the same key in another section
 * (`[server] ttl_hours` -> messages.ttl_hours), else the nearest key of its own section.
 */
export function suggestKey(section: string, key: string, known: ReadonlyMap<string, ReadonlySet<string>>): string | undefined {
  for (const [other, keys] of known) if (other !== section && keys.has(key)) return `${other}.${key}`;
  return nearest(key, known.get(section) ?? []);
}
