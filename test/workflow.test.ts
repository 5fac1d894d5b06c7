/**
 * Fitting a team's workflow: configuration files, rule selection, severities and exit codes,
 * in-source suppressions (drvcheck's own and Code Analysis pragmas), baselines, the MSBuild and
 * GitHub formats, and the generated rule docs.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { main } from '../src/cli/main.js';
import { ALL_RULE_METAS } from '../src/engine/check.js';
import { ruleDocFiles } from '../src/reporters/rule-docs.js';
import { project, run } from './cli-helpers.js';
import { waitingDpcDriver } from './drivers.js';
import { examplesDir, repoRoot } from './paths.js';

/** A DPC that waits (line 6) and takes a fast mutex (line 7): two irql-call-too-high findings. */
function dpcDriver(extraBefore = ''): string {
  return waitingDpcDriver({ before: extraBefore, withMutex: true });
}

/**
 * What drvcheck writes to a terminal. Colour is only ever written to a TTY, so a child process
 * writing into a pipe could never show whether --no-color and NO_COLOR work; this runs the CLI
 * here, with a standard output that says it is a terminal.
 */
async function terminalOutput(args: string[], noColor?: string): Promise<string> {
  let out = '';
  const terminal = { isTTY: true, write: (s: string) => ((out += s), true) } as unknown as NodeJS.WritableStream & { isTTY: boolean };
  const saved = process.env['NO_COLOR'];
  if (noColor === undefined) delete process.env['NO_COLOR'];
  else process.env['NO_COLOR'] = noColor;
  try {
    await main(args, { stdout: terminal, stderr: terminal });
  } finally {
    if (saved === undefined) delete process.env['NO_COLOR'];
    else process.env['NO_COLOR'] = saved;
  }
  return out;
}

function json(args: string[], cwd?: string): { code: number; doc: any; stderr: string } {
  const r = run([...args, '--format', 'json'], cwd);
  return { code: r.code, doc: r.stdout ? JSON.parse(r.stdout) : undefined, stderr: r.stderr };
}

const lines = (doc: any): string[] => doc.findings.map((f: any) => `${f.location.path}:${f.location.startLine} ${f.ruleId} ${f.severity}`);

describe('rule docs, codes and explain', () => {
  it('explains a rule by its code as by its id', () => {
    const byCode = run(['explain', 'DC1001']);
    const byId = run(['explain', 'irql-call-too-high']);
    assert.equal(byCode.code, 0);
    assert.equal(byCode.stdout, byId.stdout);
    assert.match(byCode.stdout, /^irql-call-too-high \(DC1001, error\)/);
  });

  it('keeps docs/rules in step with the rule metadata (run `npm run docs` when this fails)', () => {
    const dir = join(repoRoot, 'docs', 'rules');
    const expected = ruleDocFiles(ALL_RULE_METAS);
    assert.deepEqual(readdirSync(dir).sort(), [...expected.keys()].sort());
    for (const [name, content] of expected) assert.equal(readFileSync(join(dir, name), 'utf8'), content, `docs/rules/${name} is stale`);
  });
});

