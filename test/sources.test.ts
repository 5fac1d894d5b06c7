/**
 * Reading sources as Windows editors write them, and grouping them into driver units so that
 * two drivers in one tree are never linked.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { check } from '../src/engine/check.js';
import { temporaryDirectory } from './temp-dir.js';

/** A DPC that waits: one irql-call-too-high finding on the line marked FINDING. */
const DPC_THAT_WAITS = [
  '// Délai: a comment with a non-ASCII letter before the finding',
  'EVT_WDF_DPC WaitingDpc;',
  'VOID WaitingDpc(_In_ WDFDPC Dpc)',
  '{',
  '    KEVENT *event = GetEvent(Dpc);',
  '    KeWaitForSingleObject(event, Executive, KernelMode, FALSE, NULL); // FINDING',
  '}',
  'NTSTATUS CreateDpc(WDFDEVICE Device)',
  '{',
  '    WDF_DPC_CONFIG config;',
  '    WDF_OBJECT_ATTRIBUTES attributes;',
  '    WDFDPC dpc;',
  '    WDF_DPC_CONFIG_INIT(&config, WaitingDpc);',
  '    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);',
  '    attributes.ParentObject = Device;',
  '    return WdfDpcCreate(&config, &attributes, &dpc);',
  '}',
];
const FINDING_LINE = 6;
const FINDING_COLUMN = 5;

function tempDir(): string {
  return temporaryDirectory('drvcheck-src-');
}

async function onlyFinding(dir: string) {
  const result = await check({ paths: [dir] });
  assert.deepEqual(result.skipped, []);
  assert.equal(result.findings.length, 1, JSON.stringify(result.findings.map((f) => f.message)));
  return result.findings[0]!;
}

describe('source decoding', () => {
  const cases: [string, (text: string) => Buffer][] = [
    ['UTF-8 without BOM, LF', (t) => Buffer.from(t.replace(/\r\n/g, '\n'), 'utf8')],
    ['UTF-8 with BOM, CRLF', (t) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(t, 'utf8')])],
    ['UTF-16LE with BOM, CRLF', (t) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(t, 'utf16le')])],
    ['UTF-16BE with BOM, CRLF', (t) => Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(t, 'utf16le').swap16()])],
    ['Latin-1 bytes (invalid UTF-8)', (t) => Buffer.from(t, 'latin1')],
    ['old Mac CR line endings', (t) => Buffer.from(t.replace(/\r\n/g, '\r'), 'utf8')],
  ];
  for (const [name, encode] of cases) {
    it(`reads ${name} and reports the line and column an editor shows`, async () => {
      const dir = tempDir();
      writeFileSync(join(dir, 'dpc.c'), encode(DPC_THAT_WAITS.join('\r\n') + '\r\n'));
      const f = await onlyFinding(dir);
      assert.equal(f.ruleId, 'irql-call-too-high');
      assert.equal(f.location.span.startLine, FINDING_LINE);
      assert.equal(f.location.span.startColumn, FINDING_COLUMN);
      assert.match(f.sourceLine ?? '', /KeWaitForSingleObject/);
    });
  }
});

