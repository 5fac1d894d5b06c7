/**
 * Plain JSON for scripts: the findings with their paths, and the account of every file
 * (analyzed or skipped with its reason). The shape is documented in the README.
 */
import type { CheckResult, ReportedLocation } from '../engine/findings.js';
import { TOOL_VERSION } from '../version.js';

export function formatJson(result: CheckResult): string {
  const location = (l: ReportedLocation) => ({
    path: l.path,
    startLine: l.span.startLine,
    startColumn: l.span.startColumn,
    endLine: l.span.endLine,
    endColumn: l.span.endColumn,
  });
  const doc = {
    tool: 'drvcheck',
    version: TOOL_VERSION,
    findings: result.findings.map((f) => ({
      ruleId: f.ruleId,
      severity: f.severity,
      message: f.message,
      location: location(f.location),
      steps: f.steps.map((s) => ({ message: s.message, location: location(s.location) })),
      fingerprint: f.fingerprint,
    })),
    suppressed: result.suppressed.map((f) => ({
      ruleId: f.ruleId,
      message: f.message,
      location: location(f.location),
      fingerprint: f.fingerprint,
      justification: f.suppression!.justification,
    })),
    baselined: result.baselined,
    fixed: result.fixed,
    analyzed: result.analyzed,
    skipped: result.skipped,
    units: result.units,
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
