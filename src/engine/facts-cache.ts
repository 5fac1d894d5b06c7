/**
 * A cache of each file's parse facts, keyed by the file's path and the hash of its bytes (in
 * a directory per build of drvcheck). Facts depend on nothing else: configuration acts on the
 * model and the rules. A unit whose report is not cached still takes the facts of its unchanged
 * files from here, so only the files that changed are parsed again.
 */
import { createHash } from 'node:crypto';
import type { FileFacts } from '../parser/facts.js';
import { CacheStore, type CacheLocation } from './cache-store.js';

export class FactsCache {
  private readonly store: CacheStore<FileFacts>;

  constructor(location: CacheLocation) {
    this.store = new CacheStore(location, 'facts');
  }

  /** `contentHash` is the file's fileIdentity(). */
  keyOf(path: string, contentHash: string): string {
    return createHash('sha256').update(path).update('\0').update(contentHash).digest('hex');
  }

  get(key: string): FileFacts | undefined {
    return this.store.get(key);
  }

  set(key: string, facts: FileFacts): void {
    this.store.set(key, facts);
  }
}
