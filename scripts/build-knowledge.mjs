#!/usr/bin/env node
// Builds drvcheck's own structured IRQL knowledge base from the shared reference tables.
//
//   node scripts/build-knowledge.mjs [path-to-shared-data]
//
// Default data directory: <repo root>/../shared/data (the repo root is found from this
// script's location, not from the current directory). Writes:
//   src/knowledge/data/ddi-irql.json        DDI name -> IRQL the caller must be at
//   src/knowledge/data/callback-roles.json  callback role type -> IRQL the callback runs at
//
// Only facts (levels) are carried over; the documentation prose in `remarks_irql` is read to
// derive a level where the tables say the value comes from the remarks, and is never written out.
// Output is deterministic: entries sorted by name (code-unit order), keys sorted, one entry a line.

import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const scriptDir = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(scriptDir, '..');
const dataDir = process.argv[2]
  ? path.resolve(process.cwd(), process.argv[2])
  : path.resolve(repoRoot, '..', 'shared', 'data');
const outDir = path.join(repoRoot, 'src', 'knowledge', 'data');

const ATTRIBUTION =
  'IRQL requirement facts derived from the Windows driver DDI reference, (c) Microsoft, CC-BY-4.0; ' +
  'KMDF SAL IRQL annotations from the KMDF 1.33 public headers of microsoft/Windows-Driver-Frameworks (MIT)';
const WDF_HEADER_PREFIX = 'microsoft/Windows-Driver-Frameworks:src/publicinc/wdf/kmdf/1.33/';

const FILES = {
  ddi: 'ddi_irql.tsv',
  callbacks: 'ddi_irql_callbacks.tsv',
  wdfHeader: 'wdf_header_irql.tsv',
  wdfHeaderCallbacks: 'wdf_header_irql_callbacks.tsv',
};

// ---------------------------------------------------------------------------------------------
// Levels

const LEVELS = ['PASSIVE', 'APC', 'DISPATCH', 'DIRQL', 'HIGH'];
const RANK = Object.fromEntries(LEVELS.map((l, i) => [l, i]));
const highest = (levels) => levels.reduce((a, b) => (RANK[b] > RANK[a] ? b : a));

