/**
 * Finds the source files under the paths a user names, and groups them into driver units.
 *
 * A tree can hold many drivers whose function names collide (every sample has an
 * `EvtIoRead`), so the call graph is built per unit and never links two drivers. A unit is
 * one driver project: the ClCompile items of a `.vcxproj`; else the sources below a
 * directory holding an `.inf`/`.inx` or a `sources` file; else everything under a path the
 * user named. Headers are shared: each unit takes the headers its sources include.
 */
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { decodeSource } from './decode.js';
import { includeNames } from './includes.js';

export const SOURCE_EXTENSIONS = /\.(c|cpp|cxx|cc|c\+\+)$/i;
export const HEADER_EXTENSIONS = /\.(h|hpp|hxx|hh|inl)$/i;
/** Tool directories, never driver sources; hidden directories are left out as well. */
const SKIPPED_DIRECTORIES = new Set(['node_modules']);

export interface SkippedPath {
  readonly path: string;
  readonly reason: string;
}

export interface DriverUnit {
  /** What defines the unit: a `.vcxproj`, a directory with an INF or `sources`, or a named path. */
  readonly name: string;
  readonly kind: 'config' | 'vcxproj' | 'inf' | 'sources' | 'path';
  /** Root-relative paths of the unit's sources and of the headers they include. */
  readonly files: readonly string[];
  /** Root-relative path of the directory the unit was found in. */
  readonly directory: string;
  /** The project's `<DriverType>` (KMDF, WDM, UMDF, …), or UMDF when its INF installs a UMDF service. */
  readonly driverType?: string;
  /** Macros the project defines in every build configuration, with their values. */
  readonly defines: readonly (readonly [string, string])[];
  /** The unit's INF/INX files (beside its project or sources, or listed by the project), decoded. */
  readonly infs?: readonly UnitInf[];
}

export interface UnitInf {
  /** Root-relative path, forward slashes. */
  readonly path: string;
  readonly text: string;
}

export interface Discovery {
  /** Absolute directory every reported path is relative to. */
  readonly root: string;
  /** Root-relative paths (forward slashes) of every source and header found. */
  readonly files: readonly string[];
  readonly units: readonly DriverUnit[];
  readonly skipped: readonly SkippedPath[];
}

export function toPosix(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/');
}

/** The deepest directory that contains every input path. */
export function commonRoot(inputs: readonly string[]): string {
  const dirs = inputs.map((p) => {
    const abs = resolve(p);
    try {
      return statSync(abs).isDirectory() ? abs : dirname(abs);
    } catch {
      return dirname(abs);
    }
  });
  let root = dirs[0] ?? process.cwd();
  for (const d of dirs.slice(1)) {
    while (root !== dirname(root) && !(d === root || d.startsWith(root.endsWith(sep) ? root : root + sep))) {
      root = dirname(root);
    }
  }
  return root;
}

interface Walked {
  sources: string[];
  headers: string[];
  projects: string[];
  infs: string[];
  sourcesFiles: string[];
}

/** What the configuration says about discovered files. */
export interface DiscoveryPolicy {
  /** Why a file is left out, or undefined when it is checked. */
  exclusion(absPath: string): string | undefined;
  /** Units the configuration declares, claiming the files that match them. */
  explicitUnits(absSources: readonly string[]): readonly { readonly name: string; readonly dir: string; readonly files: readonly string[] }[];
}

/**
 * `unitsFound` is told the sources (absolute paths) of each unit as soon as they are known,
 * before the units' includes are read: the pool may start its workers meanwhile.
 */
