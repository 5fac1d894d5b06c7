import { MDL_READERS } from '../../knowledge/wdm.js';
import { controlFlow, type FlowNode } from '../../model/control-flow.js';
import type { DriverModel } from '../../model/driver-model.js';
import { mentions, normalizePath } from '../../model/expressions.js';
import { branchSteps } from '../../model/flow-steps.js';
import type { FunctionInfo } from '../../model/functions.js';
import { at, step } from '../../model/location.js';
import { handsIrpToUnknown, irpEntriesWithout, pathFromEntry } from '../../model/received-irps.js';
import type { Rule, RuleFinding } from '../../rule-kit/rule.js';
import { spanWithin } from '../../source/span.js';

/**
 * A condition that decides whether there is an MDL: one that tests the MDL itself, or the
 * length of the transfer (a zero-length request is the one without an MDL).
 */
const LENGTH_TEST = /[A-Za-z_]*(?:length|len|size|count)[A-Za-z_0-9]*/i;

/** The names the MDL of `irp` goes by in `fn`: `Irp->MdlAddress`, and locals only ever set from it. */
function mdlNames(fn: FunctionInfo, irp: string): string[] {
  const mdl = `${irp}->MdlAddress`;
  const names = [mdl];
  const values = new Map<string, string[]>();
  for (const l of fn.fact.locals) {
    if (l.init?.kind === 'expr') values.set(l.name, [...(values.get(l.name) ?? []), l.init.core]);
  }
  for (const a of fn.fact.assignments) {
    if (/^[A-Za-z_]\w*$/.test(a.lhs)) values.set(a.lhs, [...(values.get(a.lhs) ?? []), a.operator === '=' ? a.rhsCore : '?']);
  }
  for (const [name, written] of values) {
    if (written.length > 0 && written.every((v) => normalizePath(v) === mdl)) names.push(name);
  }
  return names;
}

/** What makes a path safe for the MDL of `irp`, or makes it one drvcheck cannot judge. */
function checksMdl(model: DriverModel, fn: FunctionInfo, irp: string, names: readonly string[], target?: FlowNode) {
  return (node: FlowNode): boolean => {
    if (node.kind === 'branch' && node.cond) return names.some((n) => mentions(node.cond!.text, n)) || LENGTH_TEST.test(node.cond.text);
    if (node.kind === 'assign' && node.assignment) return names.some((n) => mentions(node.assignment!.lhs, n));
    if (node.kind !== 'call' || !node.call || node === target) return false;
    // An earlier use on the same path is the one reported.
    if (MDL_READERS.has(node.call.callee) && names.includes(normalizePath(node.call.argCores[0] ?? ''))) return true;
    // IoAllocateMdl with the IRP attaches the new MDL to it.
    if (node.call.callee === 'IoAllocateMdl' && normalizePath(node.call.argCores[4] ?? '') === irp) return true;
    return handsIrpToUnknown(model, fn, node, irp);
  };
}

/** The use sits in a condition, or under a `?:`, that tests the MDL before it. */
function testedInSameExpression(fn: FunctionInfo, node: FlowNode, names: readonly string[]): boolean {
  const call = node.call!;
  if (call.guards.some((g) => names.some((n) => mentions(g, n)))) return true;
  const cf = controlFlow(fn)!;
  return cf.nodes.some((n) => {
    if (n.kind !== 'branch' || !n.cond) return false;
    if (!spanWithin(call.span, n.cond.span)) return false;
    const before = n.cond.text.split(`${call.callee}(`)[0] ?? '';
    return names.some((name) => mentions(before, name)) || LENGTH_TEST.test(before);
  });
}

