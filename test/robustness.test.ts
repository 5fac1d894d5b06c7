/**
 * Every input a real tree can hold ends as analyzed or skipped with its reason, and never
 * hides the findings of the other files of the run. Each case runs through the CLI next to a
 * file with a known finding, which must still be reported.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { run } from './cli-helpers.js';
import { waitingDpcDriver } from './drivers.js';
import { cliPath } from './paths.js';
import { temporaryDirectory } from './temp-dir.js';

/** A DPC that waits: one irql-call-too-high finding, on line 6 of known.c. */
const KNOWN = waitingDpcDriver();

interface Outcome {
  code: number;
  analyzed: string[];
  skipped: Record<string, string>;
  findings: string[];
  stderr: string;
}

function scan(setup: (dir: string) => void, extraArgs: string[] = []): Outcome {
  const dir = temporaryDirectory('drvcheck-robust-');
  writeFileSync(join(dir, 'known.c'), KNOWN);
  setup(dir);
  const r = spawnSync(process.execPath, [cliPath, 'check', dir, '--format', 'json', ...extraArgs], { encoding: 'utf8', timeout: 120_000 });
  const doc = r.stdout ? JSON.parse(r.stdout) : { analyzed: [], skipped: [], findings: [] };
  return {
    code: r.status ?? -1,
    analyzed: doc.analyzed.map((a: { path: string }) => a.path),
    skipped: Object.fromEntries(doc.skipped.map((s: { path: string; reason: string }) => [s.path, s.reason])),
    findings: doc.findings.map((f: any) => `${f.location.path}:${f.location.startLine}`),
    stderr: r.stderr,
  };
}

function assertKnownIntact(o: Outcome): void {
  assert.ok(o.findings.includes('known.c:6'), `the finding in known.c is still reported: ${JSON.stringify(o)}`);
  assert.equal(o.code, 1, o.stderr);
}

const text = (s: string) => Buffer.from(s, 'utf8');
const functionOf = (body: string) => `VOID Strange(VOID)\n{\n${body}\n}\n`;

