#!/usr/bin/env node
// Measures how many C/C++ function definitions drvcheck's parser recovers, against an
// independent count from Universal Ctags (Debian package `universal-ctags`).
//
//   npm run build && node scripts/measure-function-recovery.mjs DIR [--list-missed N]
//
// A ctags definition counts as recovered when drvcheck reports a function of the same name
// in the same file whose name is on the same line.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { extractFileFacts } from '../dist/src/parser/extract.js';
import { decodeSource } from '../dist/src/source/decode.js';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node scripts/measure-function-recovery.mjs DIR [--list-missed N]');
  process.exit(2);
}
const listIndex = process.argv.indexOf('--list-missed');
const listMissed = listIndex > 0 ? Number(process.argv[listIndex + 1]) : 0;

// ctags does not know the WDK's annotation macros either: without these definitions it reads
// `_IRQL_requires_max_(PASSIVE_LEVEL)` before a function as a function of that name.
const WDK_MACROS = [
  '_IRQL_requires_max_(x)=', '_IRQL_requires_min_(x)=', '_IRQL_requires_(x)=', '_IRQL_raises_(x)=',
  '_IRQL_saves_global_(a,b)=', '_IRQL_restores_global_(a,b)=', '_IRQL_always_function_max_(x)=',
  '__drv_maxIRQL(x)=', '__drv_minIRQL(x)=', '__drv_requiresIRQL(x)=', '__drv_raisesIRQL(x)=',
  '__drv_functionClass(x)=', '__drv_dispatchType(x)=', '__drv_sameIRQL=', '__drv_savesIRQLGlobal(a,b)=',
  '_Function_class_(x)=', '_Dispatch_type_(x)=', '_Requires_lock_held_(x)=', '_Requires_lock_not_held_(x)=',
  '_Acquires_lock_(x)=', '_Releases_lock_(x)=', '_Acquires_exclusive_lock_(x)=', '_Releases_exclusive_lock_(x)=',
  '_Acquires_shared_lock_(x)=', '_Releases_shared_lock_(x)=', '_When_(a,b)=', '_Success_(x)=',
  '_Must_inspect_result_=', '_Use_decl_annotations_=', '_Check_return_=', '_Ret_maybenull_=',
  '__control_entrypoint(x)=', '_Post_satisfies_(x)=', '_Pre_satisfies_(x)=', '_At_(a,b)=',
  '_Kernel_requires_resource_held_(x)=', '_Kernel_clear_do_init_(x)=', '_Kernel_float_saved_=',
  'STDMETHODIMP_(x)=x', 'STDMETHODIMP=HRESULT', 'IFACEMETHODIMP_(x)=x', 'IFACEMETHODIMP=HRESULT',
  '__drv_allocatesMem(x)=', '__drv_freesMem(x)=', '__drv_aliasesMem=', '__drv_when(a,b)=', '__drv_arg(a,b)=', 'NTAPI=', 'PAGED_CODE_SEG=', 'INIT_CODE_SEG=',
];

let ctagsOut;
try {
  ctagsOut = execFileSync(
    'ctags',
    [...WDK_MACROS.flatMap((m) => ['-D', m]), '-R', '-x', '--_xformat=%N\t%n\t%F', '--languages=C,C++', '--kinds-C=f', '--kinds-C++=f', '--langmap=C:.c,C++:.cpp.cxx.cc', '--extras=-F', dir],
    { maxBuffer: 1 << 30, encoding: 'utf8' },
  );
} catch (error) {
  console.error(`ctags failed (install Debian's universal-ctags): ${error.message}`);
  process.exit(2);
}

const expected = new Map(); // file -> [{name, line}]
for (const row of ctagsOut.split('\n')) {
  if (!row) continue;
  const [name, line, file] = row.split('\t');
  if (!/\.(c|cpp|cxx|cc)$/i.test(file)) continue;
  const rel = relative(dir, file);
  if (!expected.has(rel)) expected.set(rel, []);
  expected.get(rel).push({ name: name.split('::').pop().replace(/\s+/g, ''), line: Number(line) });
}

let total = 0;
let recovered = 0;
const missed = [];
const started = performance.now();
for (const [file, defs] of [...expected].sort()) {
  const facts = await extractFileFacts(file, decodeSource(readFileSync(join(dir, file))));
  const found = new Set(facts.functions.map((f) => `${f.name.replace(/\s+/g, '')}@${f.nameSpan.startLine}`));
  for (const d of defs) {
    total++;
    if (found.has(`${d.name}@${d.line}`)) recovered++;
    else missed.push(`${file}:${d.line}: ${d.name}`);
  }
}
const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(`files with definitions (ctags): ${expected.size}`);
console.log(`function definitions (ctags):   ${total}`);
console.log(`recovered by drvcheck:          ${recovered} (${((100 * recovered) / total).toFixed(2)}%)`);
// Entries ctags reports that are not functions at all: annotation and table macros it reads
// as definitions (`DEFINE_KSPROPERTY_TABLE(x) {`, `WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(...)`).
const notFunctions = missed.filter((m) => /: (DEFINE_\w+|WDF_DECLARE_\w+|_[A-Z]\w*_|__drv_\w+)$/.test(m)).length;
console.log(`  of the ${total - recovered} missed, ${notFunctions} are macros ctags misreads as functions;`);
console.log(`  against the ${total - notFunctions} real definitions: ${((100 * recovered) / (total - notFunctions)).toFixed(2)}%`);
console.log(`parse time:                     ${seconds} s`);
if (listMissed > 0) for (const m of missed.slice(0, listMissed)) console.log(`  missed ${m}`);
