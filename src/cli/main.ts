/**
 * The command line: a thin shell over the engine. Exit codes: 0 no findings, 1 findings,
 * 2 usage or internal error (with a message on stderr).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { check } from '../engine/check.js';
import type { CheckResult } from '../engine/findings.js';
import { formatJson } from '../reporters/json.js';
import { ruleHelpText } from '../reporters/rule-docs.js';
import { formatSarif } from '../reporters/sarif.js';
import { formatText } from '../reporters/text.js';
import { RULES, ruleById } from '../rules/index.js';
import { TOOL_VERSION } from '../version.js';

export const EXIT_CLEAN = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_ERROR = 2;

class UsageError extends Error {}

interface CheckFlags {
  format: 'text' | 'json' | 'sarif';
  output?: string;
  root?: string;
  exitZero?: boolean;
  color: boolean;
  maxFileSize: string;
  parseTimeout: string;
}

export async function main(argv: readonly string[], io = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  let exitCode = EXIT_CLEAN;
  const program = new Command('drvcheck')
    .description('Static checker for Windows kernel drivers: IRQL, process context and I/O target rules, from source.')
    .version(TOOL_VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });

  program
    .command('check')
    .description('check the driver sources under the given files or directories')
    .argument('<paths...>', 'source files or directories (each driver project in them is checked as its own unit)')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json', 'sarif']).default('text'))
    .option('-o, --output <file>', 'write the report to a file instead of standard output')
    .option('--root <dir>', 'directory that reported paths are relative to (default: the common directory of the paths)')
    .option('--exit-zero', 'exit with 0 even when there are findings (errors still exit with 2)')
    .option('--no-color', 'no colors in text output (also when NO_COLOR is set)')
    .option('--max-file-size <bytes>', 'skip files larger than this', String(16 * 1024 * 1024))
    .option('--parse-timeout <ms>', 'skip a file whose parse takes longer than this', '20000')
    .action(async (paths: string[], flags: CheckFlags) => {
      const missing = paths.filter((p) => !existsSync(p));
      if (missing.length > 0) throw new UsageError(`no such file or directory: ${missing.join(', ')}`);
      const maxFileBytes = positiveInteger(flags.maxFileSize, '--max-file-size');
      const parseTimeoutMs = positiveInteger(flags.parseTimeout, '--parse-timeout');
      const result = await check({ paths, ...(flags.root ? { root: flags.root } : {}), limits: { maxFileBytes, parseTimeoutMs } });
      const toFile = flags.output !== undefined;
      const color = flags.color && !toFile && !process.env['NO_COLOR'] && Boolean((io.stdout as NodeJS.WriteStream).isTTY);
      const report = render(result, flags.format, color);
      if (toFile) writeFileSync(flags.output!, report);
      else io.stdout.write(report);
      if (toFile && flags.format !== 'text') io.stderr.write(`${summaryLine(result)}\n`);
      exitCode = result.findings.length > 0 && !flags.exitZero ? EXIT_FINDINGS : EXIT_CLEAN;
    });

  program
    .command('rules')
    .description('list the rules')
    .action(() => {
      const width = Math.max(...RULES.map((r) => r.meta.id.length));
      for (const r of RULES) io.stdout.write(`${r.meta.id.padEnd(width)}  ${r.meta.severity.padEnd(7)}  ${r.meta.title}\n`);
    });

  program
    .command('explain')
    .description("show a rule's rationale, fix and examples")
    .argument('<rule-id>')
    .action((id: string) => {
      const rule = ruleById(id);
      if (!rule) throw new UsageError(`unknown rule '${id}' (see 'drvcheck rules')`);
      io.stdout.write(`${ruleHelpText(rule.meta)}\n`);
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT_CLEAN : EXIT_ERROR;
    }
    if (error instanceof UsageError) {
      io.stderr.write(`drvcheck: ${error.message}\n`);
      return EXIT_ERROR;
    }
    io.stderr.write(`drvcheck: internal error: ${(error as Error).stack ?? String(error)}\n`);
    return EXIT_ERROR;
  }
}

function render(result: CheckResult, format: CheckFlags['format'], color: boolean): string {
  switch (format) {
    case 'json':
      return formatJson(result);
    case 'sarif':
      return formatSarif(result, RULES.map((r) => r.meta));
    default:
      return formatText(result, { color, displayPath: (p) => displayPath(result.root, p) });
  }
}

function summaryLine(result: CheckResult): string {
  return `drvcheck: ${result.findings.length} finding(s), ${result.analyzed.length} file(s) analyzed, ${result.skipped.length} skipped`;
}

/** Paths in text output are relative to the working directory, so terminals and editors can open them. */
function displayPath(root: string, path: string): string {
  const abs = join(root, path);
  const rel = relative(process.cwd(), abs);
  return (rel.startsWith('..') || isAbsolute(rel) ? abs : rel).split('\\').join('/');
}

function positiveInteger(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${flag} takes a positive whole number, not '${value}'`);
  return n;
}
