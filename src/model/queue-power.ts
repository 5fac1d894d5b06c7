/**
 * Whether a queue is power-managed: `PowerManaged` in its configuration, else the framework's
 * default, which is power-managed for a function or bus driver's queues and not for a filter
 * driver's (one that calls WdfFdoInitSetFilter) nor for a control device's.
 */
import type { DeviceInits } from './device-inits.js';
import type { FunctionIndex } from './functions.js';
import { at, type Location } from './location.js';
import type { WdfObject } from './wdf-objects.js';

export type QueuePower =
  | { readonly kind: 'managed'; readonly why: string; readonly location: Location }
  | { readonly kind: 'unmanaged' }
  | { readonly kind: 'unknown' };

const TRUE_VALUES = /^(WdfTrue|TRUE|1)$/;
const FALSE_VALUES = /^(WdfFalse|FALSE|0)$/;

export function queuePower(queue: WdfObject, devices: readonly WdfObject[], inits: DeviceInits, index: FunctionIndex): QueuePower {
  if (queue.config.kind !== 'known') return { kind: 'unknown' };
  const field = queue.config.fields.get('PowerManaged');
  const value = field?.value.replace(/\s+/g, '');
  if (field && value && TRUE_VALUES.test(value)) return { kind: 'managed', why: `PowerManaged = ${field.value}`, location: at(queue.createdIn.file, field.span) };
  if (value && FALSE_VALUES.test(value)) return { kind: 'unmanaged' };
  if (value && value !== 'WdfUseDefault') return { kind: 'unknown' };
  if (index.calls('WdfFdoInitSetFilter')) return { kind: 'unmanaged' };
  const device = devices.find((d) => d.createdIn === queue.createdIn && d.handle !== undefined && d.handle === queue.parent);
  const origin = device ? inits.originOfDevice(device) : undefined;
  if (origin?.kind === 'control') return { kind: 'unmanaged' };
  // A control device's queues are not power-managed: with one in the unit, the device must be known.
  if ((!origin || origin.kind === 'unknown') && index.calls('WdfControlDeviceInitAllocate')) return { kind: 'unknown' };
  return {
    kind: 'managed',
    why: 'PowerManaged is left to the framework, whose default for a driver that is not a filter (no WdfFdoInitSetFilter) is a power-managed queue',
    location: queue.location,
  };
}