/** 'DISPATCH_LEVEL' / 'DIRQL' / 'IPI_LEVEL' ... -> level, or undefined. */
function levelOf(token) {
  const t = token.trim().replace(/^(==|<=|=)\s*/, '');
  const m = /^(PASSIVE|APC|DISPATCH|HIGH)_LEVEL$/.exec(t);
  if (m) return m[1];
  if (t === 'DIRQL') return 'DIRQL';
  if (t === 'IPI_LEVEL') return 'HIGH'; // above every DIRQL; closest level we model
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Explicit corrections where the normalised table value is demonstrably misleading for a checker
// (wrong direction, post-call IRQL taken as the requirement, remarks sentence truncated).
// Values are our own encoding of the documented requirement; `why` is a short note for reviewers.

const DDI_CORRECTIONS = {
  KeIsExecutingDpc: { max: 'DISPATCH', why: 'query routine; table says =DISPATCH, but it is used below DISPATCH to ask whether a DPC runs' },
  ExAcquireSpinLockShared: { max: 'DISPATCH', why: 'caller must be <= DISPATCH; DISPATCH is the IRQL after the call' },
  NdisMResetComplete: { max: 'DISPATCH', why: '<= DISPATCH since NDIS 6.0 (older NDIS: = DISPATCH)' },
  FltAllocatePoolAlignedWithTag: { max: 'DISPATCH', conditional: true, why: 'DISPATCH allowed for nonpaged pool types, else <= APC' },
  WskCaptureProviderNPI: { max: 'DISPATCH', conditional: true, why: 'PASSIVE unless WaitTimeout is WSK_NO_WAIT, then <= DISPATCH' },
  KsDeviceGetBusData: { max: 'DISPATCH', conditional: true, why: 'PASSIVE or DISPATCH depending on the bus interface' },
  MmMapLockedPages: { max: 'DISPATCH', conditional: true, why: 'KernelMode: <= DISPATCH; UserMode: <= APC' },
  KdPrintEx: { max: 'DIRQL', conditional: true, why: 'like DbgPrintEx (<= DIRQL); Unicode format codes only at PASSIVE' },
  NdisFreeMemory: { max: 'DISPATCH', conditional: true, why: 'PASSIVE for contiguous/noncached memory, else <= DISPATCH' },
  NdisFreeMemoryWithTag: { max: 'DISPATCH', conditional: true, why: 'PASSIVE for contiguous/noncached memory, else <= DISPATCH' },
  NdisFreeMemoryWithTagPriority: { max: 'DISPATCH', conditional: true, why: 'PASSIVE for contiguous/noncached memory, else <= DISPATCH' },
  NdisInitAnsiString: { max: 'DISPATCH', conditional: true, why: '<= DISPATCH when the buffer is nonpaged; usually PASSIVE' },
  NdisInitUnicodeString: { max: 'DISPATCH', conditional: true, why: '<= DISPATCH when the buffer is nonpaged; usually PASSIVE' },
  RtlInitStringEx: { max: 'DISPATCH', conditional: true, why: '<= DISPATCH when the buffer is nonpageable; usually PASSIVE' },
  RtlInitializeSplayLinks: { max: 'DISPATCH', conditional: true, why: '<= DISPATCH when the links are nonpaged; usually PASSIVE' },
  RtlInsertAsLeftChild: { max: 'DISPATCH', conditional: true, why: '<= DISPATCH when the nodes are nonpaged; usually PASSIVE' },
  RtlInsertAsRightChild: { max: 'DISPATCH', conditional: true, why: '<= DISPATCH when the nodes are nonpaged; usually PASSIVE' },
  RtlIsRoot: { max: 'DISPATCH', conditional: true, why: '<= DISPATCH when the links are nonpaged; usually PASSIVE' },
  RtlAppendUnicodeStringToString: { max: 'HIGH', conditional: true, why: 'any IRQL with resident buffers; pageable buffers need < DISPATCH' },
  RtlAppendUnicodeToString: { max: 'HIGH', conditional: true, why: 'any IRQL with resident buffers; pageable buffers need < DISPATCH' },
  StorPortSetPriorityThread: { omit: true, why: 'the only IRQL statement describes the thread, not the caller' },
  KeAcquireSpinLockAtDpcLevel: { max: 'HIGH', min: 'DISPATCH', why: 'caller must already be >= DISPATCH; table read the advice for <= APC callers as an alternative' },
  KeSetEvent: { max: 'DISPATCH', conditional: true, why: 'table UNKNOWN: Wait=FALSE <= DISPATCH, Wait=TRUE <= APC' },
  KeReleaseSemaphore: { max: 'DISPATCH', conditional: true, why: 'table UNKNOWN: Wait=FALSE <= DISPATCH, Wait=TRUE <= APC' },
};

// Names drivers write that are macros over a documented routine (not in the aliases column).
const DDI_MACRO_ALIASES = {
  IoCompleteRequest: 'IofCompleteRequest',
  KeWaitForMutexObject: 'KeWaitForSingleObject',
};

const ROLE_CORRECTIONS = {
  KIPI_BROADCAST_WORKER: { max: 'HIGH', min: 'DIRQL', why: 'runs at IPI_LEVEL, above every DIRQL' },
};

// ---------------------------------------------------------------------------------------------
// TSV

function readTsv(file) {
  const text = readFileSync(path.join(dataDir, file), 'utf8');
  const lines = text.split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => l.length > 0);
  const header = lines[0].split('\t');
  return lines.slice(1).map((line, i) => {
    const cells = line.split('\t');
    if (cells.length !== header.length) {
      throw new Error(`${file}:${i + 2}: expected ${header.length} columns, got ${cells.length}`);
    }
    return Object.fromEntries(header.map((h, j) => [h, cells[j]]));
  });
}

// ---------------------------------------------------------------------------------------------
// Normalisation of `irql_effective`
//
// Result: { status: 'ok', max, min?, conditional, rule } | { status: 'any' } | { status: 'unknown' }

