/**
 * The source line of each finding's primary location, for code frames, and its line hash, for
 * GitHub code scanning. A unit's findings get them in the worker that made them, which spreads
 * the reading and hashing over the workers; the findings the run makes afterwards (about
 * suppressions) get them on the main thread.
 */
import type { Finding } from './findings.js';
import { lineHashes } from './line-hash.js';
import { readSource, type ReadLimits } from './read-files.js';
import { LineIndex } from '../source/decode.js';

/**
 * `findings`, each with its source line and line hash: read once more from the file, which is
 * read once for all its findings. Findings that have their line already are left as they are,
 * and so is a finding whose file cannot be read.
 */
export function withSourceLines(findings: readonly Finding[], root: string, limits: ReadLimits): Finding[] {
  const wantedLines = new Map<string, Set<number>>();
  for (const f of findings) {
    if (f.sourceLine !== undefined) continue;
    const set = wantedLines.get(f.location.path) ?? new Set<number>();
    set.add(f.location.span.startLine);
    wantedLines.set(f.location.path, set);
  }
  const files = new Map<string, { text: string; index: LineIndex; hashes: Map<number, string> } | null>();
  return findings.map((f) => {
    if (f.sourceLine !== undefined) return f;
    let file = files.get(f.location.path);
    if (file === undefined) {
      const read = readSource(root, f.location.path, limits);
      file = read.ok
        ? { text: read.source.text, index: new LineIndex(read.source.text), hashes: lineHashes(read.source.text, wantedLines.get(f.location.path)!) }
        : null;
      files.set(f.location.path, file);
    }
    if (!file) return f;
    const line = f.location.span.startLine;
    const start = file.index.lineStart(line);
    const end = line < file.index.lineCount ? file.index.lineStart(line + 1) : file.text.length;
    const hash = file.hashes.get(line);
    return { ...f, sourceLine: file.text.slice(start, end).replace(/\r?\n$|\r$/, ''), ...(hash ? { lineHash: hash } : {}) };
  });
}
