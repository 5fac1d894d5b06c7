/**
 * Which headers a file of a unit includes, directly or through other headers: a function
 * defined `static` in a header is compiled into every source that includes it, so a call from
 * such a source reaches it, and a call from any other file does not.
 */
import { basename } from 'node:path';
import type { FileFacts } from '../parser/facts.js';
import { closestTo, HEADER_EXTENSIONS, indexHeaders } from '../source/discover.js';

export class HeaderVisibility {
  /** The unit's headers by lower-case file name: how an `#include` names them. */
  private readonly headersByName: Map<string, string[]>;
  private readonly includesOf = new Map<string, readonly string[]>();
  private readonly reached = new Map<string, ReadonlySet<string>>();

  constructor(files: readonly FileFacts[]) {
    for (const file of files) this.includesOf.set(file.path, file.includes);
    this.headersByName = indexHeaders(files.map((file) => file.path).filter((path) => HEADER_EXTENSIONS.test(path)));
  }

  /** Whether `from` includes `header`, directly or through the headers it includes. */
  includes(from: string, header: string): boolean {
    let seen = this.reached.get(from);
    if (!seen) this.reached.set(from, (seen = this.closure(from)));
    return seen.has(header);
  }

  private closure(from: string): ReadonlySet<string> {
    const seen = new Set<string>();
    const queue = [from];
    while (queue.length > 0) {
      const file = queue.pop()!;
      for (const written of this.includesOf.get(file) ?? []) {
        const header = this.resolve(file, written);
        if (header !== undefined && !seen.has(header)) {
          seen.add(header);
          queue.push(header);
        }
      }
    }
    return seen;
  }

  /** The unit's header an `#include` names, as discovery matches them: by name, nearest first. */
  private resolve(includer: string, written: string): string | undefined {
    const candidates = this.headersByName.get(basename(written.replace(/\\/g, '/')).toLowerCase());
    return candidates ? closestTo(includer, candidates, directoryOf) : undefined;
  }
}

/** The components of a root-relative path's directory. */
function directoryOf(path: string): readonly string[] {
  return path.split('/').slice(0, -1);
}
