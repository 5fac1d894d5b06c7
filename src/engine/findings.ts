import type { Span } from '../parser/facts.js';
import type { Severity } from '../rule-kit/rule.js';

export interface ReportedLocation {
  /** Path relative to the scan root, forward slashes. */
  readonly path: string;
  readonly span: Span;
}

export interface ReportedStep {
  readonly location: ReportedLocation;
  readonly message: string;
}

export interface Finding {
  readonly ruleId: string;
  readonly severity: Severity;
  readonly message: string;
  readonly location: ReportedLocation;
  readonly steps: readonly ReportedStep[];
  /** Stable identity across edits that move lines: rule, file and the names in the message. */
  readonly fingerprint: string;
  /** The source line of the primary location, for code frames. */
  readonly sourceLine?: string;
  /** GitHub code scanning's `primaryLocationLineHash` of the primary line. */
  readonly lineHash?: string;
  /** Set when a comment or pragma in the source suppresses the finding; it is kept, not reported. */
  readonly suppression?: { readonly justification: string; readonly location?: ReportedLocation };
}

export interface AnalyzedFile {
  readonly path: string;
  readonly language: 'c' | 'cpp';
  readonly encoding: string;
  readonly functions: number;
  readonly syntaxErrors: number;
}

export interface SkippedFile {
  readonly path: string;
  readonly reason: string;
}

export interface UnitSummary {
  readonly name: string;
  readonly kind: string;
  /** The project's DriverType; UMDF units are read but kernel-mode rules are not run on them. */
  readonly driverType?: string;
  readonly files: number;
  readonly functions: number;
  readonly callbacks: number;
}

export interface CheckResult {
  readonly root: string;
  /** What is reported: not suppressed, not in the baseline. */
  readonly findings: readonly Finding[];
  /** Findings suppressed in the source, with their justification. */
  readonly suppressed: readonly Finding[];
  /** How many findings the baseline already knew. */
  readonly baselined: number;
  /** Baseline entries no longer found: fixed since the baseline was written. */
  readonly fixed: readonly { readonly fingerprint: string; readonly ruleId: string; readonly path: string; readonly message: string }[];
  readonly analyzed: readonly AnalyzedFile[];
  readonly skipped: readonly SkippedFile[];
  readonly units: readonly UnitSummary[];
}

export function compareFindings(a: Finding, b: Finding): number {
  if (a.location.path !== b.location.path) return a.location.path < b.location.path ? -1 : 1;
  const la = a.location.span;
  const lb = b.location.span;
  if (la.startLine !== lb.startLine) return la.startLine - lb.startLine;
  if (la.startColumn !== lb.startColumn) return la.startColumn - lb.startColumn;
  if (a.ruleId !== b.ruleId) return a.ruleId < b.ruleId ? -1 : 1;
  return a.message < b.message ? -1 : a.message > b.message ? 1 : 0;
}
