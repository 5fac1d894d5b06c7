/**
 * The directory of drvcheck's package.json, found from this module upwards: the code runs
 * from dist/src/ when compiled module by module (as the tests load it) and from dist/bundle/
 * when bundled (as the CLI runs it), and files it reads beside the code are found from here.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (let dir = here; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'drvcheck') return dir;
    if (dirname(dir) === dir) throw new Error(`drvcheck: its package.json was not found above ${here}`);
  }
}

export const PACKAGE_ROOT = findPackageRoot();