export const mdlAddressUnchecked: Rule = {
  meta: {
    id: 'mdl-address-unchecked',
    code: 'DC5001',
    title: 'Irp->MdlAddress used without a NULL check',
    severity: 'error',
    summary: 'A received IRP\'s MdlAddress is passed to MmGetMdlByteCount, MmGetSystemAddressForMdlSafe or another MDL routine on a path where nothing checked that there is an MDL.',
    rationale:
      'For direct I/O (DO_DIRECT_IO reads and writes, METHOD_IN_DIRECT and METHOD_OUT_DIRECT control codes) the I/O manager describes the caller\'s buffer with an MDL in Irp->MdlAddress, but only when there is a buffer: a request with a transfer length of zero arrives with Irp->MdlAddress NULL. The MDL routines dereference the MDL they are given, so the first zero-length read, write or control request bug-checks the system.',
    whyTestingMisses:
      'Applications and test tools always send a buffer. A zero-length request is legal, and any unprivileged process that can open the device can send one, but nothing in ordinary use does.',
    fix: 'Check Irp->MdlAddress (or the transfer length in the stack location) before the first use, and complete a zero-length request at once, typically with STATUS_SUCCESS and Information = 0.',
    badExample: `NTSTATUS DispatchRead(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    ULONG length = MmGetMdlByteCount(Irp->MdlAddress);
    Irp->IoStatus.Status = STATUS_SUCCESS;
    Irp->IoStatus.Information = length;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    DriverObject->MajorFunction[IRP_MJ_READ] = DispatchRead;
    return STATUS_SUCCESS;
}`,
    goodExample: `NTSTATUS DispatchRead(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    ULONG length = 0;
    if (Irp->MdlAddress != NULL) {
        length = MmGetMdlByteCount(Irp->MdlAddress);
    }
    Irp->IoStatus.Status = STATUS_SUCCESS;
    Irp->IoStatus.Information = length;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    DriverObject->MajorFunction[IRP_MJ_READ] = DispatchRead;
    return STATUS_SUCCESS;
}`,
    references: [
      { title: 'Using direct I/O (zero-length transfers)', url: 'https://learn.microsoft.com/windows-hardware/drivers/kernel/using-direct-i-o' },
      { title: 'MmGetSystemAddressForMdlSafe', url: 'https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-mmgetsystemaddressformdlsafe' },
    ],
  },
  check(model) {
    // Without a call that reads an MDL there is nothing to judge, and no path worth searching.
    if (!model.functions.sitesCalling(MDL_READERS).length) return [];
    const entries = irpEntriesWithout(
      model,
      (fn, irp) => checksMdl(model, fn, irp, mdlNames(fn, irp)),
      (site, callee, irp) => `${site.caller.qualifiedName} passes ${irp} to ${callee.qualifiedName}; nothing on the way checks ${irp}->MdlAddress`,
    );
    const findings: RuleFinding[] = [];
    for (const fn of model.functions.all) {
      const uses = entries.entries(fn);
      if (uses.length === 0 || !fn.fact.calls.some((c) => MDL_READERS.has(c.callee))) continue;
      const cf = controlFlow(fn);
      if (!cf) continue;
      for (const entry of uses) {
        const names = mdlNames(fn, entry.subject);
        for (const call of fn.fact.calls) {
          if (!MDL_READERS.has(call.callee) || !names.includes(normalizePath(call.argCores[0] ?? ''))) continue;
          const targets = cf.nodesOf(call);
          if (targets.length === 0 || targets.some((t) => testedInSameExpression(fn, cf.node(t), names))) continue;
          const path = pathFromEntry(fn, targets, checksMdl(model, fn, entry.subject, names, cf.node(targets[0]!)));
          if (!path) continue;
          const mdl = `${entry.subject}->MdlAddress`;
          const location = at(fn.file, call.span);
          findings.push({
            location,
            message: `${call.callee} is given ${mdl}, which is NULL when the request has a transfer length of zero, and nothing on the path to this call checks it: a zero-length read, write or direct-I/O control request bug-checks the system. Check ${mdl} (or the length) first and complete zero-length requests without touching the MDL.`,
            steps: [
              ...entry.steps,
              ...branchSteps(cf, path),
              step(location, `${call.callee} dereferences ${mdl}${names.length > 1 && normalizePath(call.argCores[0] ?? '') !== mdl ? ` (as ${call.argCores[0]})` : ''}, which may be NULL here`),
            ],
          });
        }
      }
    }
    return findings;
  },
};