describe('driver units', () => {
  // Windows tools save INFs as UTF-16 more often than not; the UmdfService line must be read
  // whatever the encoding, or a user-mode driver is checked against kernel rules.
  const infEncodings: [string, (text: string) => Buffer][] = [
    ['UTF-16LE with BOM', (t) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(t, 'utf16le')])],
    ['UTF-16BE with BOM', (t) => Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(t, 'utf16le').swap16()])],
    ['UTF-8 with BOM', (t) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(t, 'utf8')])],
    ['UTF-8', (t) => Buffer.from(t, 'utf8')],
  ];
  for (const [name, encode] of infEncodings) {
    it(`takes a unit whose ${name} INF installs a UmdfService as user mode`, async () => {
      const inf = (umdf: boolean) =>
        encode(['[Version]', 'Signature="$Windows NT$"', ...(umdf ? ['[Sample_Install.NT.Wdf]', 'UmdfService=Sample,Sample_Install_UmdfService'] : []), ''].join('\r\n'));
      const kernel = tempDir();
      writeFileSync(join(kernel, 'sample.inf'), inf(false));
      writeFileSync(join(kernel, 'dpc.c'), DPC_THAT_WAITS.join('\n'));
      const kernelResult = await check({ paths: [kernel] });
      assert.deepEqual(kernelResult.units.map((u) => [u.kind, u.driverType]), [['inf', undefined]]);
      assert.equal(kernelResult.findings.length, 1, 'without UmdfService the waiting DPC is a kernel-mode finding');

      const user = tempDir();
      writeFileSync(join(user, 'sample.inf'), inf(true));
      writeFileSync(join(user, 'dpc.c'), DPC_THAT_WAITS.join('\n'));
      const userResult = await check({ paths: [user] });
      assert.deepEqual(userResult.units.map((u) => [u.kind, u.driverType]), [['inf', 'UMDF']]);
      assert.deepEqual(userResult.findings, []);
    });
  }

  it('follows the includes of a source saved as UTF-16LE', async () => {
    // The header's helper waits; only when the header joins the DPC's unit is the wait seen
    // on the DPC's path. Read alone, nothing calls the helper from a DPC.
    const dir = tempDir();
    writeFileSync(join(dir, 'driver.inf'), '[Version]\r\nSignature="$Windows NT$"\r\n');
    mkdirSync(join(dir, 'inc'));
    writeFileSync(join(dir, 'inc', 'wait.h'), 'FORCEINLINE VOID WaitForEvent(KEVENT *Event)\n{\n    KeWaitForSingleObject(Event, Executive, KernelMode, FALSE, NULL);\n}\n');
    const source = DPC_THAT_WAITS.map((line) => line.replace('KeWaitForSingleObject(event, Executive, KernelMode, FALSE, NULL);', 'WaitForEvent(event);'));
    writeFileSync(join(dir, 'dpc.c'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(['#include "inc\\wait.h"', ...source].join('\r\n'), 'utf16le')]));
    const result = await check({ paths: [dir] });
    assert.deepEqual(result.skipped, []);
    assert.deepEqual(result.units.map((u) => [u.name, u.files]), [['.', 2]]);
    assert.deepEqual(result.findings.map((f) => `${f.location.path}:${f.location.span.startLine} ${f.ruleId}`), ['inc/wait.h:3 irql-call-too-high']);
  });

  it('never links functions of two drivers that share names', async () => {
    const root = tempDir();
    // Driver A: its EvtIoRead calls a Helper it only declares. Linked with driver B, the call
    // would reach B's Helper and be reported; kept apart, it reaches nothing.
    mkdirSync(join(root, 'a'));
    writeFileSync(join(root, 'a', 'a.inf'), '[Version]\nSignature="$WINDOWS NT$"\n');
    writeFileSync(
      join(root, 'a', 'queue.c'),
      [
        'VOID Helper(VOID);',
        'VOID EvtIoRead(WDFQUEUE Queue, WDFREQUEST Request, size_t Length) { Helper(); }',
        'NTSTATUS EvtDeviceAdd(WDFDRIVER Driver, PWDFDEVICE_INIT DeviceInit) {',
        '    WDFDEVICE device; WDFQUEUE queue; WDF_IO_QUEUE_CONFIG cfg;',
        '    NTSTATUS status = WdfDeviceCreate(&DeviceInit, WDF_NO_OBJECT_ATTRIBUTES, &device);',
        '    WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(&cfg, WdfIoQueueDispatchParallel);',
        '    cfg.EvtIoRead = EvtIoRead;',
        '    return WdfIoQueueCreate(device, &cfg, WDF_NO_OBJECT_ATTRIBUTES, &queue);',
        '}',
      ].join('\n'),
    );
    // Driver B: a Helper of the same name that must run at PASSIVE_LEVEL, called only from DriverEntry.
    mkdirSync(join(root, 'b'));
    writeFileSync(join(root, 'b', 'b.inf'), '[Version]\nSignature="$WINDOWS NT$"\n');
    writeFileSync(
      join(root, 'b', 'helper.c'),
      [
        'VOID Helper(VOID) { HANDLE h; ZwCreateFile(&h, 0, NULL, NULL, NULL, 0, 0, 0, 0, NULL, 0); }',
        'NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) { Helper(); return 0; }',
      ].join('\n'),
    );
    const result = await check({ paths: [root] });
    assert.deepEqual(result.units.map((u) => [u.name, u.kind]), [['a', 'inf'], ['b', 'inf']]);
    assert.deepEqual(result.findings, []);

    // Named one by one, the files are still split by their INF directories.
    const named = await check({ paths: [join(root, 'a', 'queue.c'), join(root, 'b', 'helper.c')], root });
    assert.equal(named.units.length, 2);
    assert.deepEqual(named.findings, []);
  });

  it('takes a .vcxproj ClCompile list as the unit, whatever the letter case of its items', async () => {
    const root = tempDir();
    writeFileSync(join(root, 'Driver.c'), DPC_THAT_WAITS.join('\n'));
    writeFileSync(join(root, 'unused.c'), 'VOID Unused(VOID) { }\n');
    writeFileSync(
      join(root, 'drv.vcxproj'),
      '<Project><ItemGroup><ClCompile Include="driver.c" /><ClCompile Include="missing.c" /></ItemGroup></Project>',
    );
    const result = await check({ paths: [root] });
    const project = result.units.find((u) => u.kind === 'vcxproj');
    assert.ok(project, JSON.stringify(result.units));
    assert.equal(project.files, 1);
    assert.deepEqual(result.skipped, [{ path: 'missing.c', reason: 'listed in drv.vcxproj but not found' }]);
    assert.equal(result.findings.length, 1);
  });
});
