/**
 * The identity of the running build of drvcheck: its version and a hash of its own code and
 * knowledge tables. Cached facts and reports are only as valid as the code that computed them,
 * and the version alone does not change while drvcheck is developed (or patched in place), so
 * the cache is keyed by the content of the code as well. Hashing it costs a few milliseconds,
 * paid only by runs with `--cache`.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { knowledgeDataPath } from '../knowledge/ddi.js';
import { PACKAGE_ROOT } from '../package-root.js';
import { TOOL_VERSION } from '../version.js';

/** Bumped when the layout of the cache or the shape of an entry changes. */
const CACHE_FORMAT = 2;

const CODE_DIRS = ['dist/src', 'dist/bundle'];

let identity: string | undefined;

/** `v<version>-<hash>`: a directory name, unique to this build's code and data. */
export function buildIdentity(): string {
  if (identity) return identity;
  const hash = createHash('sha256').update(`${TOOL_VERSION}\0${CACHE_FORMAT}\0`);
  // The code compiled module by module, and the bundle made from it that the CLI runs.
  for (const dir of CODE_DIRS) {
    const codeDir = join(PACKAGE_ROOT, dir);
    if (!existsSync(codeDir)) continue;
    const code = readdirSync(codeDir, { recursive: true, encoding: 'utf8' })
      .filter((f) => /\.c?js$/.test(f))
      .map((f) => f.split('\\').join('/'))
      .sort();
    for (const file of code) hash.update(`${dir}/${file}\0`).update(readFileSync(join(codeDir, file))).update('\0');
  }
  const dataDir = dirname(knowledgeDataPath('ddi-irql.json'));
  for (const name of readdirSync(dataDir).sort()) hash.update(`${name}\0`).update(readFileSync(join(dataDir, name))).update('\0');
  identity = `v${TOOL_VERSION}-${hash.digest('hex').slice(0, 16)}`;
  return identity;
}
