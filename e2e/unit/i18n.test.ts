import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

/**
 * The locales are complete: every key in every language, every plural form the language's rules
 * need (Intl.PluralRules), the same {{placeholders}}, and every key the renderer's code asks for
 * exists. A missing string fails here instead of showing a raw key to a user.
 */

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const LOCALES_DIR = path.join(ROOT, 'renderer', 'src', 'i18n', 'locales');
const SOURCE_DIR = path.join(ROOT, 'renderer', 'src');
const PLURAL_SUFFIX = /_(zero|one|two|few|many|other)$/;

type Tree = { [key: string]: string | Tree };

function flatten(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    const full = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') out.set(full, value);
    else for (const [k, v] of flatten(value, full)) out.set(k, v);
  }
  return out;
}

const languages = fs.readdirSync(LOCALES_DIR).sort();
const namespaces = fs.readdirSync(path.join(LOCALES_DIR, 'en')).map((f) => f.replace(/\.json$/, '')).sort();
const strings = new Map<string, Map<string, Map<string, string>>>(
  languages.map((lang) => [
    lang,
    new Map(namespaces.map((ns) => [ns, flatten(JSON.parse(fs.readFileSync(path.join(LOCALES_DIR, lang, `${ns}.json`), 'utf8')) as Tree)])),
  ]),
);
const baseKeys = (keys: Iterable<string>) => new Set([...keys].map((k) => k.replace(PLURAL_SUFFIX, '')));
const placeholders = (text: string): string[] => [...text.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]!).sort();

