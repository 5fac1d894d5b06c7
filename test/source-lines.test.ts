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
import { waitingDpcDriver } from './drivers.js';
import { temporaryDirectory } from './temp-dir.js';

/** The DPC waits on line 6, whose suppression comment gives no reason. */
const DPC = waitingDpcDriver({ afterWait: ' // drvcheck-ignore[irql-call-too-high]' });

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
        ['first/dpc.c:6 invalid-suppression', 'first/dpc.c:6 irql-call-too-high', 'second/dpc.c:6 invalid-suppression', 'second/dpc.c:6 irql-call-too-high'],
      );
      for (const f of findings) {
        assert.match(f.sourceLine ?? '', /^ {4}KeWaitForSingleObject\(&ctx->Event, .* \/\/ drvcheck-ignore\[irql-call-too-high\]$/, f.ruleId);
        assert.match(f.lineHash ?? '', /^[0-9a-f]+:1$/, f.ruleId);
      }
      results.push(findings);
    }
    assert.deepEqual(results[0], results[1]);
  });
});
