import { at, step } from '../../model/location.js';
import type { Rule, RuleFinding } from '../../rule-kit/rule.js';

export const syncscopeWorkitemNeedsPassive: Rule = {
  meta: {
    id: 'syncscope-workitem-needs-passive',
    code: 'DC4003',
    title: 'Serialized work item under a synchronization scope that is not passive',
    severity: 'error',
    summary:
      'WdfWorkItemCreate with AutomaticSerialization = TRUE (the WDF_WORKITEM_CONFIG_INIT default) under a device or queue whose synchronization scope is Device or Queue but whose execution level is not WdfExecutionLevelPassive.',
    rationale:
      'With automatic serialization the framework runs the work item callback holding its parent\'s synchronization-scope lock. A work item runs at PASSIVE_LEVEL and may wait, so the lock must be a passive-level lock, which a scope only has when its owner\'s ExecutionLevel is WdfExecutionLevelPassive. The documentation requires exactly that, and WdfWorkItemCreate fails otherwise: the work item is never created, and the driver either fails to start or runs without the work it defers.',
    whyTestingMisses:
      'The failure is a status code at device start-up; drivers that ignore it, or fail EvtDriverDeviceAdd on a test machine where nobody reads the log, look healthy until the deferred work is needed.',
    fix:
      'Set AutomaticSerialization = FALSE in the WDF_WORKITEM_CONFIG and synchronize the callback with a lock of your own (a wait lock), or set ExecutionLevel = WdfExecutionLevelPassive on the device or queue that owns the scope.',
    badExample: `NTSTATUS EvtDeviceAdd(WDFDRIVER Driver, PWDFDEVICE_INIT DeviceInit)
{
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_WORKITEM_CONFIG config;
    WDFDEVICE device;
    WDFWORKITEM workItem;
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.SynchronizationScope = WdfSynchronizationScopeDevice;
    NTSTATUS status = WdfDeviceCreate(&DeviceInit, &attributes, &device);
    WDF_WORKITEM_CONFIG_INIT(&config, EvtWorkItem);
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.ParentObject = device;
    return WdfWorkItemCreate(&config, &attributes, &workItem);
}`,
    goodExample: `NTSTATUS EvtDeviceAdd(WDFDRIVER Driver, PWDFDEVICE_INIT DeviceInit)
{
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_WORKITEM_CONFIG config;
    WDFDEVICE device;
    WDFWORKITEM workItem;
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.SynchronizationScope = WdfSynchronizationScopeDevice;
    NTSTATUS status = WdfDeviceCreate(&DeviceInit, &attributes, &device);
    WDF_WORKITEM_CONFIG_INIT(&config, EvtWorkItem);
    config.AutomaticSerialization = FALSE;
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.ParentObject = device;
    return WdfWorkItemCreate(&config, &attributes, &workItem);
}`,
    references: [
      { title: 'WDF_WORKITEM_CONFIG (AutomaticSerialization)', url: 'https://learn.microsoft.com/windows-hardware/drivers/ddi/wdfworkitem/ns-wdfworkitem-_wdf_workitem_config' },
      { title: 'Using automatic synchronization', url: 'https://learn.microsoft.com/windows-hardware/drivers/wdf/using-automatic-synchronization' },
    ],
  },
  check(model) {
    const findings: RuleFinding[] = [];
    for (const workItem of model.objects.all) {
      if (workItem.kind !== 'workitem') continue;
      const serialization = model.syncScopes.serialization(workItem);
      if (serialization.serialized !== true) continue;
      const lock = model.syncScopes.parentLock(workItem);
      if (lock.kind !== 'lock' || lock.passive) continue;
      const location = at(workItem.createdIn.file, workItem.call.span);
      findings.push({
        location,
        message: `This work item is created with AutomaticSerialization = TRUE under a ${lock.scope}-scope lock that is a spin lock (its owner is not passive). A work item runs at PASSIVE_LEVEL and needs a passive-level lock, so WdfWorkItemCreate fails. Set AutomaticSerialization = FALSE and use your own lock, or make the scope's owner passive.`,
        steps: [
          ...lock.steps,
          step(serialization.location, 'AutomaticSerialization is TRUE here (WDF_WORKITEM_CONFIG_INIT sets it)'),
          step(location, 'the serialized work item is created here under that scope: the create fails'),
        ],
      });
    }
    return findings;
  },
};
