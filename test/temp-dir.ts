/** Throwaway directories for the tests, removed when the test file's process ends. */
import { chmodSync, lstatSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const created: string[] = [];
// 'exit' rather than node:test's after(): it needs no test context, so shared helpers such as
// project() can use it, and it comes after every test of the file, async ones included. Its
// handlers must be synchronous, as rmSync is.
process.once('exit', removeAll);

/**
 * A new empty directory under the OS temporary directory, named `prefix` and a random suffix
 * (the prefix ends with '-' by convention: 'drvcheck-cache-').
 */
export function temporaryDirectory(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

function removeAll(): void {
  for (const dir of created.splice(0)) {
    try {
      remove(dir);
    } catch {
      // A directory left behind costs disk space, not correctness: it must never turn a passing
      // run into a failing one.
    }
  }
}

function remove(dir: string): void {
  const rm = () => rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  try {
    rm();
  } catch {
    // Tests make entries unreadable on purpose (chmod 0o000). Without root, a directory must be
    // readable to be listed and writable to be emptied; a file's own mode does not matter.
    makeDirectoriesRemovable(dir);
    rm();
  }
}

function makeDirectoriesRemovable(path: string): void {
  try {
    // lstat, not stat: chmod follows symbolic links, and the tests link outside the directory.
    if (!lstatSync(path).isDirectory()) return;
    chmodSync(path, 0o700);
    for (const entry of readdirSync(path)) makeDirectoriesRemovable(join(path, entry));
  } catch {
    // Whatever stays unremovable, the second rmSync reports and removeAll ignores.
  }
}