function normalize(row, forRole) {
  let e = row.irql_effective.trim();
  e = e.replace(/\s*\(remarks add conditions\)$/, '');
  if (['', 'UNKNOWN', 'UNSPECIFIED', 'OTHER', 'SEE_REMARKS'].includes(e)) return { status: 'unknown' };
  if (e === 'ANY') return forRole ? ok('HIGH', undefined, false, 'any') : { status: 'any' };

  let fromRemarks = false;
  if (e.startsWith('remarks:')) {
    fromRemarks = true;
    e = e.slice('remarks:'.length);
  }

  let result;
  const alt = /^(conditional|raw):(.*)$/.exec(e);
  if (alt) {
    const levels = alt[2].split('|').map(levelOf).filter(Boolean);
    if (levels.length === 0) return { status: 'unknown' };
    result = ok(highest(levels), undefined, true, 'alternatives');
  } else {
    const m = /^(==|<=)?\s*(\S+)$/.exec(e);
    const level = m && levelOf(m[2]);
    if (!level) return { status: 'unknown' };
    const exact = m[1] !== '<=';
    if (level === 'HIGH' && !exact) return forRole ? ok('HIGH', undefined, false, '<=HIGH') : { status: 'any' };
    result = ok(level, exact && level !== 'PASSIVE' ? level : undefined, false, exact ? '==' : '<=');

    const raw = row.irql_raw;
    // R4: the table read a SAL `_IRQL_requires_max_(X)` as `== X`.
    const sal = /_IRQL_requires_max_\((\w+)\)/.exec(raw);
    if (exact && sal && levelOf(sal[1]) === level) {
      result = ok(level, undefined, false, 'raw-sal-max');
    }
    // R5: the documentation says `>= X` (the table kept only X): min X, no upper bound.
    const ge = />=\s*(\w+)|greater than or equal to (\w+)/i.exec(raw);
    if (ge && levelOf(ge[1] ?? ge[2]) === level && level !== 'HIGH') {
      result = ok('HIGH', level, false, 'raw->=');
    }
  }

  if (fromRemarks) {
    // R1: a level read from remarks prose carries conditions; never assert a minimum from it.
    result = ok(result.max, undefined, true, 'remarks');
    // R2: the remarks allow some calls at any IRQL -> least restrictive alternative is HIGH.
    if (/\bany IRQL\b/i.test(row.remarks_irql)) result = ok('HIGH', undefined, true, 'remarks-any');
  }
  return result;
}

function ok(max, min, conditional, rule) {
  const r = { status: 'ok', max, conditional, rule };
  if (min) r.min = min;
  return r;
}

// ---------------------------------------------------------------------------------------------
// KMDF header SAL annotations

/** Returns null when the annotation states no level (fall back to the documentation). */
function parseSal(annotation, whenClauses) {
  const all = (re, s) => [...(s ?? '').matchAll(re)].map((m) => levelOf(m[1])).filter(Boolean);
  if (whenClauses && whenClauses.trim()) {
    const levels = all(/_IRQL_requires_max_\((\w+)\)/g, whenClauses);
    if (levels.length === 0) return null;
    return ok(highest(levels), undefined, true, 'sal-when');
  }
  const exact = all(/_IRQL_requires_\((\w+)\)/g, annotation);
  if (exact.length === 1) {
    const l = exact[0];
    return ok(l, l !== 'PASSIVE' ? l : undefined, false, 'sal-requires');
  }
  const maxes = all(/_IRQL_requires_max_\((\w+)\)/g, annotation);
  if (maxes.length === 0) return null;
  const max = highest(maxes);
  const mins = all(/_IRQL_requires_min_\((\w+)\)/g, annotation).filter((l) => l !== 'PASSIVE');
  const r = ok(max, mins.length === 1 && RANK[mins[0]] <= RANK[max] ? mins[0] : undefined, maxes.length > 1, 'sal');
  return r;
}

// ---------------------------------------------------------------------------------------------
// Merging

const HEADER_PREFERENCE = ['wdm.h', 'ntddk.h', 'ntifs.h', 'fltkernel.h', 'wdf'];
function headerRank(row) {
  const h = (row.header || '').toLowerCase();
  const i = HEADER_PREFERENCE.findIndex((p) => h.startsWith(p));
  return i < 0 ? HEADER_PREFERENCE.length : i;
}

/** Several documentation rows for one name (same DDI documented in several headers). */
function mergeRows(items) {
  const known = items.filter((x) => x.n.status === 'ok');
  if (items.some((x) => x.n.status === 'any')) return { n: { status: 'any' }, row: items[0].row };
  if (known.length === 0) return { n: { status: 'unknown' }, row: items[0].row };
  const max = highest(known.map((x) => x.n.max));
  const atMax = known
    .filter((x) => x.n.max === max)
    .sort((a, b) => headerRank(a.row) - headerRank(b.row) || cmp(a.row.source, b.row.source));
  const mins = new Set(known.map((x) => x.n.min ?? ''));
  const min = mins.size === 1 ? [...mins][0] || undefined : undefined;
  const maxes = new Set(known.map((x) => x.n.max));
  const conditional = known.some((x) => x.n.conditional) || maxes.size > 1;
  return { n: ok(max, min, conditional, known.length > 1 ? 'merged' : atMax[0].n.rule), row: atMax[0].row };
}

