import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Tests run compiled from dist/test; the fixtures and examples stay in the source tree. */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const fixturesDir = join(repoRoot, 'test', 'fixtures');
export const examplesDir = join(repoRoot, 'examples');
export const cliPath = join(repoRoot, 'bin', 'drvcheck.js');