describe('output formats', () => {
  // VS Code's $msCompile problem matcher.
  const msCompile = /^(?:\s*\d+>)?(\S.*)\((\d+|\d+,\d+|\d+,\d+,\d+,\d+)\)\s*:\s+((?:fatal +)?error|warning|info)\s+(\w+\d+)?\s*:\s*(.*)$/;

  it('prints MSBuild canonical errors that $msCompile parses', () => {
    const r = run(['check', 'examples', '--format', 'msbuild']);
    assert.equal(r.code, 1);
    const out = r.stdout.trim().split('\n');
    assert.equal(out.length, 6);
    for (const line of out) {
      const m = msCompile.exec(line);
      assert.ok(m, line);
      assert.match(m[1]!, /^examples\\fxsample\\\w+\.c$/);
      assert.match(m[2]!, /^\d+,\d+,\d+,\d+$/);
      assert.equal(m[3], 'error');
      assert.match(m[4]!, /^DC\d{4}$/);
      assert.match(m[5]!, /\[[a-z-]+\]$/);
    }
  });

  it('prints GitHub workflow annotations', () => {
    const r = run(['check', 'examples', '--format', 'github']);
    assert.equal(r.code, 1);
    const out = r.stdout.trim().split('\n');
    assert.equal(out.length, 6);
    for (const line of out) assert.match(line, /^::error file=examples\/fxsample\/\w+\.c,line=\d+,col=\d+,endLine=\d+(,endColumn=\d+)?,title=DC\d{4} [a-z-]+::\S/);
    // One line per finding carries the whole explanation: the message, then one line per step
    // of the path, joined by newlines the runner needs escaped (%0A). Unescaped, it must give
    // back exactly what the JSON report says.
    const findings = json(['check', 'examples']).doc.findings;
    assert.equal(out.length, findings.length);
    const unescape = (data: string): string => data.replace(/%(25|0D|0A)/g, (_, code: string) => ({ '25': '%', '0D': '\r', '0A': '\n' })[code]!);
    out.forEach((line, i) => {
      const finding = findings[i];
      assert.match(line, new RegExp(`,line=${finding.location.startLine},`));
      const [message, ...notes] = unescape(line.slice(line.indexOf('::', 2) + 2)).split('\n');
      assert.equal(message, finding.message);
      assert.ok(finding.steps.length > 0);
      // Each step names its file as `file=` does: relative to where drvcheck was run.
      assert.deepEqual(
        notes,
        finding.steps.map((s: any) => `examples/${s.location.path}:${s.location.startLine}: ${s.message}`),
      );
    });
  });

  it('gives SARIF results the line hash GitHub uses, and it survives moving the code', () => {
    const before = project({ 'dpc.c': dpcDriver() });
    const after = project({ 'dpc.c': dpcDriver('// a comment\n\n/* and another */\n') });
    const hashes = (dir: string) => JSON.parse(run(['check', dir, '--format', 'sarif']).stdout).runs[0].results.map((r: any) => r.partialFingerprints);
    const a = hashes(before);
    const b = hashes(after);
    assert.equal(a.length, 2);
    for (const p of a) assert.match(p.primaryLocationLineHash, /^[0-9a-f]+:1$/);
    assert.deepEqual(b, a);
  });
});

