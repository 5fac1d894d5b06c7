import { at, step } from '../../model/location.js';
import type { Rule, RuleFinding } from '../../rule-kit/rule.js';

export const syncscopeTimerDispatch: Rule = {
  meta: {
    id: 'syncscope-timer-dispatch',
    code: 'DC4004',
    title: 'Serialized timer or DPC under a passive synchronization scope',
    severity: 'error',
    summary:
      'WdfTimerCreate or WdfDpcCreate with AutomaticSerialization = TRUE (the INIT macros\' default) under a device or queue whose synchronization scope has a passive-level lock.',
    rationale:
      'A DPC, and a timer that is not itself passive, runs its callback at DISPATCH_LEVEL. With automatic serialization the framework runs that callback holding the parent\'s synchronization-scope lock, so the lock must be one that can be taken at DISPATCH_LEVEL: a spin lock, which a scope has only when its owner is not passive. Under a passive scope WdfTimerCreate and WdfDpcCreate fail with STATUS_WDF_INCOMPATIBLE_EXECUTION_LEVEL. The other side of the same fact is reported by the IRQL rules: a timer or DPC serialized with a dispatch-level scope runs at DISPATCH_LEVEL holding that scope\'s spin lock, and so does every callback the scope serializes.',
    whyTestingMisses:
      'The create fails at start-up and the failure is easy to lose in an error path; the timer or DPC then simply never fires, which testing only notices if it checks for the work the callback does.',
    fix:
      'Set AutomaticSerialization = FALSE and synchronize the callback with a spin lock of your own, or (for a timer) create a passive-level timer with ExecutionLevel = WdfExecutionLevelPassive in its attributes.',
    badExample: `NTSTATUS EvtDeviceAdd(WDFDRIVER Driver, PWDFDEVICE_INIT DeviceInit)
{
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_TIMER_CONFIG config;
    WDFDEVICE device;
    WDFTIMER timer;
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.SynchronizationScope = WdfSynchronizationScopeDevice;
    attributes.ExecutionLevel = WdfExecutionLevelPassive;
    NTSTATUS status = WdfDeviceCreate(&DeviceInit, &attributes, &device);
    WDF_TIMER_CONFIG_INIT(&config, EvtTimer);
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.ParentObject = device;
    return WdfTimerCreate(&config, &attributes, &timer);
}`,
    goodExample: `NTSTATUS EvtDeviceAdd(WDFDRIVER Driver, PWDFDEVICE_INIT DeviceInit)
{
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_TIMER_CONFIG config;
    WDFDEVICE device;
    WDFTIMER timer;
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.SynchronizationScope = WdfSynchronizationScopeDevice;
    attributes.ExecutionLevel = WdfExecutionLevelPassive;
    NTSTATUS status = WdfDeviceCreate(&DeviceInit, &attributes, &device);
    WDF_TIMER_CONFIG_INIT(&config, EvtTimer);
    config.AutomaticSerialization = FALSE;
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.ParentObject = device;
    return WdfTimerCreate(&config, &attributes, &timer);
}`,
    references: [
      { title: 'WdfTimerCreate (STATUS_WDF_INCOMPATIBLE_EXECUTION_LEVEL)', url: 'https://learn.microsoft.com/windows-hardware/drivers/ddi/wdftimer/nf-wdftimer-wdftimercreate' },
      { title: 'WDF_DPC_CONFIG (AutomaticSerialization)', url: 'https://learn.microsoft.com/windows-hardware/drivers/ddi/wdfdpc/ns-wdfdpc-_wdf_dpc_config' },
      { title: 'Using automatic synchronization', url: 'https://learn.microsoft.com/windows-hardware/drivers/wdf/using-automatic-synchronization' },
    ],
  },
  check(model) {
    const findings: RuleFinding[] = [];
    for (const o of model.objects.all) {
      if (o.kind !== 'timer' && o.kind !== 'dpc') continue;
      // A passive-level timer runs at PASSIVE_LEVEL; whether it may join a passive scope is not claimed.
      if (o.kind === 'timer' && o.execution.level !== 'inherit' && o.execution.level !== 'dispatch') continue;
      const serialization = model.syncScopes.serialization(o);
      if (serialization.serialized !== true) continue;
      const lock = model.syncScopes.parentLock(o);
      if (lock.kind !== 'lock' || !lock.passive) continue;
      const what = o.kind === 'timer' ? 'timer' : 'DPC';
      const create = o.kind === 'timer' ? 'WdfTimerCreate' : 'WdfDpcCreate';
      const location = at(o.createdIn.file, o.call.span);
      findings.push({
        location,
        message: `This ${what} is created with AutomaticSerialization = TRUE under a ${lock.scope} scope whose lock is a passive-level lock. Its callback runs at DISPATCH_LEVEL and cannot take that lock, so ${create} fails with STATUS_WDF_INCOMPATIBLE_EXECUTION_LEVEL. Set AutomaticSerialization = FALSE and synchronize with a spin lock of your own${o.kind === 'timer' ? ', or make the timer passive' : ''}.`,
        steps: [
          ...lock.steps,
          step(serialization.location, `AutomaticSerialization is TRUE here (${o.kind === 'timer' ? 'WDF_TIMER_CONFIG_INIT' : 'WDF_DPC_CONFIG_INIT'} sets it)`),
          step(location, `the serialized ${what}, whose callback runs at DISPATCH_LEVEL, is created here under that scope: the create fails`),
        ],
      });
    }
    return findings;
  },
};
