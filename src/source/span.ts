/**
 * Places in a source file: a position, and the span between two. Lines and columns are
 * 1-based, offsets 0-based into the decoded text (see decode.ts).
 */

/** A 1-based line and column, plus the 0-based offset in the decoded text. */
export interface Position {
  readonly line: number;
  readonly column: number;
  readonly offset: number;
}

/**
 * Where a fact is written. Flat, one object a span rather than a span and two positions:
 * Windows-driver-samples gives half a million spans, and the garbage collector copies every
 * object the facts hold until their unit is done.
 */
export interface Span {
  readonly startLine: number;
  readonly startColumn: number;
  readonly startOffset: number;
  readonly endLine: number;
  readonly endColumn: number;
  readonly endOffset: number;
}

/** The span from one position to another. */
export function spanBetween(from: Position, to: Position): Span {
  return { startLine: from.line, startColumn: from.column, startOffset: from.offset, endLine: to.line, endColumn: to.column, endOffset: to.offset };
}

/** The span of nothing at a position: where a step points that has no extent of its own. */
export function emptySpanAt(position: Position): Span {
  return spanBetween(position, position);
}

/** Where a span starts. */
export function startOf(span: Span): Position {
  return { line: span.startLine, column: span.startColumn, offset: span.startOffset };
}

/** Where a span ends. */
export function endOf(span: Span): Position {
  return { line: span.endLine, column: span.endColumn, offset: span.endOffset };
}

/** Whether `inner` lies within `outer` (their ends included). */
export function spanWithin(inner: Span, outer: Span): boolean {
  return outer.startOffset <= inner.startOffset && inner.endOffset <= outer.endOffset;
}