describe('configuration', () => {
  it('applies the nearest drvcheck.json, with extends, rule severities and rules turned off', () => {
    const dir = project({
      'drvcheck.json': JSON.stringify({ rules: { 'irql-call-too-high': 'warning' } }),
      'a/dpc.c': dpcDriver(),
      'b/drvcheck.json': JSON.stringify({ extends: '../drvcheck.json', rules: { DC1001: 'off' } }),
      'b/dpc.c': dpcDriver(),
    });
    const r = json(['check', dir]);
    assert.deepEqual(lines(r.doc), ['a/dpc.c:6 irql-call-too-high warning', 'a/dpc.c:7 irql-call-too-high warning']);
    assert.equal(r.code, 1, 'warnings fail by default');
    assert.equal(run(['check', dir, '--fail-on', 'error']).code, 0, 'but not with --fail-on error');
  });

  it('names one configuration for the whole run with --config', () => {
    const dir = project({ 'a/dpc.c': dpcDriver(), 'a/drvcheck.json': JSON.stringify({ rules: { DC1: 'off' } }), 'strict.json': JSON.stringify({ rules: { irql: 'note' } }) });
    const r = json(['check', join(dir, 'a'), '--config', join(dir, 'strict.json')]);
    assert.deepEqual(lines(r.doc), ['dpc.c:6 irql-call-too-high note', 'dpc.c:7 irql-call-too-high note']);
    assert.equal(r.code, 0, 'notes do not fail');
  });

  it('leaves out excluded files, or files not included, and says why', () => {
    const dir = project({
      'drvcheck.json': JSON.stringify({ exclude: ['vendor/**'] }),
      'vendor/dpc.c': dpcDriver(),
      'src/dpc.c': dpcDriver(),
      'other/drvcheck.json': JSON.stringify({ include: ['keep/**'] }),
      'other/drop/dpc.c': dpcDriver(),
    });
    const r = json(['check', dir]);
    assert.deepEqual(lines(r.doc).map((l) => l.split(':')[0]), ['src/dpc.c', 'src/dpc.c']);
    assert.deepEqual(
      r.doc.skipped.map((s: any) => [s.path, s.reason.replace(dir, '<dir>')]),
      [
        ['other/drop/dpc.c', 'not included by the `include` globs of <dir>/other/drvcheck.json'],
        ['vendor/dpc.c', 'excluded by `vendor/**` in <dir>/drvcheck.json'],
      ],
    );
  });

  it("declares the codebase's own wrappers: a PASSIVE helper, a lock, a callback role, a registration", () => {
    const dir = project({
      'drvcheck.json': JSON.stringify({
        knowledge: {
          ddis: { LogToFile: { maxIrql: 'PASSIVE_LEVEL', why: 'it writes with ZwWriteFile' } },
          locks: { MyLock: { raisesTo: 'DISPATCH_LEVEL', releasedBy: 'MyUnlock' } },
          roles: { OnRead: 'EvtIoRead' },
          registrations: { RegisterTimerCallback: { argument: 1, role: 'EVT_WDF_TIMER' } },
        },
      }),
      'drv.c': `VOID OnRead(WDFQUEUE Queue, WDFREQUEST Request, size_t Length)
{
    LogToFile(Request);
}
VOID Worker(PCONTEXT Ctx)
{
    MyLock(Ctx);
    KeWaitForSingleObject(&Ctx->Event, Executive, KernelMode, FALSE, NULL);
    MyUnlock(Ctx);
    KeWaitForSingleObject(&Ctx->Event, Executive, KernelMode, FALSE, NULL);
}
`,
    });
    const r = json(['check', dir]);
    assert.deepEqual(lines(r.doc), ['drv.c:3 irql-call-too-high error', 'drv.c:8 irql-call-too-high error']);
    assert.match(r.doc.findings[0].message, /LogToFile must be called at PASSIVE_LEVEL \(it writes with ZwWriteFile\)/);
    assert.match(r.doc.findings[0].steps[0].message, /OnRead is declared as EVT_WDF_IO_QUEUE_IO_READ \(declared in .*drvcheck\.json\)/);
  });

  it('groups files into the driver units a configuration declares', () => {
    const dir = project({
      'drvcheck.json': JSON.stringify({ units: [{ name: 'dpc-driver', sources: ['one/*.c', 'two/*.c'] }] }),
      'one/dpc.c': dpcDriver().split('NTSTATUS CreateDpc')[0]!,
      'two/create.c': `NTSTATUS CreateDpc(WDFDEVICE Device)\n${dpcDriver().split('NTSTATUS CreateDpc(WDFDEVICE Device)\n')[1]}`,
    });
    const r = json(['check', dir]);
    assert.deepEqual(r.doc.units.map((u: any) => [u.name, u.kind, u.files]), [['dpc-driver', 'config', 2]]);
    assert.equal(r.doc.findings.length, 2, 'the DPC registered in two/ makes one/ findings');
  });

  it('rejects unknown keys and bad values with the file and the key, and exits 2', () => {
    const cases: [unknown, RegExp][] = [
      [{ rulez: {} }, /unknown key `rulez`/],
      [{ rules: { 'irql-call-too-high': 'maybe' } }, /`rules\.irql-call-too-high` must be one of "off", "on", "error", "warning", "note"/],
      [{ knowledge: { ddis: { F: { maxIrql: 'LOW' } } } }, /`knowledge\.ddis\.F\.maxIrql` must be one of/],
      [{ knowledge: { roles: { F: 'EvtIoReed' } } }, /knowledge\.roles\.F: unknown callback role `EvtIoReed`/],
      [{ extends: 'missing.json' }, /extends: no such file missing\.json/],
    ];
    for (const [config, message] of cases) {
      const dir = project({ 'drvcheck.json': JSON.stringify(config), 'dpc.c': dpcDriver() });
      const r = run(['check', dir]);
      assert.equal(r.code, 2, JSON.stringify(config));
      assert.match(r.stderr, new RegExp(`${join(dir, 'drvcheck.json').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: `));
      assert.match(r.stderr, message);
    }
    const broken = project({ 'drvcheck.json': '{ "rules": ', 'dpc.c': dpcDriver() });
    const r = run(['check', broken]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /drvcheck\.json: not valid JSON/);
  });

  it('shows the configuration that applies', () => {
    const dir = project({ 'drvcheck.json': JSON.stringify({ rules: { DC1002: 'off' }, exclude: ['gen/**'] }), 'src/dpc.c': dpcDriver() });
    const r = run(['check', join(dir, 'src'), '--show-config']);
    assert.equal(r.code, 0);
    const shown = JSON.parse(r.stdout);
    assert.deepEqual(shown[0].files, [join(dir, 'drvcheck.json')]);
    assert.deepEqual(shown[0].rules, { DC1002: 'off' });
    assert.deepEqual(shown[0].exclude, ['gen/**']);
  });
});