export function discover(
  inputs: readonly string[],
  rootOverride?: string,
  policy?: DiscoveryPolicy,
  unitsFound?: (unitSources: readonly (readonly string[])[]) => void,
): Discovery {
  const root = rootOverride ? resolve(rootOverride) : commonRoot(inputs);
  const skipped: SkippedPath[] = [];
  const walked: Walked = { sources: [], headers: [], projects: [], infs: [], sourcesFiles: [] };
  const inputUnits: { dir: string; files: Set<string> }[] = [];
  const seenDirs = new Set<string>();

  for (const input of inputs) {
    const abs = resolve(input);
    const rel = toPosix(relative(root, abs)) || '.';
    let stats;
    try {
      stats = statSync(abs);
    } catch (error) {
      skipped.push({ path: rel, reason: describeFsError(error, 'cannot be read') });
      continue;
    }
    if (stats.isDirectory()) {
      const before = walked.sources.length;
      walkDirectory(abs, root, walked, skipped, seenDirs);
      inputUnits.push({ dir: abs, files: new Set(walked.sources.slice(before)) });
    } else if (SOURCE_EXTENSIONS.test(abs)) {
      walked.sources.push(abs);
      inputUnits.push({ dir: dirname(abs), files: new Set([abs]) });
    } else if (HEADER_EXTENSIONS.test(abs)) {
      walked.headers.push(abs);
      inputUnits.push({ dir: dirname(abs), files: new Set([abs]) });
    } else if (/\.vcxproj$/i.test(abs)) {
      walked.projects.push(abs);
    } else {
      skipped.push({ path: rel, reason: 'not a C or C++ source, header or .vcxproj' });
    }
  }

  const kept = (file: string): boolean => {
    const reason = policy?.exclusion(file);
    if (reason) skipped.push({ path: toPosix(relative(root, file)), reason });
    return reason === undefined;
  };
  const sources = unique(walked.sources).filter(kept);
  const headers = unique(walked.headers).filter(kept);
  const sourceSet = new Set(sources);
  const headerIndex = indexHeaders(headers);
  const claimed = new Set<string>();
  const units: { name: string; kind: DriverUnit['kind']; dir: string; sources: string[]; driverType?: string; defines?: [string, string][]; infs?: string[] }[] = [];

  for (const declared of policy?.explicitUnits(sources) ?? []) {
    const files = declared.files.filter((f) => !claimed.has(f));
    for (const f of files) claimed.add(f);
    if (files.length > 0) units.push({ name: declared.name, kind: 'config', dir: declared.dir, sources: files });
  }

  for (const project of unique(walked.projects)) {
    const project_ = readProject(project, skipped, root);
    const { driverType, defines, infs } = project_;
    const items = project_.items.filter((f) => !claimed.has(f) && (sourceSet.has(f) || kept(f)));
    if (items.length === 0) continue;
    for (const item of items) {
      claimed.add(item);
      if (!sourceSet.has(item)) {
        sourceSet.add(item);
        sources.push(item);
      }
    }
    units.push({ name: project, kind: 'vcxproj', dir: dirname(project), sources: items, ...(driverType ? { driverType } : {}), defines, infs });
  }

  const markerDirs = new Map<string, DriverUnit['kind']>();
  for (const inf of walked.infs) markerDirs.set(dirname(inf), 'inf');
  for (const s of walked.sourcesFiles) if (!markerDirs.has(dirname(s))) markerDirs.set(dirname(s), 'sources');
  const byMarker = new Map<string, string[]>();
  const leftover: string[] = [];
  for (const file of sources) {
    if (claimed.has(file)) continue;
    const marker = nearestMarker(file, markerDirs, root);
    if (marker) {
      const list = byMarker.get(marker) ?? [];
      list.push(file);
      byMarker.set(marker, list);
    } else {
      leftover.push(file);
    }
  }
  for (const [dir, files] of byMarker) {
    const kind = markerDirs.get(dir)!;
    const driverType = kind === 'inf' && installsUmdfService(walked.infs.filter((f) => dirname(f) === dir)) ? 'UMDF' : undefined;
    units.push({ name: dir, kind, dir, sources: files, ...(driverType ? { driverType } : {}) });
  }
  for (const input of inputUnits) {
    const files = leftover.filter((f) => input.files.has(f));
    if (files.length > 0) units.push({ name: input.dir, kind: 'path', dir: input.dir, sources: files });
  }
  unitsFound?.(units.map((u) => u.sources));
  // Headers named on the command line, or found with no source including them, are read alone.
  const included = new Set<string>();
  const finished: DriverUnit[] = units.map((u) => {
    const withHeaders = includeClosure(u.sources, headerIndex, readIncludes);
    for (const h of withHeaders) included.add(h);
    const infs = readInfs(unique([...walked.infs.filter((f) => dirname(f) === u.dir), ...(u.infs ?? [])]), root);
    return {
      name: u.kind === 'config' ? u.name : toPosix(relative(root, u.name)) || '.',
      kind: u.kind,
      directory: toPosix(relative(root, u.dir)) || '.',
      files: [...u.sources, ...withHeaders].map((f) => toPosix(relative(root, f))).sort(),
      ...(u.driverType ? { driverType: u.driverType } : {}),
      defines: u.defines ?? [],
      ...(infs.length > 0 ? { infs } : {}),
    };
  });
  const lonelyHeaders = headers.filter((h) => !included.has(h));
  if (lonelyHeaders.length > 0 && sources.length === 0) {
    finished.push({ name: '.', kind: 'path', directory: '.', files: lonelyHeaders.map((f) => toPosix(relative(root, f))).sort(), defines: [] });
  }
  finished.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const files = unique([...sources, ...headers]).map((f) => toPosix(relative(root, f))).sort();
  return { root, files, units: finished, skipped };
}