describe('locales', () => {
  it('include English, another left-to-right language and a right-to-left one', () => {
    assert.ok(languages.includes('en'));
    const rtl = languages.filter((l) => new Intl.Locale(l).language === 'ar' || ['he', 'fa', 'ur'].includes(l));
    assert.ok(rtl.length >= 1, `no right-to-left locale among ${languages.join(', ')}`);
    assert.ok(languages.length - rtl.length >= 2, 'needs a second left-to-right locale');
  });

  it('every language has every namespace file', () => {
    for (const lang of languages) {
      const files = fs.readdirSync(path.join(LOCALES_DIR, lang)).map((f) => f.replace(/\.json$/, '')).sort();
      assert.deepEqual(files, namespaces, `${lang} namespaces`);
    }
  });

  it('every language has exactly the same keys', () => {
    const problems: string[] = [];
    for (const ns of namespaces) {
      const reference = baseKeys(strings.get('en')!.get(ns)!.keys());
      for (const lang of languages) {
        const keys = baseKeys(strings.get(lang)!.get(ns)!.keys());
        for (const key of reference) if (!keys.has(key)) problems.push(`${lang}/${ns}: missing "${key}"`);
        for (const key of keys) if (!reference.has(key)) problems.push(`${lang}/${ns}: "${key}" is not in English`);
      }
    }
    assert.deepEqual(problems, []);
  });

  it('every plural has all the forms its language needs', () => {
    const problems: string[] = [];
    for (const lang of languages) {
      const needed = new Intl.PluralRules(lang).resolvedOptions().pluralCategories;
      for (const ns of namespaces) {
        const keys = [...strings.get(lang)!.get(ns)!.keys()];
        const plurals = new Set(keys.filter((k) => PLURAL_SUFFIX.test(k)).map((k) => k.replace(PLURAL_SUFFIX, '')));
        // A key plural in English must be plural everywhere (and the other way round).
        const englishPlurals = new Set([...strings.get('en')!.get(ns)!.keys()].filter((k) => PLURAL_SUFFIX.test(k)).map((k) => k.replace(PLURAL_SUFFIX, '')));
        for (const base of englishPlurals) if (!plurals.has(base)) problems.push(`${lang}/${ns}: "${base}" is plural in English but not here`);
        for (const base of plurals) {
          for (const category of needed) if (!keys.includes(`${base}_${category}`)) problems.push(`${lang}/${ns}: "${base}_${category}" missing`);
          if (keys.includes(base)) problems.push(`${lang}/${ns}: "${base}" has both plural forms and a plain form`);
        }
      }
    }
    assert.deepEqual(problems, []);
  });

  it('Arabic has all six plural forms', () => {
    assert.deepEqual([...new Intl.PluralRules('ar').resolvedOptions().pluralCategories].sort(), ['few', 'many', 'one', 'other', 'two', 'zero']);
    const chat = strings.get('ar')!.get('chat')!;
    for (const category of ['zero', 'one', 'two', 'few', 'many', 'other']) assert.ok(chat.has(`list.unread_${category}`), category);
  });

  it('translations keep the same placeholders and are not empty', () => {
    const problems: string[] = [];
    for (const ns of namespaces) {
      const english = strings.get('en')!.get(ns)!;
      const englishPlaceholders = new Map<string, string[]>();
      for (const [key, text] of english) englishPlaceholders.set(key.replace(PLURAL_SUFFIX, ''), placeholders(text).filter((p) => p !== 'count'));
      for (const lang of languages) {
        for (const [key, text] of strings.get(lang)!.get(ns)!) {
          if (text.trim() === '') problems.push(`${lang}/${ns}: "${key}" is empty`);
          const expected = englishPlaceholders.get(key.replace(PLURAL_SUFFIX, '')) ?? [];
          const got = placeholders(text).filter((p) => p !== 'count');
          // count may be spelled out in words ("one message"); every other placeholder must stay.
          for (const p of expected) if (!got.includes(p)) problems.push(`${lang}/${ns}: "${key}" lost {{${p}}}`);
          for (const p of got) if (!expected.includes(p)) problems.push(`${lang}/${ns}: "${key}" has {{${p}}} that English does not`);
        }
      }
    }
    assert.deepEqual(problems, []);
  });

  it('every key the renderer and the shell ask for exists in the namespace they ask in', () => {
    const problems: string[] = [];
    const english = strings.get('en')!;
    const has = (ns: string, key: string) => {
      const table = english.get(ns);
      return table !== undefined && (table.has(key) || [...table.keys()].some((k) => k.replace(PLURAL_SUFFIX, '') === key));
    };
    const sources = [
      ...fs.readdirSync(SOURCE_DIR, { recursive: true, encoding: 'utf8' }).map((f) => ({ file: path.join(SOURCE_DIR, f), main: null })),
      // The Electron shell's strings live in the "shell" namespace.
      ...fs.readdirSync(path.join(ROOT, 'electron')).map((f) => ({ file: path.join(ROOT, 'electron', f), main: 'shell' })),
    ].filter((s) => /\.tsx?$/.test(s.file));
    let checked = 0;
    for (const { file, main } of sources) {
      const source = fs.readFileSync(file, 'utf8');
      // react-i18next's t looks keys up in the first namespace given to useTranslation ("common"
      // when none is), others only with an "ns:" prefix.
      const uses = [...source.matchAll(/useTranslation\(\s*(?:\[\s*'(\w+)'|'(\w+)')?/g)];
      // Outside components (i18next.t in the store) keys name their namespace.
      const defaults = new Set(main ? [main] : uses.length > 0 ? uses.map((m) => m[1] ?? m[2] ?? 'common') : ['common']);
      for (const match of source.matchAll(/\bt\(\s*'([^']+)'/g)) {
        const raw = match[1]!;
        const [ns, key] = raw.includes(':') ? (raw.split(':', 2) as [string, string]) : [null, raw];
        const found = ns ? has(ns, key) : [...defaults].some((d) => has(d, key));
        if (!found) problems.push(`${path.relative(ROOT, file)}: t('${raw}') is not in ${ns ?? [...defaults].join(' or ')}`);
        checked++;
      }
    }
    assert.ok(checked > 100, `only ${checked} keys found in the renderer: is the scan broken?`);
    assert.deepEqual(problems, []);
  });
});
