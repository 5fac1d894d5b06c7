/**
 * SARIF 2.1.0: the rule catalog in `tool.driver.rules`, one result per finding with its
 * primary location relative to %SRCROOT%, and the path as a code flow whose thread-flow steps
 * carry their own messages. Analyzed files are listed as artifacts; skipped files are
 * tool execution notifications that name the file and the reason.
 */
import type { CheckResult, ReportedLocation } from '../engine/findings.js';
import type { RuleMeta, Severity } from '../rule-kit/rule.js';
import { TOOL_VERSION } from '../version.js';
import { ruleHelpMarkdown, ruleHelpText } from './rule-docs.js';

const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

export function formatSarif(result: CheckResult, rules: readonly RuleMeta[]): string {
  const ruleIndex = new Map(rules.map((r, i) => [r.id, i]));
  const physical = (l: ReportedLocation) => ({
    physicalLocation: {
      artifactLocation: { uri: encodeUri(l.path), uriBaseId: '%SRCROOT%' },
      region: {
        startLine: l.span.startLine,
        startColumn: l.span.startColumn,
        endLine: l.span.endLine,
        endColumn: l.span.endColumn,
      },
    },
  });
  const log = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'drvcheck',
            version: TOOL_VERSION,
            semanticVersion: TOOL_VERSION,
            informationUri: 'https://www.npmjs.com/package/drvcheck',
            rules: rules.map((r) => ({
              id: r.id,
              name: pascalName(r.id),
              shortDescription: { text: r.title },
              fullDescription: { text: `${r.summary} ${r.rationale}` },
              help: { text: ruleHelpText(r), markdown: ruleHelpMarkdown(r) },
              defaultConfiguration: { level: sarifLevel(r.severity) },
              properties: {
                tags: ['windows-driver', 'correctness', r.id.split('-')[0]!],
                precision: 'high',
                'problem.severity': r.severity === 'note' ? 'recommendation' : r.severity,
              },
            })),
          },
        },
        invocations: [
          {
            executionSuccessful: true,
            toolExecutionNotifications: result.skipped.map((s) => ({
              level: 'warning',
              message: { text: `${s.path} was skipped: ${s.reason}` },
              locations: [{ physicalLocation: { artifactLocation: { uri: encodeUri(s.path), uriBaseId: '%SRCROOT%' } } }],
            })),
          },
        ],
        artifacts: result.analyzed.map((a) => ({
          location: { uri: encodeUri(a.path), uriBaseId: '%SRCROOT%' },
          sourceLanguage: a.language === 'c' ? 'c' : 'cplusplus',
        })),
        columnKind: 'utf16CodeUnits',
        results: [...result.findings, ...result.suppressed].map((f) => ({
          ruleId: f.ruleId,
          ...(ruleIndex.has(f.ruleId) ? { ruleIndex: ruleIndex.get(f.ruleId) } : {}),
          level: sarifLevel(f.severity),
          message: { text: f.message },
          locations: [physical(f.location)],
          partialFingerprints: { ...(f.lineHash ? { primaryLocationLineHash: f.lineHash } : {}), 'drvcheck/v1': f.fingerprint },
          ...(f.suppression ? { suppressions: [{ kind: 'inSource', status: 'accepted', justification: f.suppression.justification }] } : {}),
          codeFlows: f.steps.length === 0 ? undefined : [
            {
              message: { text: `How ${f.location.path}:${f.location.span.startLine} is reached` },
              threadFlows: [
                {
                  locations: f.steps.map((s, i) => ({
                    location: { ...physical(s.location), message: { text: s.message } },
                    nestingLevel: 0,
                    executionOrder: i + 1,
                  })),
                },
              ],
            },
          ],
        })),
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

function sarifLevel(severity: Severity): 'error' | 'warning' | 'note' {
  return severity;
}

/** `irql-call-too-high` → `IrqlCallTooHigh`, SARIF's conventional rule name form. */
function pascalName(id: string): string {
  return id
    .split('-')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}

/** Relative URI references: forward slashes, and characters outside RFC 3986 percent-encoded. */
function encodeUri(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}
