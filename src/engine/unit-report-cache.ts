/**
 * A cache of each driver unit's report (its file reports, findings, rule failures and
 * summary), so that a warm run neither parses nor analyses a unit whose inputs are unchanged.
 * The key is a hash of everything the report depends on:
 *
 * - the build of drvcheck (the cache directory) and the read limits;
 * - the unit as discovered: name, kind, directory, files, DriverType, defines and INF texts;
 * - the identity of each of its files (the hash of its bytes, or why it cannot be read);
 * - the configuration that acts on its analysis: the `knowledge` section and the files it came
 *   from. Rule settings, `--select` and `--ignore` act on the findings after the unit report
 *   is made, so a change to them needs no new analysis.
 *
 * Files no unit includes are cached the same way, by their path and identity. A report with
 * a file skipped for a reason other than its content (a parse that timed out) is not cached.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { ConfigResolver, ResolvedConfig } from '../config/config.js';
import type { DriverUnit } from '../source/discover.js';
import type { FileReport, UnitReport } from './analyze-unit.js';
import { CacheStore, type CacheLocation } from './cache-store.js';
import { fileIdentity, readBytes, type ReadLimits } from './read-files.js';
import type { Task } from './unit-pool.js';

export class UnitReportCache {
  private readonly units: CacheStore<UnitReport>;
  private readonly files: CacheStore<FileReport>;

  constructor(location: CacheLocation) {
    this.units = new CacheStore(location, 'units');
    this.files = new CacheStore(location, 'files');
  }

  /**
   * `identities` are the fileIdentity() of the unit's files, in the order of `unit.files`. The
   * whole unit is hashed, not a list of its fields, so that a field added to DriverUnit is part
   * of the key without anyone remembering to add it here.
   */
  unitKey(unit: DriverUnit, identities: readonly string[], config: ResolvedConfig, limits: ReadLimits): string {
    const analysisConfig = { files: config.files, knowledge: config.knowledge };
    return hashOf(['unit', limits, unit, identities, analysisConfig]);
  }

  fileKey(path: string, identity: string, limits: ReadLimits): string {
    return hashOf(['file', limits, path, identity]);
  }

  getUnit(key: string): UnitReport | undefined {
    return this.units.get(key);
  }

  setUnit(key: string, report: UnitReport): void {
    this.units.set(key, report);
  }

  getFile(key: string): FileReport | undefined {
    return this.files.get(key);
  }

  setFile(key: string, report: FileReport): void {
    this.files.set(key, report);
  }
}

export interface CacheLookup {
  readonly units: Map<number, UnitReport>;
  readonly files: Map<number, FileReport>;
  /** The tasks whose reports are not cached: they are analysed. */
  readonly misses: Task[];
}

/**
 * Looks each task up in the cache. Each file is read and hashed once, however many units
 * include it; what a unit's analysis will read is hashed again there, so a file that changes
 * in between is never cached under the old content.
 */
export function lookUpReports(tasks: readonly Task[], cache: UnitReportCache, root: string, limits: ReadLimits, configs: ConfigResolver): CacheLookup {
  const identities = new Map<string, string>();
  const identityOf = (path: string): string => {
    let identity = identities.get(path);
    if (identity === undefined) identities.set(path, (identity = fileIdentity(readBytes(root, path, limits))));
    return identity;
  };
  const result: CacheLookup = { units: new Map(), files: new Map(), misses: [] };
  for (const task of tasks) {
    if ('unit' in task) {
      const config = configs.forDirectory(join(root, task.unit.directory));
      const report = cache.getUnit(cache.unitKey(task.unit, task.unit.files.map(identityOf), config, limits));
      if (report) result.units.set(task.id, report);
      else result.misses.push(task);
    } else {
      const report = cache.getFile(cache.fileKey(task.file, identityOf(task.file), limits));
      if (report) result.files.set(task.id, report);
      else result.misses.push(task);
    }
  }
  return result;
}

function hashOf(parts: readonly unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}
