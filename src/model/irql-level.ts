/**
 * IRQL levels as the analysis compares them, and how to read them from SAL annotations
 * (`_IRQL_requires_max_(DISPATCH_LEVEL)`, `__drv_maxIRQL(2)`).
 */
import { IRQL_ORDER, irqlName, type IrqlLevel } from '../knowledge/ddi.js';

export type { IrqlLevel };
export { irqlName };

export function rank(level: IrqlLevel): number {
  return IRQL_ORDER[level];
}

export function higher(a: IrqlLevel, b: IrqlLevel): IrqlLevel {
  return rank(a) >= rank(b) ? a : b;
}

export function lower(a: IrqlLevel, b: IrqlLevel): IrqlLevel {
  return rank(a) <= rank(b) ? a : b;
}

const NAMED: Record<string, IrqlLevel> = {
  PASSIVE_LEVEL: 'PASSIVE',
  LOW_LEVEL: 'PASSIVE',
  APC_LEVEL: 'APC',
  DISPATCH_LEVEL: 'DISPATCH',
  DPC_LEVEL: 'DISPATCH',
  DIRQL: 'DIRQL',
  CMCI_LEVEL: 'DIRQL',
  PROFILE_LEVEL: 'HIGH',
  CLOCK_LEVEL: 'HIGH',
  CLOCK1_LEVEL: 'HIGH',
  CLOCK2_LEVEL: 'HIGH',
  IPI_LEVEL: 'HIGH',
  DRS_LEVEL: 'HIGH',
  POWER_LEVEL: 'HIGH',
  HIGH_LEVEL: 'HIGH',
  SYNCH_LEVEL: 'DIRQL',
};

/** Reads an IRQL written in source: a level name or a small number; undefined if not a constant. */
export function parseIrql(text: string): IrqlLevel | undefined {
  const t = text.replace(/[()\s]/g, '');
  if (NAMED[t]) return NAMED[t];
  if (/^\d+$/.test(t)) {
    const n = Number(t);
    if (n === 0) return 'PASSIVE';
    if (n === 1) return 'APC';
    if (n === 2) return 'DISPATCH';
    if (n >= 3 && n <= 26) return 'DIRQL';
    return 'HIGH';
  }
  return undefined;
}
