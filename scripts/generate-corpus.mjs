#!/usr/bin/env node
// Generates a synthetic driver corpus for the benchmark, sized like microsoft/Windows-driver-
// samples at --scale 1 (about 2,300 files, 1.4 M lines, 41 MB), made only of this project's
// own fixtures and generated helper functions.
//
//   node scripts/generate-corpus.mjs OUT_DIR [--scale K]
//
// Each driver unit is a directory with an INF, a .vcxproj and about a dozen sources: fixture
// files, each grown to about 600 lines with helper functions that call one another, take
// spin locks and branch, so the call graph and the model have work to do.
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = process.argv[2];
if (!out) {
  console.error('usage: node scripts/generate-corpus.mjs OUT_DIR [--scale K]');
  process.exit(2);
}
const scaleAt = process.argv.indexOf('--scale');
const scale = scaleAt > 0 ? Number(process.argv[scaleAt + 1]) : 1;
const FILES_PER_UNIT = 12;
const TARGET_FILES = Math.round(2300 * scale);
const LINES_PER_FILE = 600;

function sources(dir) {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => /\.(c|cpp|h)$/.test(f) && statSync(f).isFile())
    .sort();
}
const base = [...sources(join(repo, 'test', 'fixtures')), ...sources(join(repo, 'examples'))].map((f) => ({
  ext: extname(f),
  text: readFileSync(f, 'utf8'),
}));

function helper(unit, file, n) {
  const name = `U${unit}F${file}Helper${n}`;
  const previous = n > 0 ? `U${unit}F${file}Helper${n - 1}(Context, i)` : 'STATUS_SUCCESS';
  return `
_IRQL_requires_max_(DISPATCH_LEVEL)
static NTSTATUS
${name}(
    _In_ PDEVICE_CONTEXT Context,
    _In_ ULONG Value
    )
{
    NTSTATUS status = STATUS_SUCCESS;
    ULONG i;
    KIRQL oldIrql;

    for (i = 0; i < Value; i++) {
        if (Context->Table[i % 16] == Value) {
            status = ${previous};
            break;
        }
    }
    KeAcquireSpinLock(&Context->Lock, &oldIrql);
    Context->Counter += Value;
    KeReleaseSpinLock(&Context->Lock, oldIrql);
    if (!NT_SUCCESS(status)) {
        TraceEvents(TRACE_LEVEL_ERROR, DBG_IO, "helper ${n} failed %!STATUS!", status);
    }
    return status;
}
`;
}

let written = 0;
let lines = 0;
let bytes = 0;
for (let unit = 0; written < TARGET_FILES; unit++) {
  const dir = join(out, `driver${String(unit).padStart(4, '0')}`);
  mkdirSync(dir, { recursive: true });
  const items = [];
  for (let file = 0; file < FILES_PER_UNIT && written < TARGET_FILES; file++, written++) {
    const source = base[(unit * FILES_PER_UNIT + file) % base.length];
    let text = source.text;
    for (let n = 0; text.split('\n').length < LINES_PER_FILE; n++) text += helper(unit, file, n);
    const name = `file${file}${source.ext}`;
    writeFileSync(join(dir, name), text);
    if (source.ext !== '.h') items.push(`    <ClCompile Include="${name}" />`);
    lines += text.split('\n').length;
    bytes += Buffer.byteLength(text);
  }
  writeFileSync(join(dir, `driver${unit}.inf`), '[Version]\nSignature="$WINDOWS NT$"\nClass=System\n');
  writeFileSync(
    join(dir, `driver${unit}.vcxproj`),
    `<Project><PropertyGroup><DriverType>KMDF</DriverType></PropertyGroup>\n  <ItemGroup>\n${items.join('\n')}\n  </ItemGroup>\n</Project>\n`,
  );
}
console.log(`${written} files, ${lines} lines, ${(bytes / 1e6).toFixed(1)} MB in ${out}`);
