/**
 * Every finding carries the source line of its primary location and that line's hash, whether
 * a unit made it (in a worker, or on the main thread for a small run) or the run made it
 * afterwards, as it does the findings about suppression comments.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { check } from '../src/engine/check.js';
import { temporaryDirectory } from './temp-dir.js';

/** A DPC that waits, on a line whose suppression comment gives no reason (line 8). */
const DPC = [
  '#include <wdf.h>',
  'EVT_WDF_DPC WaitingDpc;',
  'KEVENT Event;',
  '_Use_decl_annotations_',
  'VOID',
  'WaitingDpc(WDFDPC Dpc)',
  '{',
  '    KeWaitForSingleObject(&Event, Executive, KernelMode, FALSE, NULL); // drvcheck-ignore[irql-call-too-high]',
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
  '',
].join('\n');

describe('source lines of findings', () => {
  it('are attached to the findings of units and to those about suppressions, on one thread or two', async () => {
    const root = temporaryDirectory('drvcheck-lines-');
    for (const driver of ['first', 'second']) {
      mkdirSync(join(root, driver));
      writeFileSync(join(root, driver, 'driver.inf'), '[Version]\nSignature="$Windows NT$"\n');
      writeFileSync(join(root, driver, 'dpc.c'), DPC);
    }
    const results = [];
    for (const jobs of [1, 2]) {
      const { findings } = await check({ paths: [root], jobs });
      assert.deepEqual(
        findings.map((f) => `${f.location.path}:${f.location.span.startLine} ${f.ruleId}`).sort(),
        ['first/dpc.c:8 invalid-suppression', 'first/dpc.c:8 irql-call-too-high', 'second/dpc.c:8 invalid-suppression', 'second/dpc.c:8 irql-call-too-high'],
      );
      for (const f of findings) {
        assert.match(f.sourceLine ?? '', /^ {4}KeWaitForSingleObject\(&Event, .* \/\/ drvcheck-ignore\[irql-call-too-high\]$/, f.ruleId);
        assert.match(f.lineHash ?? '', /^[0-9a-f]+:1$/, f.ruleId);
      }
      results.push(findings);
    }
    assert.deepEqual(results[0], results[1]);
  });
});
