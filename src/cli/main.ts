/**
 * The command line: a thin shell over the engine. Exit codes: 0 nothing to fail on, 1 findings
 * at or above `--fail-on`, 2 usage, configuration or internal error (message on stderr).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { ConfigError, ConfigResolver } from '../config/config.js';
import { knowledgeExtensions } from '../config/knowledge-extensions.js';
import { BaselineError, readBaseline, writeBaseline } from '../engine/baseline.js';
import { defaultCacheDirectory } from '../engine/cache-store.js';
import { ALL_RULE_METAS, check, matchesRuleToken } from '../engine/check.js';
import type { CheckResult } from '../engine/findings.js';
import { DEFAULT_LIMITS } from '../engine/read-files.js';
import { namesRule } from '../engine/suppressions.js';
import { TOOL_VERSION } from '../version.js';

export const EXIT_CLEAN = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_ERROR = 2;

class UsageError extends Error {}

type Format = 'text' | 'json' | 'sarif' | 'msbuild' | 'github';

interface CheckFlags {
  format: Format;
  output?: string;
  root?: string;
  config?: string;
  select: string[];
  ignore: string[];
  failOn: 'error' | 'warning' | 'never';
  exitZero?: boolean;
  showConfig?: boolean;
  jobs?: string;
  quiet?: boolean;
  color: boolean;
  baseline?: string;
  baselineWrite?: string;
  reportFixed?: boolean;
  maxFileSize: string;
  parseTimeout: string;
  cache?: string | boolean;
}

interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
}

const list = (value: string, previous: string[]): string[] => [...previous, ...value.split(',').map((s) => s.trim()).filter(Boolean)];

export async function main(argv: readonly string[], io: Io = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
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
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json', 'sarif', 'msbuild', 'github']).default('text'))
    .option('-o, --output <file>', 'write the report to a file instead of standard output')
    .option('--root <dir>', 'directory that reported paths are relative to (default: the common directory of the paths)')
    .option('-c, --config <file>', 'use this configuration file instead of the nearest drvcheck.json of each file')
    .option('--select <rules>', 'report only these rule ids, codes or prefixes (comma-separated, repeatable)', list, [])
    .option('--ignore <rules>', 'never report these rule ids, codes or prefixes (comma-separated, repeatable)', list, [])
    .addOption(new Option('--fail-on <severity>', 'lowest severity that makes the exit code 1').choices(['error', 'warning', 'never']).default('warning'))
    .option('--exit-zero', 'exit with 0 even when there are findings (errors still exit with 2)')
    .option('--show-config', 'print the configuration that applies to each path, and exit')
    .option('-j, --jobs <n>', 'worker threads, each analysing whole driver units; 1: none (default: up to the number of cores, when the run is large enough to repay their start-up)')
    .option('-q, --quiet', 'report errors only, without the summary line')
    .option('--no-color', 'no colors in text output (also when NO_COLOR is set)')
    .option('--baseline <file>', 'report only findings that are not in this baseline')
    .option('--baseline-write <file>', "record this run's findings as the baseline, and exit 0")
    .option('--report-fixed', 'with --baseline: also list the baseline findings that are gone')
    .option('--cache [dir]', `keep driver unit reports and parse facts between runs: unchanged units are not analysed again (default directory: ${defaultCacheDirectory()})`)
    .option('--max-file-size <bytes>', 'skip files larger than this', String(DEFAULT_LIMITS.maxFileBytes))
    .option('--parse-timeout <ms>', 'skip a file whose parse takes longer than this', String(DEFAULT_LIMITS.parseTimeoutMs))
    .action(async (paths: string[], flags: CheckFlags) => {
      exitCode = await runCheck(paths, flags, io);
    });

  program
    .command('rules')
    .description('list the rules: id, code, default severity, title')
    .action(() => {
      const width = Math.max(...ALL_RULE_METAS.map((r) => r.id.length));
      for (const r of ALL_RULE_METAS) io.stdout.write(`${r.id.padEnd(width)}  ${r.code}  ${r.severity.padEnd(7)}  ${r.title}\n`);
    });

  program
    .command('explain')
    .description("show a rule's rationale, fix and examples")
    .argument('<rule>', 'rule id or code')
    .action(async (token: string) => {
      const meta = ALL_RULE_METAS.find((m) => namesRule(token, m));
      if (!meta) throw new UsageError(`unknown rule '${token}' (see 'drvcheck rules')`);
      const { ruleHelpText } = await import('../reporters/rule-docs.js');
      io.stdout.write(`${ruleHelpText(meta)}\n`);
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_CLEAN : EXIT_ERROR;
    if (error instanceof UsageError || error instanceof ConfigError || error instanceof BaselineError) {
      io.stderr.write(`drvcheck: ${error.message}\n`);
      return EXIT_ERROR;
    }
    io.stderr.write(`drvcheck: internal error: ${(error as Error).stack ?? String(error)}\n`);
    return EXIT_ERROR;
  }
}

async function runCheck(paths: string[], flags: CheckFlags, io: Io): Promise<number> {
  const missing = paths.filter((p) => !existsSync(p));
  if (missing.length > 0) throw new UsageError(`no such file or directory: ${missing.join(', ')}`);
  if (flags.config !== undefined && !existsSync(flags.config)) throw new UsageError(`--config: no such file: ${flags.config}`);
  for (const token of [...flags.select, ...flags.ignore]) {
    if (!ALL_RULE_METAS.some((m) => matchesRuleToken(token, m))) {
      throw new UsageError(`--select/--ignore: no rule id or code starts with '${token}' (see 'drvcheck rules')`);
    }
  }
  if (flags.showConfig) {
    io.stdout.write(showConfig(paths, flags.config));
    return EXIT_CLEAN;
  }
  const maxFileBytes = positiveInteger(flags.maxFileSize, '--max-file-size');
  const parseTimeoutMs = positiveInteger(flags.parseTimeout, '--parse-timeout');
  const jobs = flags.jobs === undefined ? undefined : positiveInteger(flags.jobs, '--jobs');
  const baseline = flags.baseline ? readBaseline(flags.baseline) : undefined;
  const result = await check({
    paths,
    ...(flags.root ? { root: flags.root } : {}),
    ...(flags.config ? { configFile: flags.config } : {}),
    select: flags.select,
    ignore: flags.ignore,
    ...(baseline ? { baseline } : {}),
    ...(jobs ? { jobs } : {}),
    ...(flags.cache ? { cacheDir: typeof flags.cache === 'string' ? flags.cache : defaultCacheDirectory() } : {}),
    limits: { maxFileBytes, parseTimeoutMs },
  });
  if (flags.baselineWrite) {
    writeBaseline(flags.baselineWrite, [...result.findings]);
    io.stderr.write(`drvcheck: recorded ${result.findings.length} finding(s) in ${flags.baselineWrite}\n`);
    return EXIT_CLEAN;
  }
  const shown: CheckResult = flags.quiet ? { ...result, findings: result.findings.filter((f) => f.severity === 'error') } : result;
  const toFile = flags.output !== undefined;
  const color = flags.color && !toFile && !process.env['NO_COLOR'] && Boolean(io.stdout.isTTY);
  const report = await render(shown, flags, color);
  if (toFile) writeFileSync(flags.output!, report);
  else io.stdout.write(report);
  if (toFile && !flags.quiet) io.stderr.write(`drvcheck: ${result.findings.length} finding(s), ${result.analyzed.length} file(s) analyzed, ${result.skipped.length} skipped\n`);
  return exitCodeFor(result, flags);
}

function exitCodeFor(result: CheckResult, flags: CheckFlags): number {
  if (flags.exitZero || flags.failOn === 'never') return EXIT_CLEAN;
  const failing = result.findings.some((f) => f.severity === 'error' || (flags.failOn === 'warning' && f.severity === 'warning'));
  return failing ? EXIT_FINDINGS : EXIT_CLEAN;
}

/** Each reporter is loaded only when its format is asked for: start-up time counts for one driver. */
async function render(result: CheckResult, flags: CheckFlags, color: boolean): Promise<string> {
  const shownPath = (p: string): string => displayPath(result.root, p);
  switch (flags.format) {
    case 'json':
      return (await import('../reporters/json.js')).formatJson(result);
    case 'sarif':
      return (await import('../reporters/sarif.js')).formatSarif(result, ALL_RULE_METAS);
    case 'msbuild':
      return (await import('../reporters/msbuild.js')).formatMsbuild(result, ALL_RULE_METAS, shownPath);
    case 'github':
      return (await import('../reporters/github.js')).formatGithub(result, ALL_RULE_METAS, shownPath);
    default:
      return (await import('../reporters/text.js')).formatText(result, { color, displayPath: shownPath, quiet: Boolean(flags.quiet), reportFixed: Boolean(flags.reportFixed) });
  }
}

/** The configuration each path gets, as drvcheck resolved it. */
function showConfig(paths: readonly string[], configFile: string | undefined): string {
  const resolver = new ConfigResolver(configFile);
  const shown = paths.map((p) => {
    const config = resolver.forDirectory(existsSync(p) && !/\.[^/\\]+$/.test(p) ? resolve(p) : resolve(p, '..'));
    knowledgeExtensions(config);
    return {
      path: p,
      files: config.files,
      rules: Object.fromEntries(config.rules),
      include: config.include.map((g) => g.pattern),
      exclude: config.exclude.map((g) => g.pattern),
      units: config.units.map((u) => ({ name: u.name, sources: u.sources.map((g) => g.pattern) })),
      knowledge: config.knowledge,
    };
  });
  return `${JSON.stringify(shown, null, 2)}\n`;
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
