import { POOL_FREES } from '../../knowledge/wdm.js';
import { controlFlow, type FlowNode } from '../../model/control-flow.js';
import { isPlainPath, normalizePath, prefixesOf } from '../../model/expressions.js';
import { branchSteps } from '../../model/flow-steps.js';
import { at, step } from '../../model/location.js';
import type { Rule, RuleFinding } from '../../rule-kit/rule.js';

/** The pointer a free releases, when it is a variable or a chain of fields. */
function freedPointer(node: FlowNode): string | undefined {
  if (node.kind !== 'call' || !node.call || !POOL_FREES.has(node.call.callee)) return undefined;
  const arg = node.call.argCores[0];
  return arg !== undefined && isPlainPath(arg) ? normalizePath(arg) : undefined;
}

/** What a node may give a new value, its paths normalized: what `mayChange` compares with a freed pointer. */
interface NodeWrites {
  readonly assigned?: string;
  readonly declared?: string;
  readonly args?: readonly { readonly core: string; readonly address: boolean }[];
}

function writesOf(node: FlowNode): NodeWrites {
  if (node.kind === 'assign' && node.assignment) return { assigned: normalizePath(node.assignment.lhs) };
  if (node.kind === 'declare' && node.declaration) return { declared: node.declaration.name };
  if (node.kind !== 'call' || !node.call) return {};
  const call = node.call;
  return { args: call.args.map((arg, i) => ({ core: normalizePath(call.argCores[i] ?? ''), address: arg.trim().startsWith('&') })) };
}

/**
 * What may give `pointer` a new value between two frees: an assignment to it or to a path it
 * goes through, its declaration, or a call that receives its address or a structure it lies in.
 */
function mayChange(pointer: string, writesAt: (node: FlowNode) => NodeWrites) {
  const prefixes = prefixesOf(pointer);
  const through = new Set(prefixes);
  const declared = prefixes[0] ?? pointer;
  return (node: FlowNode): boolean => {
    const { assigned, declared: name, args } = writesAt(node);
    if (assigned !== undefined) return assigned === pointer || through.has(assigned) || assigned.startsWith(`${pointer}[`) || assigned === `*${pointer}`;
    if (name !== undefined) return name === declared;
    return args !== undefined && args.some(({ core, address }) => through.has(core) || (core === pointer && address));
  };
}

export const poolDoubleFree: Rule = {
  meta: {
    id: 'pool-double-free',
    code: 'DC5007',
    title: 'Pool block freed twice',
    severity: 'error',
    summary: 'The same pointer is passed to ExFreePool or ExFreePoolWithTag twice on one path, with no new value assigned to it in between.',
    rationale:
      'After the first free the block belongs to the pool again and may already be handed to another allocation. Freeing it a second time corrupts the pool\'s bookkeeping or frees someone else\'s memory: the system bug-checks (BAD_POOL_CALLER 0xC2, or 0xC4 under Driver Verifier), sometimes much later and in another driver.',
    whyTestingMisses:
      'Double frees hide on error paths (a failure branch frees and then jumps to common cleanup that frees again) and on retries, which tests rarely drive; without Driver Verifier special pool the corruption may not crash at once.',
    fix: 'Set the pointer to NULL right after freeing it and test it before freeing, or free it in exactly one place (the common exit of the function).',
    badExample: `NTSTATUS Parse(ULONG Length)
{
    PUCHAR buffer = ExAllocatePool2(POOL_FLAG_PAGED, Length, 'sraP');
    NTSTATUS status = STATUS_SUCCESS;
    if (buffer == NULL) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    if (Length < 16) {
        ExFreePoolWithTag(buffer, 'sraP');
        status = STATUS_INVALID_PARAMETER;
    }
    ExFreePoolWithTag(buffer, 'sraP');
    return status;
}`,
    goodExample: `NTSTATUS Parse(ULONG Length)
{
    PUCHAR buffer = ExAllocatePool2(POOL_FLAG_PAGED, Length, 'sraP');
    NTSTATUS status = STATUS_SUCCESS;
    if (buffer == NULL) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    if (Length < 16) {
        status = STATUS_INVALID_PARAMETER;
    }
    ExFreePoolWithTag(buffer, 'sraP');
    return status;
}`,
    references: [
      { title: 'ExFreePoolWithTag', url: 'https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-exfreepoolwithtag' },
      { title: 'Bug check 0xC2 (BAD_POOL_CALLER)', url: 'https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0xc2--bad-pool-caller' },
    ],
  },
  check(model) {
    const findings: RuleFinding[] = [];
    const freeing = new Set(model.functions.sitesCalling(POOL_FREES).map((site) => site.caller));
    for (const fn of model.functions.all) {
      if (!freeing.has(fn)) continue;
      const cf = controlFlow(fn);
      if (!cf) continue;
      const reported = new Set<number>();
      // Read once per graph: the searches below visit each node many times.
      const freed = cf.nodes.map(freedPointer);
      const writes: (NodeWrites | undefined)[] = [];
      const writesAt = (node: FlowNode): NodeWrites => (writes[node.id] ??= writesOf(node));
      for (const first of cf.nodes) {
        const pointer = freed[first.id];
        if (!pointer) continue;
        // Exceptional edges are not followed: a free that raised did not free.
        const freesIt = (n: FlowNode): boolean => freed[n.id] === pointer;
        const changesIt = mayChange(pointer, writesAt);
        // Cheap test first: another free of it reachable at all, with nothing changing it on the way.
        if (!cf.canReach(freesIt, [first.id], changesIt)) continue;
        // Searched from the entry through the first free, so that the branches before it count too.
        const path = cf.findPath(freesIt, { through: new Set([first.id]), blocks: changesIt, follows: (_, e) => !e.exceptional });
        if (!path) continue;
        const second = cf.node(path[path.length - 1]!);
        // A loop that gives the pointer a new value on some iteration is taken to give it one on each.
        if (second === first && [...cf.loopAround(first.id)].some((id) => changesIt(cf.node(id)))) continue;
        const call = second.call!;
        if (reported.has(call.span.startOffset)) continue;
        reported.add(call.span.startOffset);
        const location = at(fn.file, call.span);
        const again = second === first ? ' again, when the loop comes round' : '';
        findings.push({
          location,
          message: `${pointer} is freed here${again}, but ${first.call!.callee} already freed it earlier on this path and nothing gave it a new value in between: freeing a block twice corrupts the pool (bug check 0xC2 or 0xC4). Set ${pointer} to NULL after the first free, or free it in one place.`,
          steps: [
            step(at(fn.file, first.call!.span), `${first.call!.callee} frees ${pointer}`),
            ...branchSteps(cf, path),
            step(location, `${call.callee} frees ${pointer} again`),
          ],
        });
      }
    }
    return findings;
  },
};
