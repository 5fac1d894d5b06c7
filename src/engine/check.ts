/**
 * The whole run: read the configuration, discover files and driver units, take the reports of
 * unchanged units from the cache (with `cacheDir`), parse the files of the others (a header
 * once per run), build one model per unit, run the rules, then apply configuration,
 * suppressions and the baseline, and return findings sorted, deduplicated and fingerprinted.
 */
import { join } from 'node:path';
import { ConfigResolver, exclusionOf, matchesAny, type ResolvedConfig, type RuleSetting } from '../config/config.js';
import { discover, type DiscoveryPolicy } from '../source/discover.js';
import { ENGINE_RULES, RULES } from '../rules/index.js';
import { INVALID_SUPPRESSION } from '../rules/suppression/invalid-suppression.js';
import { UNUSED_SUPPRESSION } from '../rules/suppression/unused-suppression.js';
import type { Rule, RuleMeta, Severity } from '../rule-kit/rule.js';
import type { AnalyzerSettings, FileReport } from './analyze-unit.js';
import type { BaselineEntry } from './baseline.js';
import { newFinding } from './finding-factory.js';
import { compareFindings, type AnalyzedFile, type CheckResult, type Finding, type SkippedFile, type UnitSummary } from './findings.js';
import { DEFAULT_LIMITS, type ReadLimits } from './read-files.js';
import { withSourceLines } from './source-lines.js';
import { namesRule, pragmaSuppressedLines, readSuppressionComments, type SourceSuppression, type SuppressionFacts } from './suppressions.js';
import { buildIdentity } from './build-identity.js';
import type { CacheLocation } from './cache-store.js';
import type { PoolResult, PoolRun, Task } from './unit-pool.js';
import { lookUpReports, UnitReportCache, type CacheLookup } from './unit-report-cache.js';
import { tuneIfLargeRun } from './v8-tuning.js';
import { bytesOf, startWorkersAhead, stopWorkersStartedAhead, workerLanes } from './worker-start.js';

export interface CheckOptions {
  readonly paths: readonly string[];
  /** Directory reported paths are relative to; default: the deepest common directory of `paths`. */
  readonly root?: string;
  readonly limits?: Partial<ReadLimits>;
  readonly rules?: readonly Rule[];
  /** A configuration file for the whole run, instead of the nearest `drvcheck.json` of each file. */
  readonly configFile?: string;
  /** Report only rules matching one of these ids, codes or prefixes. */
  readonly select?: readonly string[];
  /** Never report rules matching one of these ids, codes or prefixes. */
  readonly ignore?: readonly string[];
  /** Findings already known: reported as baselined, not as findings. */
  readonly baseline?: readonly BaselineEntry[];
  /**
   * Worker threads, each analysing whole units; 1: none. Default: up to the number of cores,
   * when the run is large enough to repay their start-up.
   */
  readonly jobs?: number;
  /** Directory of the cache of parse facts and unit reports; no cache when absent. */
  readonly cacheDir?: string;
}

export const ALL_RULE_METAS: readonly RuleMeta[] = [...RULES.map((r) => r.meta), ...ENGINE_RULES];

