/**
 * Every keyboard shortcut of the UI, in one registry: actions register their key combination,
 * the registry finds conflicts (two actions on the same keys), and matches key presses. It knows
 * nothing about the DOM, so it is tested on its own.
 */

export interface Shortcut {
  readonly id: string;
  /** e.g. "Ctrl+K", "Alt+ArrowDown", "Shift+?", "Escape". "Mod" is Ctrl, or ⌘ on macOS. */
  readonly keys: string;
  /** i18n key of the description shown in the help dialog. */
  readonly description: string;
  /** Fires even while typing in a text field. */
  readonly inTextFields?: boolean;
}

export interface KeyPress {
  readonly key: string;
  readonly ctrlKey: boolean;
  readonly altKey: boolean;
  readonly shiftKey: boolean;
  readonly metaKey: boolean;
}

export class ShortcutConflictError extends Error {
  override readonly name = 'ShortcutConflictError';
  readonly conflicts: ReadonlyArray<readonly [string, string]>;
  constructor(conflicts: ReadonlyArray<readonly [string, string]>) {
    super(`keyboard shortcuts in conflict: ${conflicts.map(([a, b]) => `${a} and ${b}`).join('; ')}`);
    this.conflicts = conflicts;
  }
}

const MODIFIERS = ['Ctrl', 'Alt', 'Shift', 'Meta'] as const;

/** A canonical form of a combination: modifiers in a fixed order, then the key. */
export function normalizeKeys(keys: string, isMac = false): string {
  const parts = keys.split('+').map((p) => p.trim()).filter(Boolean);
  const key = parts.pop();
  if (!key) throw new Error(`"${keys}" names no key`);
  const mods = new Set<string>();
  for (const part of parts) {
    const lower = part.toLowerCase();
    if (lower === 'mod') mods.add(isMac ? 'Meta' : 'Ctrl');
    else if (lower === 'ctrl' || lower === 'control') mods.add('Ctrl');
    else if (lower === 'alt' || lower === 'option') mods.add('Alt');
    else if (lower === 'shift') mods.add('Shift');
    else if (lower === 'meta' || lower === 'cmd') mods.add('Meta');
    else throw new Error(`"${part}" in "${keys}" is not a modifier`);
  }
  const normalizedKey = key.length === 1 ? key.toLowerCase() : key;
  return [...MODIFIERS.filter((m) => mods.has(m)), normalizedKey].join('+');
}

/** The canonical combination of a key press. Shift is implied by printable symbols like "?". */
export function pressToKeys(press: KeyPress): string {
  const symbol = press.key.length === 1 && press.key.toLowerCase() === press.key.toUpperCase();
  const mods = [press.ctrlKey && 'Ctrl', press.altKey && 'Alt', press.shiftKey && !symbol && 'Shift', press.metaKey && 'Meta'].filter(Boolean);
  const key = press.key.length === 1 ? press.key.toLowerCase() : press.key;
  return [...mods, key].join('+');
}

export interface ShortcutRegistry {
  /** Adds shortcuts; with conflict checking on, a conflict is refused with ShortcutConflictError. */
  register(shortcuts: readonly Shortcut[]): void;
  /** The shortcut a key press triggers, if any. */
  match(press: KeyPress): Shortcut | undefined;
  list(): readonly Shortcut[];
  conflicts(): ReadonlyArray<readonly [string, string]>;
}

export function createShortcutRegistry(options: { conflictCheck: boolean; isMac?: boolean }): ShortcutRegistry {
  const byKeys = new Map<string, Shortcut>();
  const all: Shortcut[] = [];
  const found: Array<readonly [string, string]> = [];
  // Symbol keys are matched without Shift (see pressToKeys): register them the same way.
  const canonical = (keys: string) => {
    const normalized = normalizeKeys(keys, options.isMac);
    const key = normalized.split('+').pop()!;
    return key.length === 1 && key.toLowerCase() === key.toUpperCase() ? normalized.replace('Shift+', '') : normalized;
  };
  return {
    register(shortcuts) {
      const pending = new Map<string, Shortcut>();
      const clashes: Array<readonly [string, string]> = [];
      for (const shortcut of shortcuts) {
        const keys = canonical(shortcut.keys);
        const existing = pending.get(keys) ?? byKeys.get(keys);
        if (existing && existing.id !== shortcut.id) clashes.push([existing.id, shortcut.id]);
        pending.set(keys, shortcut);
      }
      if (clashes.length > 0) {
        found.push(...clashes);
        if (options.conflictCheck) throw new ShortcutConflictError(clashes);
      }
      for (const [keys, shortcut] of pending) {
        byKeys.set(keys, shortcut);
        const at = all.findIndex((s) => s.id === shortcut.id);
        if (at >= 0) all.splice(at, 1);
        all.push(shortcut);
      }
    },
    match: (press) => byKeys.get(pressToKeys(press)),
    list: () => [...all],
    conflicts: () => [...found],
  };
}