/**
 * Walks a directory tree. Symbolic links are followed while they stay inside the scanned root
 * (a link loop or a second path to the same file is noticed, not followed twice); a link that
 * leaves the root is listed as skipped, so a scan never wanders into the rest of the machine.
 */
function walkDirectory(start: string, root: string, walked: Walked, skipped: SkippedPath[], seenDirs: Set<string>): void {
  const stack = [start];
  let realRoot: string;
  try {
    realRoot = realpathSync(root);
  } catch {
    realRoot = root;
  }
  const seenFiles = new Map<string, string>();
  // Links to files are taken after the walk, so that a file reached both directly and through
  // a link is read under its own path.
  const linkedFiles: { full: string; name: string; target: string }[] = [];
  const addFile = (full: string, name: string, real: string): void => {
    const kind = SOURCE_EXTENSIONS.test(name) ? walked.sources : HEADER_EXTENSIONS.test(name) ? walked.headers : undefined;
    if (kind) {
      const first = seenFiles.get(real);
      if (first) {
        skipped.push({ path: toPosix(relative(root, full)), reason: `the same file as ${toPosix(relative(root, first))} (through a symbolic link)` });
        return;
      }
      seenFiles.set(real, full);
      kind.push(full);
    } else if (/\.vcxproj$/i.test(name)) walked.projects.push(full);
    else if (/\.(inf|inx)$/i.test(name)) walked.infs.push(full);
    else if (name.toLowerCase() === 'sources') walked.sourcesFiles.push(full);
  };
  while (stack.length > 0) {
    const dir = stack.pop()!;
    let real: string;
    try {
      real = realpathSync(dir);
    } catch (error) {
      skipped.push({ path: toPosix(relative(root, dir)), reason: describeFsError(error, 'cannot be read') });
      continue;
    }
    if (seenDirs.has(real)) continue;
    seenDirs.add(real);
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (error) {
      skipped.push({ path: toPosix(relative(root, dir)), reason: describeFsError(error, 'directory cannot be read') });
      continue;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const full = join(dir, entry.name);
      const rel = toPosix(relative(root, full));
      if (entry.isSymbolicLink()) {
        let target: string;
        let isDir: boolean;
        try {
          target = realpathSync(full);
          isDir = statSync(target).isDirectory();
        } catch (error) {
          skipped.push({ path: rel, reason: `symbolic link: ${describeFsError(error, 'its target cannot be read')}` });
          continue;
        }
        if (target !== realRoot && !target.startsWith(realRoot + sep)) {
          if (isDir || SOURCE_EXTENSIONS.test(entry.name) || HEADER_EXTENSIONS.test(entry.name)) {
            skipped.push({ path: rel, reason: 'symbolic link leaves the scanned root (not followed)' });
          }
          continue;
        }
        if (isDir) {
          if (seenDirs.has(target)) skipped.push({ path: rel, reason: 'symbolic link back into a directory already scanned (a loop; not followed)' });
          else stack.push(full);
        } else linkedFiles.push({ full, name: entry.name, target });
        continue;
      }
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRECTORIES.has(entry.name) && !entry.name.startsWith('.')) stack.push(full);
        continue;
      }
      if (!entry.isFile()) {
        if (SOURCE_EXTENSIONS.test(entry.name) || HEADER_EXTENSIONS.test(entry.name)) skipped.push({ path: rel, reason: 'not a regular file' });
        continue;
      }
      // Not a link itself, so its real path is its name in the directory's real path.
      addFile(full, entry.name, join(real, entry.name));
    }
  }
  for (const link of linkedFiles) addFile(link.full, link.name, link.target);
}

/**
 * A project's `<ClCompile Include="…">` items resolved to files that exist, its DriverType, and
 * the macros every configuration defines (a macro defined in only some configurations is
 * not certain, so it is left out).
 */
