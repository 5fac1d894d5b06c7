/**
 * The on-disk cache: a directory of v8-serialized entries, one file per key, in a
 * subdirectory per build of drvcheck (see build-identity.ts), so that a cache written by other
 * code is never read. Entries are written atomically (a temporary file, then a rename), so
 * parallel workers and interrupted runs never leave a torn entry. Each entry carries its key:
 * one that cannot be read, cannot be deserialized, or was not written under that key (a damaged
 * or misplaced file) is a miss, never an error.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';

/** The user's cache directory for drvcheck, as each platform names it. */
export function defaultCacheDirectory(): string {
  if (process.platform === 'win32') return join(process.env['LOCALAPPDATA'] ?? join(homedir(), 'AppData', 'Local'), 'drvcheck', 'cache');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'drvcheck');
  return join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'drvcheck');
}

/** Where the cache is: the directory the user named, and the build of drvcheck using it. */
export interface CacheLocation {
  readonly root: string;
  /** From buildIdentity(): entries of another build live in another subdirectory. */
  readonly build: string;
}

interface Entry<T> {
  readonly key: string;
  readonly value: T;
}

export class CacheStore<T> {
  private readonly dir: string;

  /** `kind` names the subdirectory of one kind of entry (facts, unit reports, lone-file reports). */
  constructor(location: CacheLocation, kind: string) {
    this.dir = join(location.root, location.build, kind);
  }

  get(key: string): T | undefined {
    try {
      const entry = deserialize(readFileSync(this.fileOf(key))) as Partial<Entry<T>> | null;
      return entry?.key === key ? entry.value : undefined;
    } catch {
      return undefined;
    }
  }

  set(key: string, value: T): void {
    const file = this.fileOf(key);
    try {
      mkdirSync(join(this.dir, key.slice(0, 2)), { recursive: true });
      const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
      writeFileSync(temp, serialize({ key, value } satisfies Entry<T>));
      renameSync(temp, file);
    } catch {
      // A cache that cannot be written only costs speed.
    }
  }

  private fileOf(key: string): string {
    return join(this.dir, key.slice(0, 2), `${key}.bin`);
  }
}
