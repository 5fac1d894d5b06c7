import type { Span } from '../parser/facts.js';

/** A place in a file of the unit, as findings and path steps report it. */
export interface Location {
  readonly file: string;
  readonly span: Span;
}

/** One step of the path that proves a finding: where a callback is registered, each call, ... */
export interface PathStep extends Location {
  readonly message: string;
}

export function at(file: string, span: Span): Location {
  return { file, span };
}

export function step(location: Location, message: string): PathStep {
  return { file: location.file, span: location.span, message };
}

/** `queue.c:40`, for use inside messages. */
export function where(location: Location): string {
  const slash = location.file.lastIndexOf('/');
  return `${location.file.slice(slash + 1)}:${location.span.startLine}`;
}