function readProject(project: string, skipped: SkippedPath[], root: string): { items: string[]; driverType?: string; defines: [string, string][]; infs?: string[] } {
  let xml: string;
  try {
    xml = readFileSync(project, 'utf8').replace(/^\uFEFF/, '');
  } catch (error) {
    skipped.push({ path: toPosix(relative(root, project)), reason: describeFsError(error, 'project cannot be read') });
    return { items: [], defines: [] };
  }
  // A UMDF project may say so only through its UMDF version property (gnssUmdf does).
  const driverType = /<DriverType>\s*([\w]+)\s*<\/DriverType>/i.exec(xml)?.[1] ?? (/<UMDF_VERSION_MAJOR>/i.test(xml) ? 'UMDF' : undefined);
  return { items: projectSources(xml, project, skipped, root), ...(driverType ? { driverType } : {}), defines: commonDefines(xml), infs: projectInfs(xml, project) };
}

/** `<Inf Include="…">` items that name a file (wildcards are covered by the project directory's INFs). */
function projectInfs(xml: string, project: string): string[] {
  const listed = [...xml.matchAll(/<Inf\s+(?:[^>]*\s)?Include\s*=\s*"([^"]+)"/gi)].flatMap((m) => m[1]!.split(';'));
  return listed
    .map((item) => item.trim().replace(/\$\(MSBuildThisFileDirectory\)/gi, '').replace(/\\/g, '/'))
    .filter((item) => item !== '' && !/[$@%*]/.test(item))
    .map((item) => existingPath(isAbsolute(item) ? item : resolve(dirname(project), item)))
    .filter((f): f is string => f !== undefined && /\.(inf|inx)$/i.test(f));
}

/** The text of each INF, decoded like a source (INFs are often UTF-16); unreadable ones are left out. */
function readInfs(paths: readonly string[], root: string): UnitInf[] {
  const infs: UnitInf[] = [];
  for (const path of [...paths].sort()) {
    try {
      infs.push({ path: toPosix(relative(root, path)), text: decodeSource(readFileSync(path)).text });
    } catch {
      // An INF that cannot be read only means the rules that consult INFs see less.
    }
  }
  return infs;
}

function commonDefines(xml: string): [string, string][] {
  const lists = [...xml.matchAll(/<PreprocessorDefinitions>([^<]*)<\/PreprocessorDefinitions>/gi)].map(
    (m) => new Map(m[1]!.split(';').map((d) => d.trim()).filter((d) => /^[A-Za-z_]\w*(=.*)?$/.test(d)).map((d) => {
      const eq = d.indexOf('=');
      return eq < 0 ? [d, ''] as [string, string] : [d.slice(0, eq), d.slice(eq + 1)] as [string, string];
    })),
  );
  const clCompileGroups = (xml.match(/<ClCompile>/gi) ?? []).length;
  // A configuration whose ClCompile settings name no definitions defines none of them.
  if (lists.length === 0 || lists.length < clCompileGroups) return [];
  return [...lists[0]!].filter(([name, value]) => lists.every((l) => l.get(name) === value)).sort();
}

/** Decoded like a source: INFs are often UTF-16, where read byte by byte the name would be spaced with NULs. */
function installsUmdfService(infs: readonly string[]): boolean {
  return infs.some((inf) => {
    try {
      return /UmdfService/i.test(decodeSource(readFileSync(inf)).text);
    } catch {
      return false;
    }
  });
}

function projectSources(xml: string, project: string, skipped: SkippedPath[], root: string): string[] {
  const items: string[] = [];
  const listedItems = [...xml.matchAll(/<ClCompile\s+Include\s*=\s*"([^"]+)"/gi)].flatMap((m) => m[1]!.split(';'));
  for (const item of listedItems) {
    if (item.trim() === '') continue;
    const raw = item.trim().replace(/\$\(MSBuildThisFileDirectory\)/gi, '').replace(/\\/g, '/');
    if (raw.includes('$(') || raw.includes('@(') || raw.includes('%(') || raw.includes('*')) continue;
    const listed = isAbsolute(raw) ? raw : resolve(dirname(project), raw);
    // MSBuild runs on Windows: the project may spell a file with other letter case.
    const file = existingPath(listed);
    if (file && SOURCE_EXTENSIONS.test(file)) items.push(file);
    else if (!file) skipped.push({ path: toPosix(relative(root, listed)), reason: `listed in ${basename(project)} but not found` });
  }
  return unique(items);
}

