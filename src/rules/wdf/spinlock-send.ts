import { irqlName } from '../../model/irql-level.js';
import type { CallSite, FunctionInfo } from '../../model/functions.js';
import { at, step, type PathStep } from '../../model/location.js';
import { LOCK_ACQUIRES } from '../../knowledge/locks.js';
import { REQUEST_COMPLETIONS } from '../../knowledge/requests.js';
import { lockAcquirers, lockKey, lockRegions, type LockRegion } from '../../model/locks.js';
import { sendOptionsOf } from '../../model/send-options.js';
import type { DriverModel } from '../../model/driver-model.js';
import type { CallFact } from '../../parser/facts.js';
import type { Rule, RuleFinding } from '../../rule-kit/rule.js';

/** How deep into the driver's helpers a call made under a lock is followed. */
const MAX_DEPTH = 3;

export const spinlockSend: Rule = {
  meta: {
    id: 'spinlock-send',
    code: 'DC4009',
    title: 'Request sent or completed while a spin lock is held',
    severity: 'error',
    summary: 'WdfRequestSend or a request completion (WdfRequestComplete*) while a WDF or kernel spin lock is held (SDV rule ReqSendWhileSpinlock).',
    rationale:
      'Sending a request calls the next driver\'s dispatch code, and completing one runs the completion routines of every driver above, all in the current thread and inside the caller\'s spin lock. That code may send a new request back to this driver or complete one whose completion routine takes the same lock: the processor then spins on a lock it already holds. It also makes every driver in the path run at DISPATCH_LEVEL for no reason of its own. The I/O manager documents the rule for IoCompleteRequest, and SDV checks it for WdfRequestSend.',
    whyTestingMisses:
      'The deadlock needs another driver that re-enters on the same processor while the lock is held, typically under load or with a different filter or bus driver than on the test machine.',
    fix: 'Update the shared state under the lock, release it, then send or complete the request; take the lock again in the failure path if needed.',
    badExample: `VOID EvtIoRead(WDFQUEUE Queue, WDFREQUEST Request, size_t Length)
{
    PDEVICE_CONTEXT ctx = DeviceGetContext(WdfIoQueueGetDevice(Queue));
    WdfSpinLockAcquire(ctx->Lock);
    ctx->Pending++;
    WdfRequestComplete(Request, STATUS_SUCCESS);
    WdfSpinLockRelease(ctx->Lock);
}`,
    goodExample: `VOID EvtIoRead(WDFQUEUE Queue, WDFREQUEST Request, size_t Length)
{
    PDEVICE_CONTEXT ctx = DeviceGetContext(WdfIoQueueGetDevice(Queue));
    WdfSpinLockAcquire(ctx->Lock);
    ctx->Pending++;
    WdfSpinLockRelease(ctx->Lock);
    WdfRequestComplete(Request, STATUS_SUCCESS);
}`,
    references: [
      { title: 'Static Driver Verifier KMDF rule ReqSendWhileSpinlock', url: 'https://learn.microsoft.com/windows-hardware/drivers/devtest/kmdf-reqsendwhilespinlock' },
      { title: 'IoCompleteRequest (never call it while holding a spin lock)', url: 'https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-iocompleterequest' },
    ],
  },
  check(model) {
    const findings: RuleFinding[] = [];
    const reported = new Set<string>();
    // A function that calls no lock acquire holds no lock of its own.
    const acquiring = lockAcquirers(model.functions, model.knowledge);
    for (const fn of model.functions.all) {
      if (!acquiring.has(fn.id)) continue;
      for (const region of lockRegions(fn)) {
        if (region.level !== 'DISPATCH' || !region.what.includes('spin lock')) continue;
        const acquired = step(at(fn.file, region.acquire.span), `${region.what} acquired here (the thread now runs at ${irqlName(region.level)} holding it)`);
        for (const hit of sendsUnder(model, fn, region, [acquired])) {
          const key = `${hit.fn.file}:${hit.site.call.span.startOffset}`;
          if (reported.has(key)) continue;
          reported.add(key);
          const location = at(hit.fn.file, hit.site.call.span);
          const sends = hit.site.call.callee === 'WdfRequestSend';
          const what = sends ? 'sends a request' : 'completes a request';
          const others = sends ? "the target driver's dispatch code (and, if it completes at once, the completion routines)" : 'the completion routines of the drivers above';
          findings.push({
            location,
            message: `${hit.site.call.callee} ${what} while a ${region.what} is held: ${others} then run inside the lock and can come back into this driver and try to take it again, a deadlock. Release the lock first.`,
            steps: [...hit.steps, step(location, `${hit.site.call.callee} ${what} here with the lock still held`)],
          });
        }
      }
    }
    return findings;
  },
};

