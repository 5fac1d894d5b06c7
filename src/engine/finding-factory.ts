/**
 * Turns what a rule reports into a Finding: the rule's id and default severity, paths as
 * reported, and a fingerprint that leaves line numbers out, so that a finding keeps its
 * identity when unrelated edits move it.
 */
import { createHash } from 'node:crypto';
import type { Rule, RuleFinding, RuleMeta } from '../rule-kit/rule.js';
import type { Finding } from './findings.js';

export function newFinding(meta: RuleMeta, path: string, span: Finding['location']['span'], message: string, steps: Finding['steps']): Finding {
  return { ruleId: meta.id, severity: meta.severity, message, location: { path, span }, steps, fingerprint: fingerprintOf(meta.id, path, message) };
}

export function findingOf(rule: Rule, f: RuleFinding): Finding {
  const made = newFinding(rule.meta, f.location.file, f.location.span, f.message, f.steps.map((s) => ({ location: { path: s.file, span: s.span }, message: s.message })));
  return f.suppression
    ? { ...made, suppression: { justification: f.suppression.justification, location: { path: f.suppression.location.file, span: f.suppression.location.span } } }
    : made;
}

function fingerprintOf(ruleId: string, path: string, message: string): string {
  const stable = message.replace(/:\d+\b/g, ':').replace(/line \d+/g, 'line');
  return createHash('sha256').update(`${ruleId}\0${path}\0${stable}`).digest('hex').slice(0, 32);
}
