import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseToml, TomlError } from 'smol-toml';
import { z } from 'zod';
import { configSchema, RESERVED_KEYS, schemaKeys, type DchatConfig } from './schema.ts';
import { convertEnvValue, ENV_BINDINGS, OTHER_KNOWN_ENV, type EnvBinding } from './env.ts';
import { didYouMean, nearest, suggestKey } from './suggest.ts';
import { describeTomlError } from './toml-error.ts';

/** A configuration problem the operator must fix; the CLI prints it and exits with code 2. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** A value set on the command line, already mapped to its config key. */
export interface FlagOverride {
  readonly flag: string;
  readonly key: string;
  readonly value: string;
  readonly type: EnvBinding['type'];
}

export interface LoadConfigOptions {
  /** From --config; falls back to DCHAT_CONFIG, then <data dir>/config.toml when it exists. */
  readonly configPath?: string | undefined;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly flags?: readonly FlagOverride[];
  readonly cwd?: string;
}

export interface LoadedConfig {
  readonly config: DchatConfig;
  /** Absolute path of the directory holding dchat.db, the API token and the node's keys. */
  readonly dataDir: string;
  readonly configFile: string | undefined;
  /** Where each non-default key came from, e.g. `env DCHAT_API_PORT`. */
  readonly sources: ReadonlyMap<string, string>;
  readonly warnings: readonly string[];
}

/** Keys holding filesystem paths: relative values are resolved against their source's directory. */
const PATH_KEYS = new Set([
  'node.data_dir',
  'database.path',
  'database.backup_path',
  'logging.file_path',
  'security.tls_cert_path',
  'security.tls_key_path',
]);

type Tree = Record<string, Record<string, unknown>>;

interface Layer {
  readonly values: Map<string, unknown>;
  readonly sources: Map<string, string>;
}

export function defaultDataDir(
  env: Readonly<Record<string, string | undefined>> = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = os.homedir(),
): string {
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'dchat');
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'dchat');
  return path.join(env.XDG_DATA_HOME || path.join(home, '.local', 'share'), 'dchat');
}

export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const warnings: string[] = [];

  const envLayer = layerFromEnv(env, cwd, warnings);
  const flagLayer = layerFromFlags(options.flags ?? [], cwd);

  const configFile = locateConfigFile(options.configPath, env, cwd, flagLayer, envLayer);
  const fileLayer = configFile.path
    ? layerFromFile(configFile.path, configFile.explicit, warnings)
    : { values: new Map(), sources: new Map() };

  // defaults < config.toml < environment < flags
  const values = new Map<string, unknown>();
  const sources = new Map<string, string>();
  for (const layer of [fileLayer, envLayer, flagLayer]) {
    for (const [key, value] of layer.values) {
      values.set(key, value);
      sources.set(key, layer.sources.get(key)!);
    }
  }

  const parsed = configSchema.safeParse(toTree(values));
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => describeIssue(issue, values, sources)).join('\n'));
  }
  const config = parsed.data;

  // Reserved keys left at their defaults (as in config.example.toml) are not worth a warning.
  const defaults = configSchema.parse({}) as unknown as Tree;
  const valueAt = (tree: Tree, key: string) => {
    const [section, name] = key.split('.') as [string, string];
    return JSON.stringify(tree[section]?.[name]);
  };
  const reserved = [...sources.keys()].filter(
    (key) => key in RESERVED_KEYS && valueAt(config as unknown as Tree, key) !== valueAt(defaults, key),
  );
  if (reserved.length > 0) {
    warnings.push(
      `reserved config keys are set but have no effect in this version: ${reserved
        .map((key) => `${key} (${RESERVED_KEYS[key]}; from ${sources.get(key)})`)
        .join('; ')}`,
    );
  }

  const dataDir = path.resolve(cwd, config.node.data_dir ?? config.database.path ?? defaultDataDir(env));
  return { config, dataDir, configFile: configFile.path, sources, warnings };
}

function locateConfigFile(
  explicit: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
  flagLayer: Layer,
  envLayer: Layer,
): { path: string | undefined; explicit: boolean } {
  if (explicit !== undefined) return { path: path.resolve(cwd, explicit), explicit: true };
  if (env.DCHAT_CONFIG) return { path: path.resolve(cwd, env.DCHAT_CONFIG), explicit: true };
  const dataDir =
    (flagLayer.values.get('node.data_dir') as string | undefined) ??
    (envLayer.values.get('node.data_dir') as string | undefined) ??
    defaultDataDir(env);
  const candidate = path.resolve(cwd, dataDir, 'config.toml');
  return { path: fs.existsSync(candidate) ? candidate : undefined, explicit: false };
}

function layerFromFile(file: string, explicit: boolean, warnings: string[]): Layer {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String(err);
    throw new ConfigError(`config file ${file}: cannot read it (${why})`);
  }
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof TomlError) throw new ConfigError(describeTomlError(file, text, err));
    throw err;
  }

  const known = schemaKeys();
  const values = new Map<string, unknown>();
  const sources = new Map<string, string>();
  const baseDir = path.dirname(file);
  for (const [section, body] of Object.entries(doc)) {
    const sectionKeys = known.get(section);
    if (!sectionKeys) {
      const near = nearest(section, known.keys());
      const what = isTable(body) ? `section [${section}] (ignored)${didYouMean(near && `[${near}]`)}` : `key "${section}" (ignored)`;
      warnings.push(`config file ${file}: unknown ${what}`);
      continue;
    }
    if (!isTable(body)) {
      throw new ConfigError(`config file ${file}: [${section}] must be a table of keys, got ${JSON.stringify(body)}`);
    }
    for (const [key, value] of Object.entries(body)) {
      if (!sectionKeys.has(key)) {
        warnings.push(`config file ${file}: unknown key ${section}.${key} (ignored)${didYouMean(suggestKey(section, key, known))}`);
        continue;
      }
      const dotted = `${section}.${key}`;
      values.set(dotted, resolvePath(dotted, value, baseDir));
      sources.set(dotted, `config file ${file}`);
    }
  }
  return { values, sources };
}