/** The app's shortcuts. */
export const APP_SHORTCUTS: readonly Shortcut[] = [
  { id: 'search', keys: 'Mod+K', description: 'shortcuts:search', inTextFields: true },
  { id: 'nextChat', keys: 'Alt+ArrowDown', description: 'shortcuts:nextChat', inTextFields: true },
  { id: 'previousChat', keys: 'Alt+ArrowUp', description: 'shortcuts:previousChat', inTextFields: true },
  { id: 'composer', keys: 'Alt+M', description: 'shortcuts:composer', inTextFields: true },
  { id: 'searchInChat', keys: 'Mod+Shift+F', description: 'shortcuts:searchInChat', inTextFields: true },
  { id: 'reply', keys: 'Alt+R', description: 'shortcuts:reply', inTextFields: true },
  { id: 'addContact', keys: 'Alt+N', description: 'shortcuts:addContact', inTextFields: true },
  { id: 'goChats', keys: 'Alt+1', description: 'shortcuts:goChats', inTextFields: true },
  { id: 'goContacts', keys: 'Alt+2', description: 'shortcuts:goContacts', inTextFields: true },
  { id: 'goRelay', keys: 'Alt+3', description: 'shortcuts:goRelay', inTextFields: true },
  { id: 'goStatus', keys: 'Alt+4', description: 'shortcuts:goStatus', inTextFields: true },
  { id: 'goSettings', keys: 'Alt+5', description: 'shortcuts:goSettings', inTextFields: true },
  { id: 'goBots', keys: 'Alt+6', description: 'shortcuts:goBots', inTextFields: true },
  { id: 'goWallet', keys: 'Alt+7', description: 'shortcuts:goWallet', inTextFields: true },
  { id: 'goMarket', keys: 'Alt+8', description: 'shortcuts:goMarket', inTextFields: true },
  { id: 'help', keys: 'Shift+?', description: 'shortcuts:help' },
];

/** The shortcuts that switch pages, and the page each opens (in navigation order). */
export const VIEW_SHORTCUTS = [
  { id: 'goChats', view: 'chats' },
  { id: 'goContacts', view: 'contacts' },
  { id: 'goRelay', view: 'relay' },
  { id: 'goStatus', view: 'status' },
  { id: 'goSettings', view: 'settings' },
  { id: 'goBots', view: 'bots' },
  { id: 'goWallet', view: 'wallet' },
  { id: 'goMarket', view: 'market' },
] as const;

/** The key combination of one of the app's shortcuts. */
export const keysOf = (id: string): string => APP_SHORTCUTS.find((s) => s.id === id)?.keys ?? '';

/** Keys the help dialog shows without being part of the registry: the composer's and dialogs'. */
export const EDITING_KEYS: readonly Shortcut[] = [
  { id: 'send', keys: 'Enter', description: 'shortcuts:send' },
  { id: 'newline', keys: 'Shift+Enter', description: 'shortcuts:newline' },
  { id: 'closeDialog', keys: 'Escape', description: 'shortcuts:closeDialog' },
];

/** Key names that have a label in the user's language (the rest are shown as they are). */
export const NAMED_KEYS = ['Ctrl', 'Meta', 'Alt', 'Shift', 'Enter', 'Escape', 'ArrowUp', 'ArrowDown'] as const;

/** A combination as people read it, e.g. "Strg+K" in German, "⌘+K" on macOS. */
export function formatKeys(keys: string, label: (name: (typeof NAMED_KEYS)[number]) => string, isMac = false): string {
  return keys
    .split('+')
    .map((part) => {
      const name = part === 'Mod' ? (isMac ? 'Meta' : 'Ctrl') : part;
      const named = NAMED_KEYS.find((n) => n === name);
      return named ? label(named) : name.length === 1 ? name.toUpperCase() : name;
    })
    .join('+');
}
