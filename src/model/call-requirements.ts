/**
 * The highest IRQL a call may be made at: from the DDI table, decided from the arguments where
 * the documentation makes the requirement conditional, or from the callee's own SAL annotation
 * when it is a function of the driver.
 */
import { lookupDdi } from '../knowledge/ddi.js';
import { NO_EXTENSIONS, type KnowledgeExtensions } from '../knowledge/extensions.js';
import { acquiresReleasedBy } from '../knowledge/locks.js';
import type { CallSite } from './functions.js';
import { calledBefore } from './call-order.js';
import { annotatedIrql } from './irql-contracts.js';
import { irqlName, rank, type IrqlLevel } from './irql-level.js';
import { at, type Location } from './location.js';
import { sendOptionsOf } from './send-options.js';
import { isUserModeMapping } from './user-mappings.js';
import { classifyTimeout } from './values.js';

export interface CallRequirement {
  readonly max: IrqlLevel;
  /** Why this call needs that level, in the words of a message: "a synchronous WdfRequestSend waits". */
  readonly why: string;
  readonly source: string;
  /** Where the argument that decides the requirement was set, if elsewhere. */
  readonly decidedAt?: Location;
  /** What is set there, for the path step. */
  readonly decidedWhat?: string;
}

type Decider = (site: CallSite) => CallRequirement | undefined | null;

const DDI_REFERENCE = 'Windows driver DDI reference';

const waitTimeout = (name: string, timeoutArg: number, waitMax: IrqlLevel): Decider => (site) => {
  const { call, caller } = site;
  const timeout = classifyTimeout(caller, call.args[timeoutArg], call.argCores[timeoutArg], call.span.startOffset);
  if (timeout === 'unknown') return null;
  if (timeout === 'zero') return undefined;
  return {
    max: waitMax,
    why: `${name} with ${timeout === 'infinite' ? 'no timeout' : 'a non-zero timeout'} waits, which requires ${irqlName(waitMax)} or lower`,
    source: DDI_REFERENCE,
  };
};

/** Conditional requirements decided from the arguments; null means "cannot tell: stay silent". */
const DECIDERS: Readonly<Record<string, Decider>> = {
  WdfRequestSend: (site) => {
    const options = sendOptionsOf(site.caller, site.call);
    if (!options) return null;
    if (!options.synchronous) return undefined;
    return {
      max: 'PASSIVE',
      why: 'WdfRequestSend with WDF_REQUEST_SEND_OPTION_SYNCHRONOUS waits for the request to complete, which requires PASSIVE_LEVEL',
      source: DDI_REFERENCE,
      ...(options.setAt ? { decidedAt: options.setAt, decidedWhat: 'WDF_REQUEST_SEND_OPTION_SYNCHRONOUS is set in the send options here' } : {}),
    };
  },
  KeWaitForSingleObject: waitTimeout('KeWaitForSingleObject', 4, 'APC'),
  KeWaitForMutexObject: waitTimeout('KeWaitForMutexObject', 4, 'APC'),
  KeWaitForMultipleObjects: waitTimeout('KeWaitForMultipleObjects', 6, 'APC'),
  WdfWaitLockAcquire: waitTimeout('WdfWaitLockAcquire', 1, 'PASSIVE'),
  MmMapLockedPagesSpecifyCache: userModeMapping,
  MmMapLockedPages: userModeMapping,
};

function userModeMapping(site: CallSite): CallRequirement | undefined {
  if (!isUserModeMapping(site)) return undefined;
  return { max: 'APC', why: `${site.call.callee} with UserMode requires APC_LEVEL or lower`, source: DDI_REFERENCE };
}

export function requirementOf(site: CallSite, knowledge: KnowledgeExtensions = NO_EXTENSIONS): CallRequirement | undefined {
  const { call } = site;
  const declared = call.calleeKind === 'identifier' ? knowledge.ddis.get(call.callee) : undefined;
  if (declared) {
    return {
      max: declared.max,
      why: `${call.callee} must be called at ${declared.max === 'PASSIVE' ? 'PASSIVE_LEVEL' : `${irqlName(declared.max)} or lower`}${declared.why ? ` (${declared.why})` : ''}, as ${declared.source} declares`,
      source: declared.source,
    };
  }
  if (site.callees.length > 0) return ownFunctionRequirement(site);
  if (call.calleeKind !== 'identifier') return undefined;
  if (releasesEarlierAcquire(site)) return undefined;
  const decider = Object.prototype.hasOwnProperty.call(DECIDERS, call.callee) ? DECIDERS[call.callee] : undefined;
  if (decider) {
    const decided = decider(site);
    if (decided === null) return undefined;
    if (decided) return decided;
  }
  if (/^Wdf\w+Synchronously$/.test(call.callee)) {
    return { max: 'PASSIVE', why: `${call.callee} waits for completion, which requires PASSIVE_LEVEL`, source: DDI_REFERENCE };
  }
  const ddi = lookupDdi(call.callee);
  if (!ddi) return undefined;
  return {
    max: ddi.max,
    why: `${call.callee} must be called at ${ddi.max === 'PASSIVE' ? 'PASSIVE_LEVEL' : `${irqlName(ddi.max)} or lower`}`,
    source: ddi.source,
  };
}

/** A call to the driver's own function: its `_IRQL_requires_max_` is a requirement on the caller. */
function ownFunctionRequirement(site: CallSite): CallRequirement | undefined {
  let loosest: { level: IrqlLevel; text: string; location: Location; name: string } | undefined;
  for (const callee of site.callees) {
    const contract = annotatedIrql(callee);
    if (!contract?.atMost) return undefined;
    if (!loosest || rank(contract.atMost) > rank(loosest.level)) {
      loosest = { level: contract.atMost, text: contract.text, location: contract.location, name: callee.qualifiedName };
    }
  }
  if (!loosest) return undefined;
  return {
    max: loosest.level,
    why: `${loosest.name} is annotated ${loosest.text}`,
    source: 'SAL annotation',
    decidedAt: at(loosest.location.file, loosest.location.span),
    decidedWhat: `${loosest.name} is annotated ${loosest.text} here`,
  };
}

/** A release paired with an acquire earlier in the function: the acquire carries the finding. */
function releasesEarlierAcquire(site: CallSite): boolean {
  const acquires = acquiresReleasedBy(site.call.callee);
  if (!acquires) return false;
  return calledBefore(site.caller, acquires, site.call.span.startOffset);
}
