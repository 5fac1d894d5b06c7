/**
 * The command line as a user runs it: exit codes, the text, JSON and SARIF reports of the
 * bundled example driver, and the rule commands.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { RULES } from '../src/rules/index.js';
import { run } from './cli-helpers.js';
import { annotations } from './fixture-harness.js';
import { examplesDir, repoRoot } from './paths.js';
import { temporaryDirectory } from './temp-dir.js';

describe('drvcheck check', () => {
  it('reports the example driver in compiler style with a code frame and the path as notes, and exits 1', () => {
    const r = run(['check', 'examples']);
    assert.equal(r.code, 1, r.stderr);
    const headers = r.stdout.split('\n').filter((l) => /^examples\/fxsample\/\S+:\d+:\d+: (error|warning|note): .+ \[[a-z-]+\]$/.test(l));
    const ids = new Set(headers.map((h) => /\[([a-z-]+)\]$/.exec(h)![1]));
    const annotated = new Set(annotations(examplesDir, examplesDir, 'expect').map((a) => a.ruleId));
    assert.deepEqual([...ids].sort(), [...annotated].sort(), 'every rule the example driver is annotated with is reported, with a compiler-style header');
    for (const id of ['context-user-mapping', 'irql-call-too-high', 'irql-pageable-code', 'iotarget-format-current-type-remote', 'iotarget-send-and-forget-remote']) {
      assert.ok(ids.has(id), `the example driver shows ${id}, one of OSR's three most common errors`);
    }
    assert.match(r.stdout, /\n {2}\d+ \| .*WdfRequestSend\(IoctlRequest.*\n {2} +\| +\^~+/, 'a code frame with a caret under the call');
    assert.match(r.stdout, /examples\/fxsample\/queue\.c:\d+:\d+: note: FxSampleEvtIoRead is registered here as the EvtIoRead/);
    assert.match(r.stdout, /note: queue created here without ExecutionLevel = WdfExecutionLevelPassive/);
    assert.match(r.stdout, /^drvcheck: 6 findings in 2 files, 5 files analyzed in 1 driver unit$/m);
  });

  it('exits 0 with --exit-zero, and 0 when there is nothing to report', () => {
    assert.equal(run(['check', 'examples', '--exit-zero']).code, 0);
    const dir = temporaryDirectory('drvcheck-clean-');
    writeFileSync(join(dir, 'clean.c'), 'NTSTATUS DriverEntry(PDRIVER_OBJECT d, PUNICODE_STRING r) { return STATUS_SUCCESS; }\n');
    const r = run(['check', dir]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /no findings, 1 file analyzed/);
  });

  it('exits 2 with a message for usage errors', () => {
    const badFormat = run(['check', 'examples', '--format', 'xml']);
    assert.equal(badFormat.code, 2);
    assert.match(badFormat.stderr, /xml/);
    const missing = run(['check', 'no/such/dir']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no such file or directory: no\/such\/dir/);
    const noPaths = run(['check']);
    assert.equal(noPaths.code, 2);
    const badLimit = run(['check', 'examples', '--max-file-size', 'lots']);
    assert.equal(badLimit.code, 2);
    assert.match(badLimit.stderr, /--max-file-size takes a positive whole number/);
  });

  it('writes JSON with findings, paths and the account of files', () => {
    const out = join(temporaryDirectory('drvcheck-json-'), 'report.json');
    const r = run(['check', examplesDir, '--format', 'json', '--output', out]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '', 'nothing on stdout when --output is given');
    const doc = JSON.parse(readFileSync(out, 'utf8'));
    assert.equal(doc.findings.length, 6);
    const mapping = doc.findings.find((f: { ruleId: string }) => f.ruleId === 'context-user-mapping');
    assert.equal(mapping.location.path, 'fxsample/io.c');
    assert.ok(mapping.location.startLine > 0 && mapping.location.startColumn > 0);
    assert.ok(mapping.steps.length >= 2 && mapping.steps.every((s: { message: string }) => s.message.length > 0));
    assert.match(mapping.fingerprint, /^[0-9a-f]{32}$/);
    assert.deepEqual(
      doc.analyzed.map((a: { path: string }) => a.path),
      ['fxsample/device.c', 'fxsample/driver.c', 'fxsample/fxsample.h', 'fxsample/io.c', 'fxsample/queue.c'],
    );
    assert.deepEqual(doc.skipped, []);
  });

  it('reports paths relative to --root', () => {
    const out = join(temporaryDirectory('drvcheck-root-'), 'report.json');
    run(['check', join(examplesDir, 'fxsample'), '--root', repoRoot, '--format', 'json', '--output', out]);
    const doc = JSON.parse(readFileSync(out, 'utf8'));
    assert.ok(doc.findings.length > 0);
    for (const f of doc.findings) assert.match(f.location.path, /^examples\/fxsample\/[a-z]+\.c$/);
  });

  it('is deterministic: two runs give byte-identical SARIF', () => {
    // Two crashed or empty runs are identical too: each run must succeed (exit 1: the example
    // driver has findings) and report the example's findings before the bytes are compared.
    const runs = [run(['check', 'examples', '--format', 'sarif']), run(['check', 'examples', '--format', 'sarif'])];
    for (const r of runs) {
      assert.equal(r.code, 1, r.stderr);
      assert.equal(JSON.parse(r.stdout).runs[0].results.length, 6);
    }
    assert.equal(runs[0]!.stdout, runs[1]!.stdout);
  });
});

describe('drvcheck rules and explain', () => {
  it('lists every rule', () => {
    const r = run(['rules']);
    assert.equal(r.code, 0);
    for (const rule of RULES) assert.match(r.stdout, new RegExp(`^${rule.meta.id}\\s+${rule.meta.code}\\s+${rule.meta.severity}\\s+${rule.meta.title}`, 'm'));
  });

  it('explains a rule with its rationale, fix and examples; an unknown id is an error', () => {
    const r = run(['explain', 'irql-call-too-high']);
    assert.equal(r.code, 0);
    for (const section of ['Why it is wrong:', 'Why testing misses it:', 'How to fix:', 'Bad:', 'Good:', 'References:']) {
      assert.ok(r.stdout.includes(section), section);
    }
    const unknown = run(['explain', 'no-such-rule']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown rule 'no-such-rule'/);
  });
});
