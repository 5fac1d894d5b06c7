/**
 * What a rule is: metadata that is the single source of its documentation, `explain` output
 * and SARIF rule entry, and a check that asks the driver model narrow questions.
 */
import type { DriverModel } from '../model/driver-model.js';
import type { Location, PathStep } from '../model/location.js';

export type Severity = 'error' | 'warning' | 'note';

export interface RuleMeta {
  /** Public, stable id naming the bad pattern. */
  readonly id: string;
  /**
   * Stable short code, two capitals and four digits (`DC1001`): the shape Visual Studio's Error
   * List and VS Code's `$msCompile` problem matcher recognise. DC1xxx IRQL, DC2xxx process
   * context, DC3xxx I/O targets, DC4xxx WDF objects and requests, DC5xxx WDM, DC6xxx minifilters.
   */
  readonly code: string;
  /**
   * Code Analysis (PREfast) warning numbers for the same defect, so that a driver's existing
   * `#pragma warning(suppress: N)` applies to this rule too.
   */
  readonly codeAnalysisWarnings?: readonly number[];
  readonly title: string;
  readonly severity: Severity;
  /** One sentence: what the rule finds. */
  readonly summary: string;
  /** Why the code breaks the architectural rule. */
  readonly rationale: string;
  /** Why the driver works in testing anyway. */
  readonly whyTestingMisses: string;
  readonly fix: string;
  /** A small driver fragment the rule reports. */
  readonly badExample: string;
  /** The same fragment, corrected: the rule stays silent. */
  readonly goodExample: string;
  readonly references: readonly { readonly title: string; readonly url: string }[];
}

export interface RuleFinding {
  readonly location: Location;
  readonly message: string;
  /** The path that proves the finding, in order: registration, each call, the operation. */
  readonly steps: readonly PathStep[];
  /**
   * Set when the source acknowledges the finding in a form the rule recognises (SDV's
   * `__analysis_assume(config.EvtIoStop != 0)`): reported as suppressed in the source.
   */
  readonly suppression?: { readonly justification: string; readonly location: Location };
}

export interface Rule {
  readonly meta: RuleMeta;
  check(model: DriverModel): RuleFinding[];
}
