/** What the CLI tests share: running drvcheck as a user does, and making a throwaway project. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliPath, repoRoot } from './paths.js';
import { temporaryDirectory } from './temp-dir.js';

/** Runs drvcheck in a new process, without colour, and returns its exit code and output. */
export function run(args: string[], cwd = repoRoot, env: Record<string, string> = {}): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cliPath, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A new temporary directory holding `files` (relative path → content). */
export function project(files: Record<string, string>): string {
  const dir = temporaryDirectory('drvcheck-project-');
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

/** The statistics line drvcheck writes to standard error with DRVCHECK_STATS set. */
export function statsOf(stderr: string): Record<string, any> {
  return JSON.parse(stderr.split('\n').find((l) => l.startsWith('{"phasesMs"'))!);
}
