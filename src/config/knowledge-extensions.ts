/**
 * Turns the `knowledge` section of a configuration into typed extensions of the built-in
 * tables, rejecting role names and levels drvcheck does not know, with the file and key.
 */
import type { IrqlLevel } from '../knowledge/ddi.js';
import type { KnowledgeExtensions } from '../knowledge/extensions.js';
import { FIELD_ROLES, ROLE_OVERRIDES } from '../knowledge/registrations.js';
import { isKnownRoleType } from '../knowledge/roles.js';
import { ConfigError, type ResolvedConfig } from './config.js';

const LEVELS: Readonly<Record<string, IrqlLevel>> = {
  PASSIVE_LEVEL: 'PASSIVE',
  APC_LEVEL: 'APC',
  DISPATCH_LEVEL: 'DISPATCH',
  DIRQL: 'DIRQL',
  HIGH_LEVEL: 'HIGH',
};

export function knowledgeExtensions(config: ResolvedConfig): KnowledgeExtensions {
  const source = config.files[0] ?? 'configuration';
  const k = config.knowledge;
  const roleOf = (value: string, key: string): string => {
    const role = FIELD_ROLES[value] ?? value;
    if (!isKnownRoleType(role) && !(role in ROLE_OVERRIDES)) {
      throw new ConfigError(`${source}: ${key}: unknown callback role \`${value}\` (use a role type such as EVT_WDF_IO_QUEUE_IO_READ or a field name such as EvtIoRead)`);
    }
    return role;
  };
  return {
    ddis: new Map(Object.entries(k.ddis).map(([name, d]) => [name, { max: LEVELS[d.maxIrql]!, ...(d.why ? { why: d.why } : {}), source }])),
    locks: new Map(
      Object.entries(k.locks).map(([name, l]) => [
        name,
        {
          raisesTo: LEVELS[l.raisesTo]!,
          key: l.lockArgument ?? 0,
          releasedBy: typeof l.releasedBy === 'string' ? [l.releasedBy] : [...l.releasedBy],
          releaseKey: l.lockArgument ?? 0,
          what: `${name} (declared in ${source})`,
          source,
        },
      ]),
    ),
    functionRoles: new Map(Object.entries(k.roles).map(([fn, role]) => [fn, { roleType: roleOf(role, `knowledge.roles.${fn}`), source }])),
    registrations: new Map(
      Object.entries(k.registrations).map(([fn, r]) => [fn, { arg: r.argument, role: roleOf(r.role, `knowledge.registrations.${fn}.role`), source }]),
    ),
  };
}
