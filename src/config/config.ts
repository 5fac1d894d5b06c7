/**
 * Finds, reads, validates and merges `drvcheck.json` files. The nearest file above a source
 * applies to it; `extends` names files it inherits from (later settings win); `--config FILE`
 * names one file for the whole run. Every error names the file and the key.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import picomatch from 'picomatch';
import { configValidator } from './schema-validator.js';

const CONFIG_FILE_NAME = 'drvcheck.json';

export class ConfigError extends Error {}

export type RuleSetting = 'off' | 'on' | 'error' | 'warning' | 'note';

export interface KnowledgeConfig {
  readonly ddis: Readonly<Record<string, { readonly maxIrql: string; readonly why?: string }>>;
  readonly locks: Readonly<Record<string, { readonly raisesTo: string; readonly releasedBy: string | readonly string[]; readonly lockArgument?: number }>>;
  readonly roles: Readonly<Record<string, string>>;
  readonly registrations: Readonly<Record<string, { readonly argument: number; readonly role: string }>>;
}

interface RawConfig {
  extends?: string | string[];
  rules?: Record<string, RuleSetting>;
  include?: string[];
  exclude?: string[];
  units?: { name: string; sources: string[] }[];
  knowledge?: Partial<KnowledgeConfig>;
}

/** One config file with everything it inherits folded in; globs carry the directory they are relative to. */
export interface ResolvedConfig {
  /** The files this configuration was read from, the named one first. */
  readonly files: readonly string[];
  /** Rule settings in the order they were written, inherited ones first: later ones win. */
  readonly rules: readonly (readonly [string, RuleSetting])[];
  readonly include: readonly Glob[];
  readonly exclude: readonly Glob[];
  readonly units: readonly { readonly name: string; readonly sources: readonly Glob[] }[];
  readonly knowledge: KnowledgeConfig;
}

export interface Glob {
  readonly pattern: string;
  /** Absolute directory the pattern is relative to: the config file's. */
  readonly base: string;
  /** The config file that wrote it. */
  readonly source: string;
}

const EMPTY_CONFIG: ResolvedConfig = {
  files: [],
  rules: [],
  include: [],
  exclude: [],
  units: [],
  knowledge: { ddis: {}, locks: {}, roles: {}, registrations: {} },
};

/** Reads one config file and what it extends. */
function loadConfigFile(path: string, seen: readonly string[] = []): ResolvedConfig {
  const file = resolve(path);
  if (seen.includes(file)) throw new ConfigError(`${file}: \`extends\` loops back to this file`);
  const raw = readConfigJson(file);
  const base = dirname(file);
  const parents = raw.extends === undefined ? [] : Array.isArray(raw.extends) ? raw.extends : [raw.extends];
  let merged = EMPTY_CONFIG;
  for (const parent of parents) {
    const parentPath = resolve(base, parent);
    if (!existsSync(parentPath)) throw new ConfigError(`${file}: extends: no such file ${parent}`);
    merged = mergeConfigs(merged, loadConfigFile(parentPath, [...seen, file]));
  }
  const own: ResolvedConfig = {
    files: [file],
    rules: Object.entries(raw.rules ?? {}),
    include: (raw.include ?? []).map((pattern) => ({ pattern, base, source: file })),
    exclude: (raw.exclude ?? []).map((pattern) => ({ pattern, base, source: file })),
    units: (raw.units ?? []).map((u) => ({ name: u.name, sources: u.sources.map((pattern) => ({ pattern, base, source: file })) })),
    knowledge: { ...EMPTY_CONFIG.knowledge, ...raw.knowledge },
  };
  return mergeConfigs(merged, own);
}

function readConfigJson(file: string): RawConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  } catch {
    throw new ConfigError(`${file}: cannot be read`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${file}: not valid JSON: ${(error as Error).message}`);
  }
  const validate = configValidator();
  if (!validate(data)) {
    const messages = (validate.errors ?? []).map((e) => {
      const at = e.instancePath ? e.instancePath.slice(1).replace(/\//g, '.') : '';
      if (e.keyword === 'additionalProperties') {
        const key = (e.params as { additionalProperty: string }).additionalProperty;
        return `unknown key \`${at ? `${at}.` : ''}${key}\``;
      }
      if (e.keyword === 'enum') return `\`${at}\` must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
      return `\`${at || '(top level)'}\` ${e.message ?? 'is invalid'}`;
    });
    throw new ConfigError(`${file}: ${[...new Set(messages)].join('; ')}`);
  }
  return data as RawConfig;
}

/** `later` wins over `earlier`, key by key. */
function mergeConfigs(earlier: ResolvedConfig, later: ResolvedConfig): ResolvedConfig {
  return {
    files: [...later.files, ...earlier.files],
    rules: [...earlier.rules.filter(([key]) => !later.rules.some(([k]) => k === key)), ...later.rules],
    include: later.include.length > 0 ? later.include : earlier.include,
    exclude: [...earlier.exclude, ...later.exclude],
    units: [...earlier.units, ...later.units],
    knowledge: {
      ddis: { ...earlier.knowledge.ddis, ...later.knowledge.ddis },
      locks: { ...earlier.knowledge.locks, ...later.knowledge.locks },
      roles: { ...earlier.knowledge.roles, ...later.knowledge.roles },
      registrations: { ...earlier.knowledge.registrations, ...later.knowledge.registrations },
    },
  };
}

/**
 * Which configuration applies to a path: the one named with `--config`, else the nearest
 * `drvcheck.json` in the path's directory or above it. Looked up once per directory.
 */
export class ConfigResolver {
  private readonly byDirectory = new Map<string, ResolvedConfig>();
  private readonly fixed: ResolvedConfig | undefined;

  constructor(configFile?: string) {
    this.fixed = configFile ? loadConfigFile(configFile) : undefined;
  }

  forDirectory(dir: string): ResolvedConfig {
    if (this.fixed) return this.fixed;
    const abs = resolve(dir);
    const cached = this.byDirectory.get(abs);
    if (cached) return cached;
    const candidate = join(abs, CONFIG_FILE_NAME);
    const parent = dirname(abs);
    const config = existsSync(candidate) ? loadConfigFile(candidate) : parent === abs ? EMPTY_CONFIG : this.forDirectory(parent);
    this.byDirectory.set(abs, config);
    return config;
  }

  forFile(file: string): ResolvedConfig {
    return this.forDirectory(dirname(resolve(file)));
  }
}

export function matchesAny(globs: readonly Glob[], absPath: string): Glob | undefined {
  return globs.find((g) => {
    const rel = relative(g.base, absPath).split('\\').join('/');
    return !rel.startsWith('..') && picomatch.isMatch(rel, g.pattern, { dot: true });
  });
}

/** Why a file is left out by its configuration, or undefined when it is checked. */
export function exclusionOf(config: ResolvedConfig, absPath: string): string | undefined {
  const excluded = matchesAny(config.exclude, absPath);
  if (excluded) return `excluded by ${describeGlob(excluded)}`;
  if (config.include.length > 0 && !matchesAny(config.include, absPath)) {
    return `not included by the \`include\` globs of ${config.include[0]!.source}`;
  }
  return undefined;
}

function describeGlob(g: Glob): string {
  return `\`${g.pattern}\` in ${g.source}`;
}
