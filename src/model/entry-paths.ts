/**
 * Interprocedural "is there a way in without it" questions. A rule names the callbacks through
 * which code is entered unprotected (a dispatch routine with normal kernel APCs enabled, a
 * dispatch routine with an IRP whose MDL nobody checked yet), and says at each call whether the
 * caller may reach it still unprotected and under which name the subject travels on (the IRP
 * parameter of the callee). The answer, for each function and subject, is the shortest chain of
 * calls that proves it: the path steps of a finding.
 */
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

export class UnprotectedEntries {
  private readonly found = new Map<string, UnprotectedEntry>();
  private readonly byFunction = new Map<number, UnprotectedEntry[]>();

  constructor(index: FunctionIndex, question: EntryQuestion) {
    const queue: UnprotectedEntry[] = [];
    const offer = (entry: UnprotectedEntry): void => {
      const key = `${entry.fn.id}|${entry.subject}`;
      if (this.found.has(key)) return;
      this.found.set(key, entry);
      const list = this.byFunction.get(entry.fn.id);
      if (list) list.push(entry);
      else this.byFunction.set(entry.fn.id, [entry]);
      queue.push(entry);
    };
    for (const root of question.roots) offer(root);
    for (let i = 0; i < queue.length; i++) {
      const entry = queue[i]!;
      for (const site of index.callSites(entry.fn)) {
        for (const callee of site.callees) {
          const subject = question.passes(site, entry.subject, callee);
          if (subject === undefined) continue;
          offer({
            fn: callee,
            subject,
            steps: [...entry.steps, step(at(entry.fn.file, site.call.span), question.describe(site, callee, entry.subject))],
          });
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