describe('inputs that must be handled', () => {
  const analyzedCases: [string, string, (dir: string) => void][] = [
    ['UTF-8 without BOM', 'a.c', (d) => writeFileSync(join(d, 'a.c'), text(functionOf('    Call("é");')))],
    ['UTF-8 with BOM', 'a.c', (d) => writeFileSync(join(d, 'a.c'), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), text(functionOf('    Call();'))]))],
    ['UTF-16LE with BOM', 'a.c', (d) => writeFileSync(join(d, 'a.c'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(functionOf('    Call();'), 'utf16le')]))],
    ['UTF-16BE with BOM', 'a.c', (d) => writeFileSync(join(d, 'a.c'), Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(functionOf('    Call();'), 'utf16le').swap16()]))],
    ['Latin-1 bytes', 'a.c', (d) => writeFileSync(join(d, 'a.c'), Buffer.from(functionOf('    /* Größe */ Call();'), 'latin1'))],
    ['invalid UTF-8', 'a.c', (d) => writeFileSync(join(d, 'a.c'), Buffer.concat([text('VOID A(VOID) { /* '), Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xf0, 0x28, 0x8c]), text(' */ }\n')]))],
    ['Latin-1 bytes with a few control bytes (escape sequences, a closing Ctrl-Z)', 'a.c', (d) =>
      writeFileSync(join(d, 'a.c'), Buffer.concat([Buffer.from(functionOf('    Print("\x1b[31m Größe \x1b[0m\x07");'), 'latin1'), Buffer.from([0x1a])]))],
    ['a few NUL bytes', 'a.c', (d) => writeFileSync(join(d, 'a.c'), Buffer.concat([text('VOID A(VOID) { Call(); }'), Buffer.from([0, 0]), text('\nVOID B(VOID) { }\n')]))],
    ['an empty file', 'a.c', (d) => writeFileSync(join(d, 'a.c'), '')],
    ['a single 50,000-character line', 'a.c', (d) => writeFileSync(join(d, 'a.c'), functionOf(`    int x = ${'1 + '.repeat(12_500)}1;`).replace(/\n/g, ' '))],
    ['10,000 nested parentheses', 'a.c', (d) => writeFileSync(join(d, 'a.c'), functionOf(`    int x = ${'('.repeat(10_000)}1${')'.repeat(10_000)};`))],
    ['10,000 nested braces', 'a.c', (d) => writeFileSync(join(d, 'a.c'), functionOf(`${'{'.repeat(10_000)} Call(); ${'}'.repeat(10_000)}`))],
    ['10,000 nested initializer lists', 'a.c', (d) => writeFileSync(join(d, 'a.c'), `int table[] = ${'{'.repeat(10_000)}1${'}'.repeat(10_000)};\n`)],
    ['an unterminated comment', 'a.c', (d) => writeFileSync(join(d, 'a.c'), 'VOID A(VOID) { Call(); }\n/* never closed\nVOID B(VOID) { }\n')],
    ['an unterminated string', 'a.c', (d) => writeFileSync(join(d, 'a.c'), 'VOID A(VOID) { Call("never closed); }\nVOID B(VOID) { }\n')],
    ['unbalanced #if and #endif', 'a.c', (d) => writeFileSync(join(d, 'a.c'), '#endif\n#if X\nVOID A(VOID) {\n#else\n}\n#if Y\nVOID B(VOID) { }\n')],
    ['CRLF and mixed line endings', 'a.c', (d) => writeFileSync(join(d, 'a.c'), 'VOID A(VOID)\r\n{\r\n    Call();\n}\rVOID B(VOID) { }\r\n')],
    ['a path with spaces and non-ASCII letters', 'dir with spaces/驱动 ünïcode.c', (d) => {
      mkdirSync(join(d, 'dir with spaces'));
      writeFileSync(join(d, 'dir with spaces', '驱动 ünïcode.c'), functionOf('    Call();'));
    }],
    ['a directory named x.c', 'x.c/inner.c', (d) => {
      mkdirSync(join(d, 'x.c'));
      writeFileSync(join(d, 'x.c', 'inner.c'), functionOf('    Call();'));
    }],
  ];
  for (const [name, file, setup] of analyzedCases) {
    it(`analyzes ${name}`, () => {
      const o = scan(setup);
      assert.ok(o.analyzed.includes(file), `${file} analyzed: ${JSON.stringify(o)}`);
      assertKnownIntact(o);
    });
  }

  it('skips a binary file with a .c name, with its reason', () => {
    const o = scan((d) => writeFileSync(join(d, 'blob.c'), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256))));
    assert.equal(o.skipped['blob.c'], 'binary file (control bytes are not source text)');
    assertKnownIntact(o);
  });

  it('skips a 10 MB generated file past the per-file time limit, with its reason', () => {
    const o = scan(
      (d) => {
        const chunk = 'static int generated(int a, int b)\n{\n    int t[4] = { a, b, a + b, a * b };\n    return helper(t[a & 3], b);\n}\n';
        writeFileSync(join(d, 'generated.c'), chunk.repeat(Math.ceil((10 * 1024 * 1024) / chunk.length)));
      },
      ['--parse-timeout', '1500'],
    );
    assert.equal(o.skipped['generated.c'], 'took longer than the per-file time limit of 1500 ms (--parse-timeout)');
    assertKnownIntact(o);
  });

  it('skips a file over the per-file size limit, with its reason', () => {
    const o = scan((d) => writeFileSync(join(d, 'big.c'), functionOf('    Call();').repeat(200)), ['--max-file-size', '4096']);
    assert.match(o.skipped['big.c'] ?? '', /^larger than the per-file size limit: \d+\.\d KB > 4\.0 KB \(--max-file-size\)$/);
    assertKnownIntact(o);
  });

  it('skips an unreadable file, with its reason', { skip: process.getuid?.() === 0 ? 'root reads files whatever their permissions' : false }, () => {
    const o = scan((d) => {
      writeFileSync(join(d, 'secret.c'), functionOf('    Call();'));
      chmodSync(join(d, 'secret.c'), 0o000);
    });
    assert.equal(o.skipped['secret.c'], 'permission denied');
    assertKnownIntact(o);
  });

  it('does not follow a symbolic-link loop, or a link out of the scanned root', () => {
    const outside = temporaryDirectory('drvcheck-outside-');
    writeFileSync(join(outside, 'elsewhere.c'), functionOf('    Call();'));
    const o = scan((d) => {
      mkdirSync(join(d, 'sub'));
      writeFileSync(join(d, 'sub', 'inside.c'), functionOf('    Call();'));
      symlinkSync(d, join(d, 'sub', 'loop'));
      symlinkSync(outside, join(d, 'out'));
      symlinkSync(join(d, 'sub', 'inside.c'), join(d, 'alias.c'));
    });
    assert.ok(o.analyzed.includes('sub/inside.c'));
    assert.equal(o.skipped['sub/loop'], 'symbolic link back into a directory already scanned (a loop; not followed)');
    assert.equal(o.skipped['out'], 'symbolic link leaves the scanned root (not followed)');
    assert.equal(o.skipped['alias.c'], 'the same file as sub/inside.c (through a symbolic link)');
    assertKnownIntact(o);
  });
});