/** The path as it exists on disk, matching each component without regard to letter case. */
function existingPath(path: string): string | undefined {
  try {
    if (statSync(path).isFile()) return path;
  } catch {
    // fall through to the case-insensitive search
  }
  const parent = dirname(path);
  if (parent === path) return undefined;
  const dir = existsDirectory(parent) ? parent : existingDirectory(parent);
  if (!dir) return undefined;
  try {
    const want = basename(path).toLowerCase();
    const match = readdirSync(dir).find((n) => n.toLowerCase() === want);
    return match ? join(dir, match) : undefined;
  } catch {
    return undefined;
  }
}

function existsDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function existingDirectory(path: string): string | undefined {
  const parent = dirname(path);
  if (parent === path) return undefined;
  const base = existsDirectory(parent) ? parent : existingDirectory(parent);
  if (!base) return undefined;
  try {
    const want = basename(path).toLowerCase();
    const match = readdirSync(base, { withFileTypes: true }).find((e) => e.isDirectory() && e.name.toLowerCase() === want);
    return match ? join(base, match.name) : undefined;
  } catch {
    return undefined;
  }
}

function nearestMarker(file: string, markers: Map<string, unknown>, root: string): string | undefined {
  let dir = dirname(file);
  for (;;) {
    if (markers.has(dir)) return dir;
    if (dir === root || dir === dirname(dir) || !dir.startsWith(root)) return undefined;
    dir = dirname(dir);
  }
}

/** Headers by lower-case file name: how an `#include` names them. */
export function indexHeaders(headers: readonly string[]): Map<string, string[]> {
  const index = new Map<string, string[]>();
  for (const h of headers) {
    const key = basename(h).toLowerCase();
    const list = index.get(key) ?? [];
    list.push(h);
    index.set(key, list);
  }
  return index;
}

/**
 * Headers reached from the sources through quoted or angled includes, resolved by name among
 * the scanned headers: next to the includer first, else the one sharing the longest path.
 * Discovery reads the includes from disk; the model, which has them parsed already, passes its
 * own `includesOf` and, for its root-relative paths, its own `directoryOf` (as to `closestTo`).
 */
export function includeClosure(
  sources: readonly string[],
  headerIndex: ReadonlyMap<string, readonly string[]>,
  includesOf: (file: string) => readonly string[],
  directoryOf?: (path: string) => readonly string[],
): ReadonlySet<string> {
  const result = new Set<string>();
  const queue = [...sources];
  while (queue.length > 0) {
    const file = queue.pop()!;
    for (const name of includesOf(file)) {
      const candidates = headerIndex.get(basename(name.replace(/\\/g, '/')).toLowerCase());
      if (!candidates) continue;
      const header = closestTo(file, candidates, directoryOf);
      if (!result.has(header)) {
        result.add(header);
        queue.push(header);
      }
    }
  }
  return result;
}

const includeCache = new Map<string, string[]>();

function readIncludes(file: string): string[] {
  let cached = includeCache.get(file);
  if (cached) return cached;
  try {
    cached = includeNames(readFileSync(file));
  } catch {
    // An unreadable header is reported when it is parsed; here it simply adds no includes.
    cached = [];
  }
  includeCache.set(file, cached);
  return cached;
}

/**
 * Of the files an `#include` may name, the one whose directory shares the most leading
 * components with the includer's (the first such one on a tie). `directoryOf` splits a path
 * into the components of its directory: discovery's paths are the system's, the model's are
 * root-relative with forward slashes.
 */
function closestTo(file: string, candidates: readonly string[], directoryOf: (path: string) => readonly string[] = systemDirectoryOf): string {
  let best = candidates[0]!;
  let bestScore = -1;
  const from = directoryOf(file);
  for (const c of candidates) {
    const score = sharedPrefixLength(from, directoryOf(c));
    if (score > bestScore) {
      best = c;
      bestScore = score;
    }
  }
  return best;
}

function systemDirectoryOf(path: string): readonly string[] {
  return partsOf(dirname(path));
}

/**
 * The components of a directory path, split once: common header names (`precomp.h`,
 * `trace.h`) have hundreds of candidates in a large tree, each compared with every includer.
 */
const partsByDirectory = new Map<string, readonly string[]>();

function partsOf(directory: string): readonly string[] {
  let parts = partsByDirectory.get(directory);
  if (!parts) partsByDirectory.set(directory, (parts = directory.split(sep)));
  return parts;
}

function sharedPrefixLength(pa: readonly string[], pb: readonly string[]): number {
  let i = 0;
  while (i < pa.length && i < pb.length && pa[i] === pb[i]) i++;
  return i;
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}

export function describeFsError(error: unknown, fallback: string): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'ELOOP') return 'symbolic link loop';
  return fallback;
}

