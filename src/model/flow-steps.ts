/**
 * Path steps for a path through one function's control flow: the branches it takes, so that a
 * finding on one path of several shows which one.
 */
import type { ControlFlow } from './control-flow.js';
import { at, step, type PathStep } from './location.js';

/** The branch decisions along `path`, the last `limit` of them, as path steps. */
export function branchSteps(cf: ControlFlow, path: readonly number[], limit = 3): PathStep[] {
  const steps: PathStep[] = [];
  for (let i = 0; i + 1 < path.length; i++) {
    const node = cf.node(path[i]!);
    if (node.kind !== 'branch' || !node.cond || !node.span || node.succ.length < 2) continue;
    const edge = node.succ.find((e) => e.to === path[i + 1]);
    if (!edge) continue;
    const where = at(cf.fn.file, node.span);
    if (node.isSwitch) {
      steps.push(step(where, edge.caseValue === null || edge.caseValue === undefined ? `no case of switch (${node.cond.text}) matches here` : `case ${edge.caseValue} of switch (${node.cond.text}) is taken`));
    } else if (edge.branch !== undefined) {
      steps.push(step(where, `(${node.cond.text}) is ${edge.branch ? 'true' : 'false'} on this path`));
    }
  }
  return steps.slice(-limit);
}