export async function check(options: CheckOptions): Promise<CheckResult> {
  const limits: ReadLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const metas = [...(options.rules ?? RULES).map((r) => r.meta), ...ENGINE_RULES];
  const timer = new PhaseTimer();
  const configs = new ConfigResolver(options.configFile);
  let startedAhead = 0;
  const found = discover(options.paths, options.root, discoveryPolicy(configs), (unitSources) => {
    startedAhead = startWorkersIfWorth(unitSources, options);
  });
  timer.lap('discover');

  // Each unit is analysed from its files to its findings in one place (a worker thread when
  // there is work for several); files no unit includes are read to be accounted for.
  const inUnits = new Set(found.units.flatMap((u) => u.files));
  const lone = found.files.filter((f) => !inUnits.has(f));
  const tasks: Task[] = [
    ...found.units.map((unit, id) => ({ id, unit })).sort((a, b) => b.unit.files.length - a.unit.files.length),
    ...lone.map((file, i) => ({ id: found.units.length + i, file })),
  ];
  const cache: CacheLocation | undefined = options.cacheDir ? { root: options.cacheDir, build: buildIdentity() } : undefined;
  const settings: AnalyzerSettings = { root: found.root, limits, ...(cache ? { cache } : {}), ...(options.configFile ? { configFile: options.configFile } : {}) };
  // Reports made by other rules than the built-in ones are not cached (see UnitAnalyzer).
  const cached = cache && !options.rules ? lookUpReports(tasks, new UnitReportCache(cache), found.root, limits, configs) : undefined;
  if (cached) timer.lap('cache lookup');
  let analysed: PoolResult;
  try {
    analysed = await analyse({ tasks: cached?.misses ?? tasks, settings, jobs: options.jobs, rules: options.rules });
  } finally {
    stopWorkersStartedAhead();
  }
  const pool: PoolResult = cached
    ? { units: new Map([...cached.units, ...analysed.units]), files: new Map([...cached.files, ...analysed.files]), lost: analysed.lost }
    : analysed;
  timer.lap('parse, model and rules');

  const analyzedByPath = new Map<string, AnalyzedFile>();
  const suppressionFacts = new Map<string, SuppressionFacts>();
  const skippedByPath = new Map<string, string>();
  const account = (report: FileReport): void => {
    if (report.analyzed) {
      const a = report.analyzed;
      analyzedByPath.set(report.path, { path: report.path, language: a.language, encoding: a.encoding, functions: a.functions, syntaxErrors: a.syntaxErrors });
      suppressionFacts.set(report.path, a.suppression);
    } else if (report.skipped !== undefined) {
      skippedByPath.set(report.path, report.skipped);
    }
  };
  const raw = new Map<string, Finding>();
  const units: UnitSummary[] = [];
  const skipped: SkippedFile[] = [...found.skipped];
  for (let id = 0; id < found.units.length; id++) {
    const report = pool.units.get(id);
    if (!report) continue;
    report.files.forEach(account);
    skipped.push(...report.failures);
    if (report.summary) units.push(report.summary);
    for (const finding of report.findings) {
      const dedupe = `${finding.ruleId}|${finding.location.path}|${finding.location.span.startOffset}`;
      if (!raw.has(dedupe)) raw.set(dedupe, finding);
    }
  }
  for (const report of pool.files.values()) account(report);
  for (const [path, reason] of pool.lost) if (!analyzedByPath.has(path)) skippedByPath.set(path, reason);
  for (const [path, reason] of skippedByPath) if (!analyzedByPath.has(path)) skipped.push({ path, reason });

  const settled = applySuppressions([...raw.values()], suppressionFacts, metas);
  const configured = settled
    .map((f) => configure(f, configs.forFile(join(found.root, f.location.path)), metas))
    .filter((f): f is Finding => f !== undefined)
    .filter((f) => selected(f, metas, options.select, options.ignore))
    .sort(compareFindings);
  // Findings of the units come with their lines; those made here (suppressions') get them now.
  const all = withUniqueFingerprints(withSourceLines(configured, found.root, limits));
  const known = new Set((options.baseline ?? []).map((b) => b.fingerprint));
  const current = new Set(all.map((f) => f.fingerprint));
  const analyzed = [...analyzedByPath.values()].sort((a, b) => (a.path < b.path ? -1 : 1));
  skipped.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.reason < b.reason ? -1 : 1));
  timer.lap('suppressions, configuration, baseline');
  reportStats(timer, analysed, cached, startedAhead);
  return {
    root: found.root,
    findings: all.filter((f) => !f.suppression && !known.has(f.fingerprint)),
    suppressed: all.filter((f) => f.suppression),
    baselined: all.filter((f) => !f.suppression && known.has(f.fingerprint)).length,
    fixed: (options.baseline ?? []).filter((b) => !current.has(b.fingerprint)),
    analyzed,
    skipped,
    units,
  };
}

/**
 * Runs the tasks the cache could not serve. The parser, and the pool that runs it, are loaded
 * only then: a warm run whose every unit is cached never needs them.
 */