function cmp(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

function groupBy(rows, key) {
  const m = new Map();
  for (const r of rows) {
    const k = r[key];
    if (!m.has(k)) m.set(k, []);
    m.get(k).push(r);
  }
  return m;
}

function toEntry(n, source, extra = {}) {
  const e = { max: n.max, source };
  if (n.min) e.min = n.min;
  if (n.conditional) e.conditional = true;
  return { ...e, ...extra };
}

function applyCorrection(corr, n) {
  if (corr.omit) return { status: 'any', corrected: true };
  return { ...ok(corr.max, corr.min, corr.conditional === true, 'corrected'), corrected: true, was: n };
}

// ---------------------------------------------------------------------------------------------
// DDIs

function buildDdis() {
  const rows = readTsv(FILES.ddi);
  const headerRows = readTsv(FILES.wdfHeader);
  const stats = { docRows: rows.length, headerRows: headerRows.length, omittedAny: [], omittedUnknown: [],
    headerOverrides: 0, headerOnly: 0, headerDisagreements: [], corrections: [], aliases: 0, ruleCounts: {} };
  const entries = new Map();
  const omitted = new Map(); // name -> reason
  const docByName = new Map();

  for (const [name, group] of groupBy(rows, 'name')) {
    let { n, row } = mergeRows(group.map((r) => ({ n: normalize(r, false), row: r })));
    if (DDI_CORRECTIONS[name]) {
      stats.corrections.push(name);
      n = applyCorrection(DDI_CORRECTIONS[name], n);
    }
    docByName.set(name, { n, row });
  }

  const header = new Map(headerRows.map((r) => [r.name, r]));
  const names = new Set([...docByName.keys(), ...header.keys()]);
  for (const name of names) {
    const doc = docByName.get(name);
    const h = header.get(name);
    const sal = h ? parseSal(h.header_irql_annotation, h.when_clauses) : null;
    let n;
    let source;
    if (sal) {
      const docN = doc?.n;
      // The header annotation is what Code Analysis uses: it wins. Keep the documentation's
      // "conditional" marker when both agree on the least restrictive level.
      const conditional = sal.conditional || (docN?.status === 'ok' && docN.conditional && RANK[docN.max] <= RANK[sal.max]);
      n = ok(sal.max, sal.min, conditional, sal.rule);
      source = h.source;
      if (!doc) stats.headerOnly++;
      else stats.headerOverrides++;
      if (docN?.status === 'ok' && (docN.max !== sal.max || (docN.min ?? '') !== (sal.min ?? ''))) {
        stats.headerDisagreements.push(`${name}: doc ${fmt(docN)} -> header ${fmt(sal)}`);
      }
      // A plain _IRQL_requires_max_(HIGH_LEVEL) states no requirement.
      if (sal.max === 'HIGH' && !sal.min && !sal.conditional) {
        omitted.set(name, 'header: HIGH_LEVEL (no requirement)');
        stats.omittedAny.push(name);
        continue;
      }
    } else {
      n = doc.n;
      source = doc.row.source;
    }
    if (n.status === 'any') {
      omitted.set(name, n.corrected ? 'corrected: no caller requirement' : 'ANY / <=HIGH_LEVEL (no requirement)');
      stats.omittedAny.push(name);
      continue;
    }
    if (n.status === 'unknown') {
      omitted.set(name, 'UNKNOWN / unspecified');
      stats.omittedUnknown.push(name);
      continue;
    }
    // Plain HIGH without a minimum or alternatives is "no requirement".
    if (n.max === 'HIGH' && !n.min && !n.conditional) {
      omitted.set(name, 'HIGH (no requirement)');
      stats.omittedAny.push(name);
      continue;
    }
    stats.ruleCounts[n.rule] = (stats.ruleCounts[n.rule] ?? 0) + 1;
    entries.set(name, toEntry(n, source));
  }

  // Aliases: same requirement under the alias name unless the alias has its own row.
  for (const r of rows) {
    for (const alias of splitAliases(r.aliases)) {
      if (names.has(alias) || entries.has(alias)) continue;
      const target = entries.get(r.name);
      if (!target) continue;
      entries.set(alias, { ...target, alias: r.name });
      stats.aliases++;
    }
  }
  for (const [alias, target] of Object.entries(DDI_MACRO_ALIASES)) {
    if (names.has(alias) || entries.has(alias) || !entries.has(target)) continue;
    entries.set(alias, { ...entries.get(target), alias: target });
    stats.aliases++;
  }
  return { entries, omitted, stats };
}

function splitAliases(s) {
  return (s || '').split(/[\s,;|]+/).filter(Boolean);
}

function fmt(n) {
  if (n.status !== 'ok') return n.status;
  return `${n.min ? `${n.min}..` : '<='}${n.max}${n.conditional ? ' (conditional)' : ''}`;
}

// ---------------------------------------------------------------------------------------------
// Callback roles

function buildRoles() {
  const rows = readTsv(FILES.callbacks);
  const headerRows = readTsv(FILES.wdfHeaderCallbacks);
  const stats = { docRows: rows.length, headerRows: headerRows.length, unknown: 0, headerOverrides: 0,
    headerOnly: 0, headerDisagreements: [], corrections: [], aliases: 0, pointerAliases: [] };
  const roles = new Map();
  const docByName = new Map();

  for (const [name, group] of groupBy(rows, 'name')) {
    let { n, row } = mergeRows(group.map((r) => ({ n: normalize(r, true), row: r })));
    if (ROLE_CORRECTIONS[name]) {
      stats.corrections.push(name);
      n = applyCorrection(ROLE_CORRECTIONS[name], n);
    }
    docByName.set(name, { n, row });
  }

  const header = new Map(headerRows.map((r) => [r.role_type, r]));
  const names = new Set([...docByName.keys(), ...header.keys()]);
  for (const name of names) {
    const doc = docByName.get(name);
    const h = header.get(name);
    const sal = h ? parseSal(h.header_irql_annotation, '') : null;
    let n;
    let source;
    if (sal) {
      const docN = doc?.n;
      const conditional = sal.conditional || (docN?.status === 'ok' && docN.conditional && RANK[docN.max] <= RANK[sal.max]);
      n = ok(sal.max, sal.min, conditional, sal.rule);
      source = WDF_HEADER_PREFIX + h.header;
      if (!doc) stats.headerOnly++;
      else stats.headerOverrides++;
      if (docN?.status === 'ok' && (docN.max !== sal.max || (docN.min ?? '') !== (sal.min ?? ''))) {
        stats.headerDisagreements.push(`${name}: doc ${fmt(docN)} -> header ${fmt(sal)}`);
      }
    } else if (doc) {
      n = doc.n;
      source = doc.row.source;
    } else {
      n = { status: 'unknown' };
      source = WDF_HEADER_PREFIX + h.header;
    }
    if (n.status === 'ok') {
      roles.set(name, toEntry(n, source));
    } else {
      // 'any' cannot happen for roles (mapped to HIGH); unknown keeps the role with max null.
      stats.unknown++;
      roles.set(name, { max: null, source });
    }
  }

  for (const r of rows) {
    for (const alias of splitAliases(r.aliases)) {
      if (names.has(alias) || roles.has(alias)) continue;
      roles.set(alias, { ...roles.get(r.name), alias: r.name });
      stats.aliases++;
    }
  }
  // Filter Manager callbacks are documented under their pointer typedef (PFLT_...); also accept
  // the non-pointer name a driver may use in a role-type declaration.
  for (const name of [...roles.keys()]) {
    if (!name.startsWith('PFLT_')) continue;
    const bare = name.slice(1);
    if (roles.has(bare)) continue;
    const { alias: _ignored, ...base } = roles.get(name);
    roles.set(bare, { ...base, alias: name });
    stats.pointerAliases.push(bare);
  }
  return { roles, stats };
}

// ---------------------------------------------------------------------------------------------
// Output

function sortKeys(obj) {
  return Object.fromEntries(Object.keys(obj).sort(cmp).map((k) => [k, obj[k]]));
}

function writeJson(file, head, mapKey, map) {
  const lines = ['{'];
  for (const [k, v] of Object.entries(head)) lines.push(`  ${JSON.stringify(k)}: ${JSON.stringify(v)},`);
  lines.push(`  ${JSON.stringify(mapKey)}: {`);
  const names = [...map.keys()].sort(cmp);
  names.forEach((name, i) => {
    const comma = i === names.length - 1 ? '' : ',';
    lines.push(`    ${JSON.stringify(name)}: ${JSON.stringify(sortKeys(map.get(name)))}${comma}`);
  });
  lines.push('  }', '}', '');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(path.join(outDir, file), lines.join('\n'));
}

const ddi = buildDdis();
const roles = buildRoles();

writeJson('ddi-irql.json',
  { attribution: ATTRIBUTION, generatedFrom: [FILES.ddi, FILES.wdfHeader] }, 'ddis', ddi.entries);
writeJson('callback-roles.json',
  { attribution: ATTRIBUTION, generatedFrom: [FILES.callbacks, FILES.wdfHeaderCallbacks] }, 'roles', roles.roles);

// ---------------------------------------------------------------------------------------------
// Report

const s = ddi.stats;
const countBy = (map, f) => [...map.values()].filter(f).length;
console.log(`data: ${dataDir}`);
console.log(`ddi-irql.json: ${ddi.entries.size} entries ` +
  `(doc rows ${s.docRows}, header rows ${s.headerRows}; header overrides ${s.headerOverrides}, header-only ${s.headerOnly}; ` +
  `omitted: no requirement ${s.omittedAny.length}, unknown ${s.omittedUnknown.length}; aliases ${s.aliases}; ` +
  `corrections ${s.corrections.length})`);
console.log('  by level: ' + LEVELS.map((l) => `${l} ${countBy(ddi.entries, (e) => e.max === l)}`).join(', ') +
  `; with min ${countBy(ddi.entries, (e) => e.min)}; conditional ${countBy(ddi.entries, (e) => e.conditional)}`);
console.log('  derivation: ' + Object.entries(s.ruleCounts).sort((a, b) => cmp(a[0], b[0])).map(([k, v]) => `${k} ${v}`).join(', '));
console.log(`  header vs doc disagreements (${s.headerDisagreements.length}):`);
for (const d of s.headerDisagreements) console.log('    ' + d);

const r = roles.stats;
console.log(`callback-roles.json: ${roles.roles.size} roles ` +
  `(doc rows ${r.docRows}, header rows ${r.headerRows}; header overrides ${r.headerOverrides}, header-only ${r.headerOnly}; ` +
  `unknown level ${r.unknown}; aliases ${r.aliases}; PFLT_ non-pointer names ${r.pointerAliases.length}; corrections ${r.corrections.length})`);
console.log('  by level: ' + LEVELS.map((l) => `${l} ${countBy(roles.roles, (e) => e.max === l)}`).join(', ') +
  `, null ${countBy(roles.roles, (e) => e.max === null)}; conditional ${countBy(roles.roles, (e) => e.conditional)}`);
console.log(`  header vs doc disagreements (${r.headerDisagreements.length}):`);
for (const d of r.headerDisagreements) console.log('    ' + d);

const SANITY_DDIS = ['WdfRequestSend', 'KeWaitForSingleObject', 'ZwCreateFile', 'MmMapLockedPagesSpecifyCache',
  'ExAcquireFastMutex', 'WdfWaitLockAcquire', 'WdfIoQueuePurgeSynchronously', 'FltGetFileNameInformation',
  'KeAcquireSpinLock', 'IoCallDriver', 'WdfIoTargetSendIoctlSynchronously'];
const SANITY_ROLES = ['EVT_WDF_IO_QUEUE_IO_READ', 'EVT_WDF_IO_IN_CALLER_CONTEXT', 'EVT_WDF_REQUEST_COMPLETION_ROUTINE',
  'EVT_WDF_TIMER', 'EVT_WDF_DPC', 'EVT_WDF_WORKITEM', 'KDEFERRED_ROUTINE', 'DRIVER_DISPATCH', 'IO_COMPLETION_ROUTINE',
  'PFLT_POST_OPERATION_CALLBACK', 'PFLT_PRE_OPERATION_CALLBACK', 'EVT_WDF_INTERRUPT_ISR'];
const brief = (e) => {
  const { source, ...rest } = e;
  return `${JSON.stringify(rest)}  [${source}]`;
};
console.log('sanity check, DDIs:');
for (const n of SANITY_DDIS) {
  const e = ddi.entries.get(n);
  console.log(`  ${n}: ${e ? brief(e) : `(no entry: ${ddi.omitted.get(n) ?? 'not in tables'})`}`);
}
console.log('sanity check, roles:');
for (const n of SANITY_ROLES) {
  const e = roles.roles.get(n);
  console.log(`  ${n}: ${e ? brief(e) : '(not in tables)'}`);
}