interface Hit {
  readonly fn: FunctionInfo;
  readonly site: CallSite;
  readonly steps: readonly PathStep[];
}

/**
 * Sends and completions made inside the region, directly or in the driver's functions it
 * calls. A helper that releases the lock (as drivers do around a completion, taking it again
 * after), or releases a lock its caller took, follows a locking protocol of its own: nothing
 * after that release is reported.
 */
function sendsUnder(model: DriverModel, fn: FunctionInfo, region: LockRegion, steps: readonly PathStep[]): Hit[] {
  const hits: Hit[] = [];
  const inside = model.functions.callSites(fn).filter((s) => s.call.span.startOffset >= region.start && s.call.span.startOffset < region.end);
  const releases = region.releasedBy;
  const lock = fieldOf(region.lock);
  const visit = (callee: FunctionInfo, path: readonly PathStep[], depth: number, seen: Set<number>): void => {
    if (seen.has(callee.id)) return;
    seen.add(callee.id);
    const released = callee.fact.calls.find((c, i) => releases.includes(c.callee) && (sameLock(lock, lockName(c.args[0])) || !acquiredBefore(callee, i, c)));
    for (const site of model.functions.callSites(callee)) {
      if (released && site.call.span.startOffset > released.span.startOffset) break;
      if (isSendOrCompletion(site)) hits.push({ fn: callee, site, steps: path });
      if (depth < MAX_DEPTH) {
        for (const next of site.callees) visit(next, [...path, step(at(callee.file, site.call.span), `${callee.qualifiedName} calls ${next.qualifiedName}`)], depth + 1, seen);
      }
    }
  };
  for (const site of inside) {
    if (isSendOrCompletion(site)) hits.push({ fn, site, steps });
    for (const callee of site.callees) {
      visit(callee, [...steps, step(at(fn.file, site.call.span), `${fn.qualifiedName} calls ${callee.qualifiedName} with the lock held`)], 1, new Set([fn.id]));
    }
  }
  return hits;
}

/** The release `release` (call `index` of `fn`) pairs with an acquire earlier in `fn`. */
function acquiredBefore(fn: FunctionInfo, index: number, release: CallFact): boolean {
  const name = lockName(release.args[0]);
  return fn.fact.calls.slice(0, index).some((c) => LOCK_ACQUIRES[c.callee]?.releasedBy.includes(release.callee) && lockName(c.args[LOCK_ACQUIRES[c.callee]!.key]) === name);
}

/** The field a lock lives in (`RcvLock` of `fdoData->RcvLock`); empty when it is a plain variable. */
function lockName(arg: string | undefined): string {
  return fieldOf(lockKey(arg));
}

function fieldOf(lock: string): string {
  return /(?:->|\.)([A-Za-z_]\w*)$/.exec(lock)?.[1] ?? '';
}

/** Two names for one lock: the same field, or a plain variable, which may be either. */
function sameLock(a: string, b: string): boolean {
  return a === '' || b === '' || a === b;
}

/** A send the IRQL rule does not already report (a synchronous one), or a completion DDI. */
function isSendOrCompletion(site: CallSite): boolean {
  const { call } = site;
  if (call.calleeKind !== 'identifier' || site.callees.length > 0) return false;
  if (call.callee === 'WdfRequestSend') return sendOptionsOf(site.caller, call)?.synchronous !== true;
  return REQUEST_COMPLETIONS.has(call.callee);
}