describe('flags', () => {
  it('selects and ignores rules by id, code or prefix', () => {
    assert.deepEqual(lines(json(['check', 'examples', '--select', 'iotarget']).doc).map((l) => l.split(' ')[1]), ['iotarget-format-current-type-remote', 'iotarget-send-and-forget-remote']);
    assert.deepEqual(lines(json(['check', 'examples', '--select', 'DC1001,DC2001']).doc).map((l) => l.split(' ')[1]), ['context-user-mapping', 'irql-call-too-high']);
    assert.deepEqual(lines(json(['check', 'examples', '--ignore', 'irql', '--ignore', 'DC3,DC4']).doc).map((l) => l.split(' ')[1]), ['context-user-mapping']);
    const bad = run(['check', 'examples', '--select', 'no-such']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /no rule id or code starts with 'no-such'/);
  });

  it('exits by --fail-on and --exit-zero', () => {
    assert.equal(run(['check', 'examples']).code, 1);
    assert.equal(run(['check', 'examples', '--fail-on', 'never']).code, 0);
    assert.equal(run(['check', 'examples', '--fail-on', 'error']).code, 1);
    assert.equal(run(['check', 'examples', '--exit-zero']).code, 0);
    assert.equal(run(['check', 'examples', '--fail-on', 'sometimes']).code, 2);
  });

  it('gives byte-identical output whatever --jobs is', () => {
    const one = run(['check', 'examples', 'test/fixtures', '--format', 'sarif', '--jobs', '1']);
    const two = run(['check', 'examples', 'test/fixtures', '--format', 'sarif', '--jobs', '2']);
    // Equal bytes prove nothing if both runs failed alike: each must finish (exit 1, findings)
    // with its report of the fixtures' findings.
    for (const r of [one, two]) {
      assert.equal(r.code, 1, r.stderr);
      assert.ok(JSON.parse(r.stdout).runs[0].results.length > 50);
    }
    assert.equal(one.stdout, two.stdout);
    assert.equal(run(['check', 'examples', '--jobs', '0']).code, 2);
  });

  it('--quiet prints errors only and no summary; --no-color and NO_COLOR print no escape codes', async () => {
    const dir = project({ 'drvcheck.json': JSON.stringify({ rules: { 'irql-pageable-code': 'warning' } }), 'x.c': readFileSync(join(repoRoot, 'test/fixtures/irql-pageable-code/alloc_text.c'), 'utf8') });
    const loud = run(['check', dir]);
    const quiet = run(['check', dir, '--quiet']);
    assert.match(loud.stdout, /: warning: /);
    assert.doesNotMatch(quiet.stdout, /: warning: |^drvcheck: /m);
    assert.doesNotMatch(await terminalOutput(['check', examplesDir, '--no-color']), /\u001b\[/);
    assert.doesNotMatch(await terminalOutput(['check', examplesDir], '1'), /\u001b\[/);
  });
});

describe('suppressions', () => {
  const suppressedDriver = (body: string): string => dpcDriver().replace(
    '    KeWaitForSingleObject(&ctx->Event, Executive, KernelMode, FALSE, NULL);\n    ExAcquireFastMutex(&ctx->Mutex);\n',
    body,
  );

  it('honours drvcheck-ignore on the line before, trailing, by code, and for a whole file; keeps them in SARIF', () => {
    const dir = project({
      'before.c': suppressedDriver('    // drvcheck-ignore[irql-call-too-high]: the event is always signalled\n    KeWaitForSingleObject(&ctx->Event, Executive, KernelMode, FALSE, NULL);\n    ExAcquireFastMutex(&ctx->Mutex); // drvcheck-ignore[DC1001]: measured, never contended\n'),
    });
    const r = json(['check', dir]);
    assert.deepEqual(r.doc.findings, []);
    assert.deepEqual(r.doc.suppressed.map((s: any) => [s.location.startLine, s.justification]), [
      [7, 'the event is always signalled'],
      [8, 'measured, never contended'],
    ]);
    const text = run(['check', dir]);
    assert.equal(text.code, 0);
    assert.match(text.stdout, /2 suppressed in the source/);
    const sarif = JSON.parse(run(['check', dir, '--format', 'sarif']).stdout).runs[0].results;
    assert.deepEqual(sarif.map((x: any) => x.suppressions), [
      [{ kind: 'inSource', status: 'accepted', justification: 'the event is always signalled' }],
      [{ kind: 'inSource', status: 'accepted', justification: 'measured, never contended' }],
    ]);
    const whole = project({ 'f.c': `/* drvcheck-ignore-file[irql-call-too-high]: legacy code, tracked as BUG-1 */\n${dpcDriver()}` });
    assert.equal(json(['check', whole]).doc.suppressed.length, 2);
  });

  it('reports a suppression without a reason or with an unknown rule, and one that suppresses nothing', () => {
    const dir = project({
      'x.c': suppressedDriver(
        '    KeWaitForSingleObject(&ctx->Event, Executive, KernelMode, FALSE, NULL); // drvcheck-ignore[irql-call-too-high]\n    ExAcquireFastMutex(&ctx->Mutex); // drvcheck-ignore[irql-too-high]: typo\n    Log(ctx); // drvcheck-ignore[irql-pageable-code]: nothing here\n',
      ),
    });
    const r = json(['check', dir]);
    assert.deepEqual(lines(r.doc), [
      'x.c:6 irql-call-too-high error',
      'x.c:6 invalid-suppression warning',
      'x.c:7 irql-call-too-high error',
      'x.c:7 invalid-suppression warning',
      'x.c:8 unused-suppression warning',
    ]);
    const messages = r.doc.findings.filter((f: any) => f.ruleId !== 'irql-call-too-high').map((f: any) => f.message);
    assert.match(messages[0], /a reason is required/);
    assert.match(messages[1], /no rule is called `irql-too-high`/);
    assert.match(messages[2], /matches no finding on line 8/);
  });

  it('honours Code Analysis pragmas: suppress, prefast suppress, and disable inside push/pop', () => {
    const dir = project({
      'x.c': suppressedDriver(
        [
          '#pragma warning(suppress: 28121) // the IRQL-too-high warning of Code Analysis',
          '    KeWaitForSingleObject(&ctx->Event, Executive, KernelMode, FALSE, NULL);',
          '#pragma prefast(suppress: 28121, "reviewed")',
          '    ExAcquireFastMutex(&ctx->Mutex);',
          '#pragma warning(push)',
          '#pragma warning(disable: 28121 4201)',
          '    KeWaitForSingleObject(&ctx->Event, Executive, KernelMode, FALSE, NULL);',
          '#pragma warning(pop)',
          '    ExAcquireFastMutex(&ctx->Mutex);',
          '',
        ].join('\n'),
      ),
    });
    const r = json(['check', dir]);
    assert.deepEqual(lines(r.doc), ['x.c:14 irql-call-too-high error'], 'only the call after the pop is reported');
    assert.deepEqual(r.doc.suppressed.map((s: any) => [s.location.startLine, s.justification]), [
      [7, '#pragma warning(suppress: 28121)'],
      [9, '#pragma warning(suppress: 28121)'],
      [12, '#pragma warning(disable: 28121)'],
    ]);
  });
});

describe('SDV idiom', () => {
  it('keeps a finding acknowledged with __analysis_assume(config.EvtIoStop != 0) as suppressed in the source', () => {
    const fixture = join(repoRoot, 'test', 'fixtures', 'queue-missing-evtiostop', 'helpers.c');
    const r = json(['check', fixture]);
    const assumed = r.doc.suppressed.filter((s: any) => s.ruleId === 'queue-missing-evtiostop');
    assert.equal(assumed.length, 1);
    assert.equal(assumed[0].location.startLine, 70);
    assert.equal(assumed[0].justification, '__analysis_assume(queueConfig.EvtIoStop != 0) before the queue is created');
    assert.ok(!r.doc.findings.some((f: any) => f.ruleId === 'queue-missing-evtiostop' && f.location.startLine === 70));
    const sarif = JSON.parse(run(['check', fixture, '--format', 'sarif']).stdout).runs[0].results;
    const result = sarif.find((x: any) => x.ruleId === 'queue-missing-evtiostop' && x.suppressions);
    assert.deepEqual(result.suppressions, [{ kind: 'inSource', status: 'accepted', justification: '__analysis_assume(queueConfig.EvtIoStop != 0) before the queue is created' }]);
  });
});

describe('baseline', () => {
  it('records findings, then reports only new ones, across edits that move lines; lists the fixed', () => {
    const dir = project({ 'dpc.c': dpcDriver() });
    const baseline = join(dir, 'baseline.json');
    const written = run(['check', dir, '--baseline-write', baseline]);
    assert.equal(written.code, 0);
    assert.match(written.stderr, /recorded 2 finding\(s\)/);
    assert.equal(JSON.parse(readFileSync(baseline, 'utf8')).findings.length, 2);

    // Lines moved: nothing new.
    writeFileSync(join(dir, 'dpc.c'), dpcDriver('// moved down\n\n\n'));
    let r = json(['check', dir, '--baseline', baseline]);
    assert.equal(r.code, 0);
    assert.deepEqual(r.doc.findings, []);
    assert.equal(r.doc.baselined, 2);

    // A new defect is reported; a fixed one is listed with --report-fixed.
    writeFileSync(
      join(dir, 'dpc.c'),
      dpcDriver('// moved down\n').replace('    ExAcquireFastMutex(&ctx->Mutex);\n', '    ZwClose(ctx->Handle);\n'),
    );
    r = json(['check', dir, '--baseline', baseline]);
    assert.equal(r.code, 1);
    assert.deepEqual(lines(r.doc), ['dpc.c:8 irql-call-too-high error']);
    assert.match(r.doc.findings[0].message, /ZwClose/);
    assert.equal(r.doc.fixed.length, 1);
    const text = run(['check', dir, '--baseline', baseline, '--report-fixed']);
    assert.match(text.stdout, /dpc\.c: fixed since the baseline: ExAcquireFastMutex is called/);
    assert.match(text.stdout, /1 in the baseline, 1 baseline finding fixed/);
  });

  it('rejects a file that is not a baseline', () => {
    const dir = project({ 'dpc.c': dpcDriver(), 'b.json': '{"findings": 3}' });
    const r = run(['check', dir, '--baseline', join(dir, 'b.json')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /not a drvcheck baseline/);
  });
});
