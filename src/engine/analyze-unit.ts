/**
 * Analyses one driver unit from its files to its findings: parse each file (or take its facts
 * from the cache), build the unit's model, run the rules. What it returns is plain data, so
 * the work can run on a worker thread and only the results cross back; each worker keeps the
 * facts of the headers it has read, which the next units it analyses often include again.
 */
import { join } from 'node:path';
import { ConfigResolver } from '../config/config.js';
import { knowledgeExtensions } from '../config/knowledge-extensions.js';
import type { KnowledgeExtensions } from '../knowledge/extensions.js';
import { DriverModel } from '../model/driver-model.js';
import type { FileFacts } from '../parser/facts.js';
import { RULES } from '../rules/index.js';
import type { Rule } from '../rule-kit/rule.js';
import type { DriverUnit } from '../source/discover.js';
import { HEADER_EXTENSIONS } from '../source/discover.js';
import { FactsCache } from './facts-cache.js';
import { findingOf } from './finding-factory.js';
import type { Finding, SkippedFile, UnitSummary } from './findings.js';
import { readAndParse, type ReadLimits, type ReadOutcome } from './read-files.js';
import type { SuppressionFacts } from './suppressions.js';

export interface FileReport {
  readonly path: string;
  readonly ms: number;
  readonly analyzed?: {
    readonly language: 'c' | 'cpp';
    readonly encoding: string;
    readonly functions: number;
    readonly syntaxErrors: number;
    readonly suppression: SuppressionFacts;
  };
  readonly skipped?: string;
}

export interface UnitReport {
  readonly files: readonly FileReport[];
  readonly findings: readonly Finding[];
  /** Rules that failed on the unit: the unit is named with the reason, like a skipped file. */
  readonly failures: readonly SkippedFile[];
  readonly summary?: UnitSummary;
}

export interface AnalyzerSettings {
  readonly root: string;
  readonly limits: ReadLimits;
  readonly cacheDir?: string;
  readonly configFile?: string;
}

export class UnitAnalyzer {
  private readonly cache: FactsCache | undefined;
  private readonly configs: ConfigResolver;
  private readonly headers = new Map<string, { outcome: ReadOutcome; ms: number }>();
  private readonly knowledgeByConfig = new Map<string, KnowledgeExtensions>();

  constructor(
    private readonly settings: AnalyzerSettings,
    private readonly rules: readonly Rule[] = RULES,
    /**
     * Told the path of each file before it is read, and undefined once the files are read: a
     * worker that dies reading a file is known to have died on that file.
     */
    private readonly reading: (path: string | undefined) => void = () => {},
  ) {
    this.cache = settings.cacheDir ? new FactsCache(settings.cacheDir) : undefined;
    this.configs = new ConfigResolver(settings.configFile);
  }

  async analyze(unit: DriverUnit): Promise<UnitReport> {
    const files: FileReport[] = [];
    const facts: FileFacts[] = [];
    for (const path of unit.files) {
      const { outcome, ms } = await this.read(path);
      files.push(reportOf(path, outcome, ms));
      if (outcome.ok) facts.push(outcome.facts);
    }
    this.reading(undefined);
    if (facts.length === 0) return { files, findings: [], failures: [] };
    const config = this.configs.forDirectory(join(this.settings.root, unit.directory));
    const key = config.files.join('\0');
    let knowledge = this.knowledgeByConfig.get(key);
    if (!knowledge) this.knowledgeByConfig.set(key, (knowledge = knowledgeExtensions(config)));
    const model = new DriverModel(unit, facts, knowledge);
    const findings: Finding[] = [];
    const failures: SkippedFile[] = [];
    // Every rule so far is about kernel-mode execution; a UMDF driver is summarised, not checked.
    for (const rule of model.isUserMode ? [] : this.rules) {
      try {
        for (const f of rule.check(model)) findings.push(findingOf(rule, f));
      } catch (error) {
        failures.push({ path: unit.name, reason: `rule ${rule.meta.id} failed on this driver unit: ${(error as Error).message}` });
      }
    }
    const summary: UnitSummary = {
      name: unit.name,
      kind: unit.kind,
      ...(unit.driverType ? { driverType: unit.driverType } : {}),
      files: facts.length,
      functions: model.functions.all.length,
      callbacks: model.callbacks.length,
    };
    return { files, findings, failures, summary };
  }

  /** A file no unit includes (a header nobody includes): read, so that it is accounted for. */
  async readAlone(path: string): Promise<FileReport> {
    const { outcome, ms } = await this.read(path);
    return reportOf(path, outcome, ms);
  }

  private async read(path: string): Promise<{ outcome: ReadOutcome; ms: number }> {
    const kept = this.headers.get(path);
    if (kept) return kept;
    this.reading(path);
    const started = performance.now();
    const outcome = await readAndParse(this.settings.root, path, this.settings.limits, this.cache);
    const read = { outcome, ms: performance.now() - started };
    if (HEADER_EXTENSIONS.test(path)) this.headers.set(path, read);
    return read;
  }
}

function reportOf(path: string, outcome: ReadOutcome, ms: number): FileReport {
  if (!outcome.ok) return { path, ms, skipped: outcome.skipped.reason };
  const f = outcome.facts;
  return {
    path,
    ms,
    analyzed: {
      language: f.language,
      encoding: f.encoding,
      functions: f.functions.length,
      syntaxErrors: f.errorCount,
      suppression: { path: f.path, suppressionComments: f.suppressionComments, warningPragmas: f.warningPragmas },
    },
  };
}
