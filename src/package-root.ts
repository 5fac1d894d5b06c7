/**
 * drvcheck's package.json and its directory, found from this module upwards: the code runs
 * from dist/src/ when compiled module by module (as the tests load it) and from dist/bundle/
 * when bundled (as the CLI runs it), and files it reads beside the code are found from here.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface PackageManifest {
  readonly name?: string;
  readonly version: string;
}

function findPackage(): { readonly root: string; readonly manifest: PackageManifest } {
  const here = dirname(fileURLToPath(import.meta.url));
  for (let dir = here; ; dir = dirname(dir)) {
    const path = join(dir, 'package.json');
    if (existsSync(path)) {
      const manifest = JSON.parse(readFileSync(path, 'utf8')) as PackageManifest;
      if (manifest.name === 'drvcheck') return { root: dir, manifest };
    }
    if (dirname(dir) === dir) throw new Error(`drvcheck: its package.json was not found above ${here}`);
  }
}

const found = findPackage();
export const PACKAGE_ROOT = found.root;
export const PACKAGE_MANIFEST: PackageManifest = found.manifest;
