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
import { CallbackReachability } from './callback-reach.js';
import { DeviceInits } from './device-inits.js';
import { ReceivedRequests } from './received-requests.js';
import { RequestCompletions } from './request-completion.js';
import { SyncScopes } from './sync-scope.js';

export class DriverModel {
  readonly functions: FunctionIndex;
  private cached: {
    objects?: WdfObjects;
    callbacks?: readonly Callback[];
    irql?: IrqlAnalysis;
    context?: ThreadContextAnalysis;
    targets?: IoTargets;
    received?: ReceivedRequests;
    inits?: DeviceInits;
    reach?: Map<string, CallbackReachability>;
    scopes?: SyncScopes;
    completions?: RequestCompletions;
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
    return (this.cached.irql ??= new IrqlAnalysis(this.functions, this.callbacks, this.objects, this.syncScopes, this.knowledge));
  }

  get threadContext(): ThreadContextAnalysis {
    return (this.cached.context ??= new ThreadContextAnalysis(this.functions, this.callbacks));
  }

  get ioTargets(): IoTargets {
    return (this.cached.targets ??= new IoTargets(this.functions));
  }

  // WDF request and device facts (issue 4).

  /** Requests delivered to the driver's request handlers, followed into its helpers. */
  get receivedRequests(): ReceivedRequests {
    return (this.cached.received ??= new ReceivedRequests(this.functions, this.callbacks));
  }

  /** The WDFDEVICE_INIT structures the driver fills, their origins and the calls made on them. */
  get deviceInits(): DeviceInits {
    return (this.cached.inits ??= new DeviceInits(this.functions, this.callbacks));
  }

  /** Where requests are completed, by completion DDIs and by helpers that always complete. */
  get requestCompletions(): RequestCompletions {
    return (this.cached.completions ??= new RequestCompletions());
  }

  /** Synchronization scopes, their callback locks, and the objects serialized under them. */
  get syncScopes(): SyncScopes {
    return (this.cached.scopes ??= new SyncScopes(this.functions, this.objects));
  }

  /** The functions that run inside callbacks of the given roles, each with its shortest path. */
  reachedFrom(roles: ReadonlySet<string>): CallbackReachability {
    const key = [...roles].sort().join(',');
    const cache = (this.cached.reach ??= new Map());
    let reach = cache.get(key);
    if (!reach) {
      reach = new CallbackReachability(this.functions, this.callbacks, roles);
      cache.set(key, reach);
    }
    return reach;
  }
}