async function analyse(run: PoolRun): Promise<PoolResult> {
  if (run.tasks.length === 0) return { units: new Map(), files: new Map(), lost: new Map() };
  const { runTasks } = await import('./unit-pool.js');
  return runTasks(run);
}

/**
 * Starts the pool's workers while discovery reads the units' includes, and says how many,
 * when the units' sources alone make the run large and worth workers (it is then worth them
 * with its headers too: both measures only grow). Not when the cache may serve the run, nor
 * when rules of the caller's own keep it on this thread. V8 is tuned for a large run first:
 * its flags are set before any worker starts.
 */
function startWorkersIfWorth(unitSources: readonly (readonly string[])[], options: CheckOptions): number {
  // Before the sizes are read: runs that cannot start any.
  if (options.cacheDir !== undefined || options.jobs === 1 || unitSources.length < 2) return 0;
  const sizes = unitSources.map(bytesOf);
  if (!tuneIfLargeRun(sizes.reduce((a, b) => a + b, 0))) return 0;
  const lanes = workerLanes(sizes, options.jobs, options.rules !== undefined);
  if (lanes === 0) return 0;
  startWorkersAhead(lanes);
  return lanes;
}

/** Wall time per phase, for DRVCHECK_STATS. */
class PhaseTimer {
  readonly phases: Record<string, number> = {};
  private last = performance.now();

  lap(name: string): void {
    const now = performance.now();
    this.phases[name] = Math.round(now - this.last);
    this.last = now;
  }
}

/**
 * With DRVCHECK_STATS set, writes the run's phase times, peak memory, slowest files and cache
 * hits to standard error as one JSON line: what the benchmark reads. Never part of a report.
 */
function reportStats(timer: PhaseTimer, analysed: PoolResult, cached: CacheLookup | undefined, workersStartedAhead: number): void {
  if (!process.env['DRVCHECK_STATS']) return;
  // Files read in this run only: a report from the cache carries the times of the run that made it.
  const times = new Map<string, number>();
  for (const report of [...[...analysed.units.values()].flatMap((u) => u.files), ...analysed.files.values()]) times.set(report.path, report.ms);
  const slowest = [...times].sort((a, b) => b[1] - a[1]).slice(0, 10).map(([path, ms]) => ({ path, ms: Math.round(ms) }));
  const cache = cached ? { hits: cached.units.size + cached.files.size, misses: cached.misses.length } : undefined;
  const { sharedHeaders, headersRead, mostHeadersKept, workersLost } = analysed;
  const shared = sharedHeaders !== undefined ? { sharedHeaders, headersRead, mostHeadersKept, workersLost } : {};
  process.stderr.write(`${JSON.stringify({ phasesMs: timer.phases, maxRssKB: process.resourceUsage().maxRSS, slowest, ...(cache ? { cache } : {}), ...shared, workersStartedAhead })}\n`);
}

function discoveryPolicy(configs: ConfigResolver): DiscoveryPolicy {
  return {
    exclusion: (abs) => exclusionOf(configs.forFile(abs), abs),
    explicitUnits: (sources) => {
      const declared = new Map<string, ResolvedConfig['units'][number]>();
      for (const file of sources) for (const u of configs.forFile(file).units) declared.set(`${u.sources[0]?.source}\0${u.name}`, u);
      return [...declared.values()].map((u) => ({
        name: u.name,
        dir: u.sources[0]!.base,
        files: sources.filter((f) => matchesAny(u.sources, f)),
      }));
    },
  };
}

/**
 * Marks findings covered by a `drvcheck-ignore` comment or a Code Analysis pragma as
 * suppressed (they are kept, with the reason), and reports the comments that cover nothing
 * or are malformed.
 */
