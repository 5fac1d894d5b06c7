/**
 * One driver unit's model: its functions and call graph, callbacks, WDF objects, and the
 * derived facts rules ask for (IRQL, thread context, I/O target origins). Each fact is
 * computed once, on first use, and never changes after.
 */
import { NO_EXTENSIONS, type KnowledgeExtensions } from '../knowledge/extensions.js';
import { isKnownRoleType } from '../knowledge/roles.js';
import { ROLE_OVERRIDES } from '../knowledge/registrations.js';
import type { FileFacts } from '../parser/facts.js';
import type { DriverUnit } from '../source/discover.js';
import { findCallbacks, type Callback } from './callbacks.js';
import { FunctionIndex } from './functions.js';
import { IoTargets } from './io-targets.js';
import { IrqlAnalysis } from './irql.js';
import { ThreadContextAnalysis } from './thread-context.js';
import { WdfObjects } from './wdf-objects.js';

export class DriverModel {
  readonly functions: FunctionIndex;
  private cached: {
    objects?: WdfObjects;
    callbacks?: readonly Callback[];
    irql?: IrqlAnalysis;
    context?: ThreadContextAnalysis;
    targets?: IoTargets;
  } = {};

  constructor(
    readonly unit: DriverUnit,
    readonly files: readonly FileFacts[],
    /** The codebase's own facts about its wrappers, from its configuration. */
    readonly knowledge: KnowledgeExtensions = NO_EXTENSIONS,
  ) {
    this.functions = new FunctionIndex(files, (name) => isKnownRoleType(name) || name in ROLE_OVERRIDES, new Map(unit.defines));
  }

  /** A UMDF driver runs in a user-mode host process: kernel IRQL and context rules do not apply. */
  get isUserMode(): boolean {
    return this.unit.driverType?.toUpperCase() === 'UMDF';
  }

  get objects(): WdfObjects {
    return (this.cached.objects ??= new WdfObjects(this.functions));
  }

  get callbacks(): readonly Callback[] {
    return (this.cached.callbacks ??= findCallbacks(this.functions, this.objects, this.files, this.knowledge));
  }

  get irql(): IrqlAnalysis {
    return (this.cached.irql ??= new IrqlAnalysis(this.functions, this.callbacks, this.objects, this.knowledge));
  }

  get threadContext(): ThreadContextAnalysis {
    return (this.cached.context ??= new ThreadContextAnalysis(this.functions, this.callbacks));
  }

  get ioTargets(): IoTargets {
    return (this.cached.targets ??= new IoTargets(this.functions));
  }
}
