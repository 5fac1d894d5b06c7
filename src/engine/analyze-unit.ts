/**
 * Analyses one driver unit from its files to its findings: parse each file (or take its facts
 * from the cache), build the unit's model, run the rules. What it returns is plain data, so
 * the work can run on a worker thread and only the results cross back; each worker keeps the
 * facts of the headers it has read or adopted from another worker (see `preload`), which the
 * next units it analyses often include again, until the pool says no unit left includes them.
 * With a cache, the report is stored under the identities of the files as they were read here.
 */
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { ConfigResolver, type ResolvedConfig } from '../config/config.js';
import { knowledgeExtensions } from '../config/knowledge-extensions.js';
import type { KnowledgeExtensions } from '../knowledge/extensions.js';
import { DriverModel } from '../model/driver-model.js';
import { RULES } from '../rules/index.js';
import type { Rule } from '../rule-kit/rule.js';
import type { DriverUnit } from '../source/discover.js';
import { HEADER_EXTENSIONS } from '../source/discover.js';
import type { CacheLocation } from './cache-store.js';
import { FactsCache } from './facts-cache.js';
import { findingOf } from './finding-factory.js';
import type { Finding, SkippedFile, UnitSummary } from './findings.js';
import { readAndParse, type ReadOutcome, type ReadResult } from './parse-files.js';
import { withSourceLines } from './source-lines.js';
import type { ReadLimits } from './read-files.js';
import { UnitReportCache } from './unit-report-cache.js';
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
  readonly cache?: CacheLocation;
  readonly configFile?: string;
}

type TimedRead = ReadResult & { readonly ms: number };

export interface HeaderCounts {
  readonly read: number;
  readonly kept: number;
}

export class UnitAnalyzer {
  private readonly cache: FactsCache | undefined;
  private readonly reports: UnitReportCache | undefined;
  private readonly configs: ConfigResolver;
  private readonly headers = new Map<string, TimedRead>();
  private readonly forgotten = new Set<string>();
  private headersRead = 0;
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
    this.cache = settings.cache ? new FactsCache(settings.cache) : undefined;
    // The key of a report does not name the rules that made it, so only the built-in rules'
    // reports are cached (tests run their own rules).
    this.reports = settings.cache && rules === RULES ? new UnitReportCache(settings.cache) : undefined;
    this.configs = new ConfigResolver(settings.configFile);
  }

  async analyze(unit: DriverUnit): Promise<UnitReport> {
    const reads: TimedRead[] = [];
    for (const path of unit.files) reads.push(await this.read(path));
    this.reading(undefined);
    const config = this.configs.forDirectory(join(this.settings.root, unit.directory));
    const report = this.report(unit, reads, config);
    if (this.reports && reads.every(repeatable)) {
      this.reports.setUnit(this.reports.unitKey(unit, reads.map((r) => r.identity), config, this.settings.limits), report);
    }
    return report;
  }

  private report(unit: DriverUnit, reads: readonly TimedRead[], config: ResolvedConfig): UnitReport {
    const files = unit.files.map((path, i) => reportOf(path, reads[i]!.outcome, reads[i]!.ms));
    const facts = reads.flatMap((r) => (r.outcome.ok ? [r.outcome.facts] : []));
    if (facts.length === 0) return { files, findings: [], failures: [] };
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
    return { files, findings: withSourceLines(findings, this.settings.root, this.settings.limits), failures, summary };
  }

  /**
   * Reads headers that other workers' units include too, and returns what was read, serialized
   * for `adopt` in those workers: a header several units include is then parsed once per run,
   * not once per worker.
   */
  async preload(paths: readonly string[]): Promise<Uint8Array> {
    const reads: [string, TimedRead][] = [];
    for (const path of paths) reads.push([path, await this.read(path)]);
    this.reading(undefined);
    return serialize(reads);
  }

  /**
   * Takes headers another worker read (see `preload`). One read here already is kept, and one
   * forgotten is not taken back: no unit left includes it.
   */
  adopt(preloaded: Uint8Array): void {
    for (const [path, read] of deserialize(preloaded) as [string, TimedRead][]) {
      if (!this.headers.has(path) && !this.forgotten.has(path)) this.headers.set(path, read);
    }
  }

  /** Drops the facts of headers no unit left to analyse includes. */
  forget(paths: readonly string[]): void {
    for (const path of paths) {
      this.headers.delete(path);
      this.forgotten.add(path);
    }
  }

  /**
   * For DRVCHECK_STATS: the headers this analyzer read (parsed, or took from the facts cache)
   * since the last call, and those whose facts it keeps now.
   */
  headerCounts(): HeaderCounts {
    const read = this.headersRead;
    this.headersRead = 0;
    return { read, kept: this.headers.size };
  }

  /** A file no unit includes (a header nobody includes): read, so that it is accounted for. */
  async readAlone(path: string): Promise<FileReport> {
    const read = await this.read(path);
    const report = reportOf(path, read.outcome, read.ms);
    if (this.reports && repeatable(read)) this.reports.setFile(this.reports.fileKey(path, read.identity, this.settings.limits), report);
    return report;
  }

  private async read(path: string): Promise<TimedRead> {
    const kept = this.headers.get(path);
    if (kept) return kept;
    this.reading(path);
    const started = performance.now();
    const result = await readAndParse(this.settings.root, path, this.settings.limits, this.cache);
    const read = { ...result, ms: performance.now() - started };
    if (HEADER_EXTENSIONS.test(path)) {
      // One forgotten before it was read here (the pool's word can come while a unit waits for
      // the grammars) is read for this unit only.
      if (!this.forgotten.has(path)) this.headers.set(path, read);
      this.headersRead++;
    }
    return read;
  }
}

/** A read whose outcome follows from the file's content alone, so a report made from it may be cached. */
function repeatable<R extends ReadResult>(read: R): read is R & { readonly identity: string } {
  return read.identity !== undefined && (read.outcome.ok || !read.outcome.transient);
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