function applySuppressions(findings: Finding[], facts: ReadonlyMap<string, SuppressionFacts>, metas: readonly RuleMeta[]): Finding[] {
  const metaOf = new Map(metas.map((m) => [m.id, m]));
  const knownRule = (token: string): boolean => ALL_RULE_METAS.some((m) => namesRule(token, m));
  const byFile = new Map<string, { suppressions: SourceSuppression[]; used: Set<SourceSuppression>; pragma: ReturnType<typeof pragmaSuppressedLines> }>();
  const extra: Finding[] = [];
  for (const file of facts.values()) {
    if (file.suppressionComments.length === 0 && file.warningPragmas.length === 0) continue;
    const { suppressions, malformed } = readSuppressionComments(file, knownRule);
    byFile.set(file.path, { suppressions, used: new Set(), pragma: pragmaSuppressedLines(file) });
    for (const m of malformed) {
      extra.push(newFinding(INVALID_SUPPRESSION, m.path, m.span, `This drvcheck-ignore comment has no effect: ${m.problem}.`, []));
    }
  }
  const result = findings.map((f) => {
    if (f.suppression) return f;
    const file = byFile.get(f.location.path);
    const meta = metaOf.get(f.ruleId);
    if (!file || !meta) return f;
    const line = f.location.span.startLine;
    const comment = file.suppressions.find((s) => (s.covers === 'file' || s.covers === line) && s.rules.some((r) => namesRule(r, meta)));
    if (comment) {
      file.used.add(comment);
      return { ...f, suppression: { justification: comment.reason, location: { path: comment.path, span: comment.span } } };
    }
    for (const warning of meta.codeAnalysisWarnings ?? []) {
      const how = file.pragma(warning, line);
      if (how) return { ...f, suppression: { justification: how } };
    }
    return f;
  });
  for (const file of byFile.values()) {
    for (const s of file.suppressions) {
      if (file.used.has(s)) continue;
      const where = s.covers === 'file' ? 'in this file' : `on line ${s.covers}`;
      extra.push(newFinding(UNUSED_SUPPRESSION, s.path, s.span, `This suppression of ${s.rules.join(', ')} matches no finding ${where}; remove it.`, []));
    }
  }
  return [...result, ...extra];
}

/**
 * A configured rule setting: the rule's exact id or code beats a prefix, a longer prefix beats
 * a shorter one, and among equals the one written later (a child config over its parent) wins.
 */
function ruleSetting(settings: ResolvedConfig['rules'], meta: RuleMeta): RuleSetting | undefined {
  let best: { specificity: number; value: RuleSetting } | undefined;
  for (const [key, value] of settings) {
    if (!matchesRuleToken(key, meta)) continue;
    const exact = namesRule(key, meta);
    const specificity = exact ? Number.MAX_SAFE_INTEGER : key.length;
    if (!best || specificity >= best.specificity) best = { specificity, value };
  }
  return best?.value;
}

export function matchesRuleToken(token: string, meta: RuleMeta): boolean {
  return meta.id.startsWith(token) || meta.code.startsWith(token.toUpperCase());
}

function configure(f: Finding, config: ResolvedConfig, metas: readonly RuleMeta[]): Finding | undefined {
  const meta = metas.find((m) => m.id === f.ruleId);
  if (!meta) return f;
  const setting = ruleSetting(config.rules, meta);
  if (setting === 'off') return undefined;
  if (setting === undefined || setting === 'on') return f;
  return { ...f, severity: setting as Severity };
}

function selected(f: Finding, metas: readonly RuleMeta[], select?: readonly string[], ignore?: readonly string[]): boolean {
  const meta = metas.find((m) => m.id === f.ruleId);
  if (!meta) return true;
  if (select && select.length > 0 && !select.some((t) => matchesRuleToken(t, meta))) return false;
  return !(ignore ?? []).some((t) => matchesRuleToken(t, meta));
}

/** Two findings with the same fingerprint get an occurrence suffix, in source order. */
function withUniqueFingerprints(findings: Finding[]): Finding[] {
  const seen = new Map<string, number>();
  return findings.map((f) => {
    const n = seen.get(f.fingerprint) ?? 0;
    seen.set(f.fingerprint, n + 1);
    return n === 0 ? f : { ...f, fingerprint: `${f.fingerprint}:${n}` };
  });
}
