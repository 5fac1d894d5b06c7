/**
 * A cache of each file's parse facts, keyed by drvcheck's version, the file's path and a hash
 * of its bytes. Facts depend on nothing else (configuration acts on the model and the rules,
 * which always run), so a warm run reads facts instead of parsing. Entries are v8-serialized
 * and written atomically, so parallel workers and interrupted runs never leave a torn entry.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import type { FileFacts } from '../parser/facts.js';
import { TOOL_VERSION } from '../version.js';

/** Bumped whenever the shape of FileFacts changes within one version. */
const CACHE_FORMAT = 1;

/** The user's cache directory for drvcheck, as each platform names it. */
export function defaultCacheDirectory(): string {
  if (process.platform === 'win32') return join(process.env['LOCALAPPDATA'] ?? join(homedir(), 'AppData', 'Local'), 'drvcheck', 'cache');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'drvcheck');
  return join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'drvcheck');
}

export class FactsCache {
  private readonly dir: string;

  constructor(root: string) {
    this.dir = join(root, `v${TOOL_VERSION}-f${CACHE_FORMAT}`);
  }

  keyOf(path: string, bytes: Uint8Array): string {
    return createHash('sha256').update(path).update('\0').update(bytes).digest('hex');
  }

  get(key: string): FileFacts | undefined {
    try {
      return deserialize(readFileSync(this.fileOf(key))) as FileFacts;
    } catch {
      return undefined;
    }
  }

  set(key: string, facts: FileFacts): void {
    const file = this.fileOf(key);
    try {
      mkdirSync(join(this.dir, key.slice(0, 2)), { recursive: true });
      const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
      writeFileSync(temp, serialize(facts));
      renameSync(temp, file);
    } catch {
      // A cache that cannot be written only costs speed.
    }
  }

  private fileOf(key: string): string {
    return join(this.dir, key.slice(0, 2), `${key}.bin`);
  }
}