function layerFromEnv(env: Readonly<Record<string, string | undefined>>, cwd: string, warnings: string[]): Layer {
  const values = new Map<string, unknown>();
  const sources = new Map<string, string>();
  const chosenBy = new Map<string, string>();
  for (const binding of ENV_BINDINGS) {
    const raw = env[binding.env];
    if (raw === undefined) continue;
    const value = resolvePath(binding.key, convertEnvValue(binding, raw), cwd);
    const winner = chosenBy.get(binding.key);
    if (winner !== undefined) {
      if (JSON.stringify(values.get(binding.key)) !== JSON.stringify(value)) {
        warnings.push(`environment: ${binding.env} is ignored because ${winner} also sets ${binding.key}`);
      }
      continue;
    }
    chosenBy.set(binding.key, binding.env);
    values.set(binding.key, value);
    sources.set(binding.key, `env ${binding.env}`);
  }
  const knownNames = new Set([...ENV_BINDINGS.map((b) => b.env), ...OTHER_KNOWN_ENV]);
  for (const name of Object.keys(env)) {
    if (name.startsWith('DCHAT_') && !knownNames.has(name)) {
      const near = nearest(name, [...knownNames].filter((known) => known.startsWith('DCHAT_')));
      warnings.push(`environment: unknown variable ${name} (ignored)${didYouMean(near)}`);
    }
  }
  return { values, sources };
}

function layerFromFlags(flags: readonly FlagOverride[], cwd: string): Layer {
  const values = new Map<string, unknown>();
  const sources = new Map<string, string>();
  for (const flag of flags) {
    values.set(flag.key, resolvePath(flag.key, convertEnvValue({ env: flag.flag, key: flag.key, type: flag.type }, flag.value), cwd));
    sources.set(flag.key, `flag ${flag.flag}`);
  }
  return { values, sources };
}

function resolvePath(key: string, value: unknown, baseDir: string): unknown {
  if (!PATH_KEYS.has(key) || typeof value !== 'string' || value === '') return value;
  const expanded = value.startsWith('~/') ? path.join(os.homedir(), value.slice(2)) : value;
  return path.resolve(baseDir, expanded);
}

function toTree(values: ReadonlyMap<string, unknown>): Tree {
  const tree: Tree = {};
  for (const [dotted, value] of values) {
    const [section, key] = dotted.split('.') as [string, string];
    (tree[section] ??= {})[key] = value;
  }
  return tree;
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** A URL's password (database.url) never reaches a terminal or a log. */
const redactPassword = (value: unknown): unknown =>
  typeof value === 'string' ? value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)[^@\s]*@/i, '$1***@') : value;

function describeIssue(issue: z.core.$ZodIssue, values: ReadonlyMap<string, unknown>, sources: ReadonlyMap<string, string>): string {
  const key = issue.path.slice(0, 2).join('.');
  const source = sources.get(key);
  const given = values.has(key) ? JSON.stringify(redactPassword(values.get(key))) : '(not set)';
  const expected = issue.code === 'custom' ? issue.message : `expected ${describeExpectation(key)}`;
  return `invalid configuration: ${key} = ${given}${source ? ` (from ${source})` : ''}: ${expected}`;
}

interface JsonSchemaNode {
  type?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  enum?: unknown[];
  minLength?: number;
  items?: JsonSchemaNode;
  properties?: Record<string, JsonSchemaNode>;
}

let jsonSchemaCache: JsonSchemaNode | undefined;

/** Plain-words description of what a key accepts, read off the schema itself. */
export function describeExpectation(key: string): string {
  jsonSchemaCache ??= z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchemaNode;
  const [section, name] = key.split('.') as [string, string];
  const node = jsonSchemaCache.properties?.[section]?.properties?.[name];
  if (!node) return 'a valid value';
  return describeNode(node);
}

function describeNode(node: JsonSchemaNode): string {
  if (node.enum) return `one of ${node.enum.map((v) => JSON.stringify(v)).join(', ')}`;
  const range = (noun: string): string => {
    const min = node.minimum ?? (node.exclusiveMinimum !== undefined ? node.exclusiveMinimum : undefined);
    const minWord = node.exclusiveMinimum !== undefined ? 'greater than' : 'at least';
    if (min !== undefined && node.maximum !== undefined) {
      return node.exclusiveMinimum !== undefined
        ? `${noun} greater than ${min} and at most ${node.maximum}`
        : `${noun} from ${min} to ${node.maximum}`;
    }
    if (min !== undefined) return `${noun} ${minWord} ${min}`;
    if (node.maximum !== undefined) return `${noun} at most ${node.maximum}`;
    return noun;
  };
  switch (node.type) {
    case 'integer':
      return range('an integer');
    case 'number':
      return range('a number');
    case 'boolean':
      return 'true or false';
    case 'string':
      return node.minLength ? 'a non-empty string' : 'a string';
    case 'array':
      return `a list of ${node.items ? describeNode(node.items).replace(/^an? /, '') + 's' : 'values'}`;
    default:
      return 'a valid value';
  }
}
