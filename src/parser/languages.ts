/**
 * Loads web-tree-sitter and the C and C++ grammars from the .wasm files their npm packages
 * ship, once per thread. Nothing is downloaded or built at install time.
 */
import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import { Language, Parser } from 'web-tree-sitter';
import { emscriptenModule } from './wasm-cursor.js';

export type LanguageName = 'c' | 'cpp';

const require = createRequire(import.meta.url);

let loading: Promise<Record<LanguageName, Language>> | undefined;

/**
 * Asks V8 to run the grammars' wasm with its baseline compiler only, when called before they
 * are loaded. By default V8 also recompiles the hot parse functions of these large modules
 * with its optimizing compiler: about a third of a second of CPU, which repays itself only over
 * a few megabytes of source and delays a one-driver run by as much. The setting is per process,
 * so only a run that stays on one thread and has little source asks for it.
 */
export function preferQuickGrammarCompile(): void {
  if (!loading) setFlagsFromString('--liftoff-only');
}

export function loadLanguages(): Promise<Record<LanguageName, Language>> {
  loading ??= (async () => {
    await Parser.init(emscriptenModule);
    const [c, cpp] = await Promise.all([
      Language.load(require.resolve('tree-sitter-c/tree-sitter-c.wasm')),
      Language.load(require.resolve('tree-sitter-cpp/tree-sitter-cpp.wasm')),
    ]);
    return { c, cpp };
  })();
  return loading;
}

/** The grammar a file is read with first; `.h` files fall back to C++ when C reads them badly. */
export function languageForPath(path: string): LanguageName | 'header' | undefined {
  const lower = path.toLowerCase();
  if (lower.endsWith('.c')) return 'c';
  if (/\.(cpp|cxx|cc|c\+\+|hpp|hxx|hh|inl|tpp)$/.test(lower)) return 'cpp';
  if (lower.endsWith('.h')) return 'header';
  return undefined;
}
