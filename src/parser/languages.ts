/**
 * Loads web-tree-sitter and the C and C++ grammars from the .wasm files their npm packages
 * ship, once per thread. Nothing is downloaded or built at install time.
 */
import { createRequire } from 'node:module';
import { Language, Parser } from 'web-tree-sitter';
import { emscriptenModule } from './wasm-cursor.js';

export type LanguageName = 'c' | 'cpp';

const require = createRequire(import.meta.url);

let loading: Promise<Record<LanguageName, Language>> | undefined;

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
