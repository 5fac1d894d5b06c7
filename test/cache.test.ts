/**
 * The parse-facts cache: a warm run reports exactly what a cold run does, and an edited file
 * is parsed again rather than served stale.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cliPath, examplesDir } from './paths.js';

function sarif(dir: string, cache: string): string {
  return spawnSync(process.execPath, [cliPath, 'check', dir, '--format', 'sarif', '--cache', cache], { encoding: 'utf8' }).stdout;
}

describe('--cache', () => {
  it('gives the same report warm as cold, and re-reads a file that changed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'drvcheck-cache-src-'));
    cpSync(examplesDir, dir, { recursive: true });
    const cache = mkdtempSync(join(tmpdir(), 'drvcheck-cache-'));
    const cold = sarif(dir, cache);
    const entries = readdirSync(cache, { recursive: true }).filter((f) => String(f).endsWith('.bin'));
    assert.equal(entries.length, 5, 'one entry per source file');
    assert.equal(sarif(dir, cache), cold);

    const io = join(dir, 'fxsample', 'io.c');
    writeFileSync(io, readFileSync(io, 'utf8').replace(/WDF_REQUEST_SEND_OPTION_SYNCHRONOUS\)/, 'WDF_REQUEST_SEND_OPTION_TIMEOUT)'));
    const edited = JSON.parse(sarif(dir, cache)).runs[0].results.map((r: any) => r.ruleId);
    assert.equal(edited.filter((id: string) => id === 'irql-call-too-high').length, 0, 'the edited file was parsed again');
    assert.equal(edited.length, 5);
  });
});
