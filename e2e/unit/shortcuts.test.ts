import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { APP_SHORTCUTS, createShortcutRegistry, EDITING_KEYS, formatKeys, normalizeKeys, pressToKeys, ShortcutConflictError } from '../../renderer/src/shortcuts/registry.ts';

const press = (key: string, mods: Partial<Record<'ctrlKey' | 'altKey' | 'shiftKey' | 'metaKey', boolean>> = {}) => ({
  key,
  ctrlKey: false,
  altKey: false,
  shiftKey: false,
  metaKey: false,
  ...mods,
});

describe('keyboard shortcut registry', () => {
  it('normalizes combinations', () => {
    assert.equal(normalizeKeys('shift+ctrl+K'), 'Ctrl+Shift+k');
    assert.equal(normalizeKeys('Mod+K'), 'Ctrl+k');
    assert.equal(normalizeKeys('Mod+K', true), 'Meta+k');
    assert.equal(normalizeKeys('Alt+ArrowDown'), 'Alt+ArrowDown');
    assert.throws(() => normalizeKeys('Hyper+K'), /not a modifier/);
    assert.equal(pressToKeys(press('?', { shiftKey: true })), '?', 'Shift is part of the symbol');
    assert.equal(pressToKeys(press('K', { ctrlKey: true, shiftKey: true })), 'Ctrl+Shift+k');
  });

  it('matches presses to actions', () => {
    const registry = createShortcutRegistry({ conflictCheck: true });
    registry.register(APP_SHORTCUTS);
    assert.equal(registry.match(press('k', { ctrlKey: true }))?.id, 'search');
    assert.equal(registry.match(press('?', { shiftKey: true }))?.id, 'help');
    assert.equal(registry.match(press('ArrowDown', { altKey: true }))?.id, 'nextChat');
    assert.equal(registry.match(press('k')), undefined);
  });

  it('the app shortcuts have no conflicts', () => {
    const registry = createShortcutRegistry({ conflictCheck: true });
    assert.doesNotThrow(() => registry.register(APP_SHORTCUTS));
    assert.deepEqual(registry.conflicts(), []);
    assert.equal(registry.list().length, APP_SHORTCUTS.length);
  });

  it('refuses conflicts when checking is on, naming both actions', () => {
    const registry = createShortcutRegistry({ conflictCheck: true });
    registry.register(APP_SHORTCUTS);
    assert.throws(
      () => registry.register([{ id: 'quickSwitch', keys: 'ctrl+k', description: 'x' }]),
      (err: unknown) => err instanceof ShortcutConflictError && err.conflicts[0]![0] === 'search' && err.conflicts[0]![1] === 'quickSwitch',
    );
    assert.equal(registry.match(press('k', { ctrlKey: true }))?.id, 'search', 'the refused shortcut changed nothing');
    assert.throws(() => createShortcutRegistry({ conflictCheck: true }).register([
      { id: 'a', keys: 'Alt+X', description: 'x' },
      { id: 'b', keys: 'alt+x', description: 'x' },
    ]), ShortcutConflictError);
  });

  it('lets the later action win, but still reports, when checking is off (keyboard_shortcut_conflict_check = false)', () => {
    const registry = createShortcutRegistry({ conflictCheck: false });
    registry.register(APP_SHORTCUTS);
    registry.register([{ id: 'quickSwitch', keys: 'Ctrl+K', description: 'x' }]);
    assert.equal(registry.match(press('k', { ctrlKey: true }))?.id, 'quickSwitch');
    assert.deepEqual(registry.conflicts(), [['search', 'quickSwitch']]);
  });
});

describe('shortcut labels', () => {
  const german = { Ctrl: 'Strg', Meta: '⌘', Alt: 'Alt', Shift: 'Umschalt', Enter: 'Eingabe', Escape: 'Esc', ArrowUp: '↑', ArrowDown: '↓' } as const;
  it('names keys in the reader’s language and Mod by platform', () => {
    assert.equal(formatKeys('Mod+K', (n) => german[n]), 'Strg+K');
    assert.equal(formatKeys('Mod+K', (n) => german[n], true), '⌘+K');
    assert.equal(formatKeys('Shift+Enter', (n) => german[n]), 'Umschalt+Eingabe');
    assert.equal(formatKeys('Alt+ArrowDown', (n) => german[n]), 'Alt+↓');
    assert.equal(formatKeys('Shift+?', (n) => german[n]), 'Umschalt+?');
  });
  it('the help dialog’s extra keys do not clash with the registry', () => {
    const registry = createShortcutRegistry({ conflictCheck: true });
    registry.register(APP_SHORTCUTS);
    assert.doesNotThrow(() => registry.register(EDITING_KEYS));
  });
});