describe('the account of a run', () => {
  it('loses only the file a worker dies on, and goes on with a new worker', () => {
    const dir = temporaryDirectory('drvcheck-robust-');
    writeFileSync(join(dir, 'known.c'), KNOWN);
    // Six driver units, so that the run uses worker threads.
    for (let u = 0; u < 6; u++) {
      mkdirSync(join(dir, `unit${u}`));
      writeFileSync(join(dir, `unit${u}`, 'driver.inf'), '[Version]\n');
      for (let i = 0; i < 2; i++) writeFileSync(join(dir, `unit${u}`, `file${i}.c`), functionOf('    Call();'));
    }
    const r = run(['check', dir, '--format', 'json', '--jobs', '2'], undefined, { DRVCHECK_TEST_WORKER_DIES_ON: 'unit3/file0.c' });
    const doc = JSON.parse(r.stdout);
    assert.equal(r.code, 1, r.stderr);
    assert.deepEqual(doc.skipped, [{ path: 'unit3/file0.c', reason: 'internal error while parsing: the worker exited (code 70)' }]);
    assert.equal(doc.analyzed.length, 12, 'every other file, unit3/file1.c included, is analysed');
    assert.deepEqual(doc.findings.map((f: any) => `${f.location.path}:${f.location.startLine}`), ['known.c:6']);
  });

  it('analyses one small driver without worker threads, unless --jobs asks for them', () => {
    // One unit and four headers no source includes: five tasks, too little work for workers.
    // The injected fault kills a worker only, so the file is lost exactly when a worker read it.
    const dir = temporaryDirectory('drvcheck-robust-');
    writeFileSync(join(dir, 'driver.inf'), '[Version]\n');
    for (let i = 0; i < 3; i++) writeFileSync(join(dir, `file${i}.c`), functionOf('    Call();'));
    for (let i = 0; i < 4; i++) writeFileSync(join(dir, `unused${i}.h`), '#define UNUSED 1\n');
    const skipped = (args: string[]): unknown[] => {
      return JSON.parse(run(['check', dir, '--format', 'json', ...args], undefined, { DRVCHECK_TEST_WORKER_DIES_ON: 'file1.c' }).stdout).skipped;
    };
    assert.deepEqual(skipped([]), []);
    assert.deepEqual(skipped(['--jobs', '2']), [{ path: 'file1.c', reason: 'internal error while parsing: the worker exited (code 70)' }]);
  });

  it('lists analyzed files as SARIF artifacts and skipped ones as notifications naming the file', () => {
    const dir = temporaryDirectory('drvcheck-robust-');
    writeFileSync(join(dir, 'known.c'), KNOWN);
    writeFileSync(join(dir, 'blob.c'), Buffer.alloc(64, 0));
    const r = run(['check', dir, '--format', 'sarif']);
    const sarifRun = JSON.parse(r.stdout).runs[0];
    assert.deepEqual(sarifRun.artifacts.map((a: any) => a.location.uri), ['known.c']);
    const notes = sarifRun.invocations[0].toolExecutionNotifications;
    assert.equal(notes.length, 1);
    assert.equal(notes[0].locations[0].physicalLocation.artifactLocation.uri, 'blob.c');
    assert.match(notes[0].message.text, /blob\.c was skipped: binary file/);
    assert.ok(!r.stdout.includes(dir), 'no absolute path of the machine in the SARIF');
  });

  it('says in the text summary what was skipped and why', () => {
    const dir = temporaryDirectory('drvcheck-robust-');
    writeFileSync(join(dir, 'known.c'), KNOWN);
    writeFileSync(join(dir, 'blob.c'), Buffer.alloc(64, 0));
    const r = run(['check', dir]);
    assert.match(r.stdout, /1 skipped \(.*blob\.c: binary file \(control bytes are not source text\)\)/);
  });
});
