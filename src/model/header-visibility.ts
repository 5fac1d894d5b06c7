/**
 * Which headers a file of a unit includes, directly or through other headers: a function
 * defined `static` in a header is compiled into every source that includes it, so a call from
 * such a source reaches it, and a call from any other file does not.
 */
import type { FileFacts } from '../parser/facts.js';
import { HEADER_EXTENSIONS, includeClosure, indexHeaders } from '../source/discover.js';

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
    if (!seen) {
      // Matched as discovery matches them (by name, nearest first): it chose the unit's headers so.
      seen = includeClosure([from], this.headersByName, (file) => this.includesOf.get(file) ?? [], directoryOf);
      this.reached.set(from, seen);
    }
    return seen.has(header);
  }
}

/** The components of a root-relative path's directory. */
function directoryOf(path: string): readonly string[] {
  return path.split('/').slice(0, -1);
}
