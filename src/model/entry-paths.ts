/**
 * Interprocedural "is there a way in without it" questions. A rule names the callbacks through
 * which code is entered unprotected (a dispatch routine with normal kernel APCs enabled, a
 * dispatch routine with an IRP whose MDL nobody checked yet), and says at each call whether the
 * caller may reach it still unprotected and under which name the subject travels on (the IRP
 * parameter of the callee). The answer, for each function and subject, is the shortest chain of
 * calls that proves it: the path steps of a finding.
 */
import { push } from './expressions.js';
import type { CallSite, FunctionIndex, FunctionInfo } from './functions.js';
import { at, step, type PathStep } from './location.js';

export interface UnprotectedEntry {
  readonly fn: FunctionInfo;
  /** What the rule follows inside the function: an IRP parameter's name, or '' for nothing. */
  readonly subject: string;
  readonly steps: readonly PathStep[];
}

export interface EntryQuestion {
  readonly roots: readonly UnprotectedEntry[];
  /**
   * The callee's subject when the call may be reached from the caller's entry still
   * unprotected and hands the subject on; undefined otherwise.
   */
  passes(site: CallSite, subject: string, callee: FunctionInfo): string | undefined;
  /** How a call is described in the path: `Dispatch calls Helper with … unset`. */
  describe(site: CallSite, callee: FunctionInfo, subject: string): string;
}

/**
 * An entry reached through a call: the caller's steps and the call. Most entries are never
 * reported, so the steps are put together when a rule asks for them.
 */
class EntryThroughCall implements UnprotectedEntry {
  private built?: readonly PathStep[];

  constructor(
    readonly fn: FunctionInfo,
    readonly subject: string,
    private readonly from: UnprotectedEntry,
    private readonly site: CallSite,
    private readonly question: EntryQuestion,
  ) {}

  get steps(): readonly PathStep[] {
    return (this.built ??= [...this.from.steps, step(at(this.from.fn.file, this.site.call.span), this.question.describe(this.site, this.fn, this.from.subject))]);
  }
}

export class UnprotectedEntries {
  private readonly found = new Map<string, UnprotectedEntry>();
  private readonly byFunction = new Map<number, UnprotectedEntry[]>();

  constructor(index: FunctionIndex, question: EntryQuestion) {
    const queue: UnprotectedEntry[] = [];
    const offer = (fn: FunctionInfo, subject: string, entry: () => UnprotectedEntry): void => {
      const key = `${fn.id}|${subject}`;
      if (this.found.has(key)) return;
      const found = entry();
      this.found.set(key, found);
      push(this.byFunction, fn.id, found);
      queue.push(found);
    };
    for (const root of question.roots) offer(root.fn, root.subject, () => root);
    for (let i = 0; i < queue.length; i++) {
      const entry = queue[i]!;
      for (const site of index.callSites(entry.fn)) {
        for (const callee of site.callees) {
          const subject = question.passes(site, entry.subject, callee);
          if (subject === undefined) continue;
          offer(callee, subject, () => new EntryThroughCall(callee, subject, entry, site, question));
        }
      }
    }
  }

  /** The shortest way into `fn` unprotected, with `subject` (default: any). */
  entry(fn: FunctionInfo, subject?: string): UnprotectedEntry | undefined {
    if (subject !== undefined) return this.found.get(`${fn.id}|${subject}`);
    return this.byFunction.get(fn.id)?.[0];
  }

  /** Every subject `fn` is entered with unprotected. */
  entries(fn: FunctionInfo): UnprotectedEntry[] {
    return this.byFunction.get(fn.id) ?? [];
  }
}
