/**
 * Lock regions depend on what the caller says about the unit: an interrupt with passive-level
 * handling makes WdfInterruptAcquireLock a wait lock, and the unit's drvcheck.json may name its
 * own lock wrappers. The IRQL analysis asks with the unit's values and spinlock-send with the
 * defaults, so one answer must never be handed to the other, whichever asks first.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_LIMITS } from '../src/engine/read-files.js';
import { parseDecoded } from '../src/engine/parse-files.js';
import { NO_EXTENSIONS, type KnowledgeExtensions } from '../src/knowledge/extensions.js';
import { DriverModel } from '../src/model/driver-model.js';
import type { FunctionInfo } from '../src/model/functions.js';
import { lockKey, lockRegions } from '../src/model/locks.js';
import { decodeSource } from '../src/source/decode.js';

const SOURCE = `
VOID TouchUnderInterruptLock(WDFINTERRUPT Interrupt, PDEVICE_CONTEXT Ctx)
{
    WdfInterruptAcquireLock(Interrupt);
    Ctx->Count++;
    WdfInterruptReleaseLock(Interrupt);
}

VOID TouchUnderOwnLock(PDEVICE_CONTEXT Ctx)
{
    MyAcquireLock(&Ctx->Lock);
    Ctx->Count++;
    MyReleaseLock(&Ctx->Lock);
}
`;

const OWN_LOCK: KnowledgeExtensions = {
  ...NO_EXTENSIONS,
  locks: new Map([['MyAcquireLock', { raisesTo: 'DISPATCH', key: 0, releasedBy: ['MyReleaseLock'], releaseKey: 0, what: 'MyAcquireLock (declared in drvcheck.json)', source: 'drvcheck.json' }]]),
};

/** A function of a freshly parsed model, so no earlier question has been cached for it. */
async function freshFunction(name: string): Promise<FunctionInfo> {
  const outcome = await parseDecoded('locks.c', decodeSource(Buffer.from(SOURCE, 'utf8')), DEFAULT_LIMITS);
  assert.ok(outcome.ok);
  const model = new DriverModel({ name: 'locks', kind: 'path', directory: '.', files: ['locks.c'], defines: [] }, [outcome.facts]);
  const fn = model.functions.all.find((f) => f.fact.name === name);
  assert.ok(fn, name);
  return fn;
}

const held = (regions: ReturnType<typeof lockRegions>): string[] => regions.map((r) => `${r.acquire.callee} ${r.level}`);

describe('lock regions', () => {
  it('answer for their own passive-interrupt argument, whichever is asked first', async () => {
    const raising = await freshFunction('TouchUnderInterruptLock');
    assert.deepEqual(held(lockRegions(raising)), ['WdfInterruptAcquireLock DIRQL']);
    assert.deepEqual(held(lockRegions(raising, true)), [], 'with passive handling the interrupt lock raises nothing');

    const passive = await freshFunction('TouchUnderInterruptLock');
    assert.deepEqual(held(lockRegions(passive, true)), []);
    assert.deepEqual(held(lockRegions(passive)), ['WdfInterruptAcquireLock DIRQL']);
  });

  it("answer for their own knowledge tables, whichever is asked first", async () => {
    const builtIn = await freshFunction('TouchUnderOwnLock');
    assert.deepEqual(held(lockRegions(builtIn)), [], 'the built-in tables do not know MyAcquireLock');
    assert.deepEqual(held(lockRegions(builtIn, false, OWN_LOCK)), ['MyAcquireLock DISPATCH']);

    const declared = await freshFunction('TouchUnderOwnLock');
    assert.deepEqual(held(lockRegions(declared, false, OWN_LOCK)), ['MyAcquireLock DISPATCH']);
    assert.deepEqual(held(lockRegions(declared)), []);
  });

  it('are read once for the default tables and for tables that add no lock wrapper', async () => {
    // Only the lock wrappers change a region: a unit whose drvcheck.json adds a DDI, say, gets
    // the regions already read for the defaults, not a second reading of its own.
    const otherOnly: KnowledgeExtensions = { ...NO_EXTENSIONS, ddis: new Map([['MyHelper', { max: 'PASSIVE', source: 'drvcheck.json' }]]) };
    const fn = await freshFunction('TouchUnderInterruptLock');
    const byDefaults = lockRegions(fn);
    assert.deepEqual(held(byDefaults), ['WdfInterruptAcquireLock DIRQL']);
    assert.equal(lockRegions(fn, false, otherOnly), byDefaults);
    assert.notEqual(lockRegions(fn, false, OWN_LOCK), byDefaults, 'tables with a lock wrapper are read apart');
  });
});

describe('lockKey', () => {
  it('names a lock the same through address-of, casts, parentheses and spaces', () => {
    const forms = ['&Ctx->Lock', '&(Ctx->Lock)', '(PKSPIN_LOCK)&Ctx->Lock', '(struct _KSPIN_LOCK*)&Ctx->Lock', '( & Ctx -> Lock )', 'Ctx->Lock', ' Ctx->Lock\n'];
    assert.deepEqual(forms.map(lockKey), forms.map(() => 'Ctx->Lock'));
  });

  it('keeps what only looks parenthesised', () => {
    assert.equal(lockKey('(a)+(b)'), '(a)+(b)');
    assert.equal(lockKey('(Lock)'), 'Lock');
    assert.equal(lockKey(undefined), '');
  });
});
