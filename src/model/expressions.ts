/**
 * Small questions about expression texts, as the parser gives them (whitespace folded): does a
 * condition mention this pointer, what is the variable at the root of `ctx->Buffer`, which
 * shorter paths could change it. Texts are compared after `a -> b` is written `a->b`.
 */

/** An expression text with every space removed: `& ctx -> Lock` and `&ctx->Lock` compare equal. */
export function compact(text: string | undefined): string {
  return (text ?? '').replace(/\s+/g, '');
}

const HAS_SPACE = /\s/;

/** `ctx -> Buffer`, `( ctx->Buffer )`: the same path, written one way. */
export function normalizePath(text: string): string {
  // Most texts are written one way already: no space to fold, no parentheses around them.
  if (text[0] !== '(' && !HAS_SPACE.test(text)) return text;
  let t = text.replace(/\s*(->|\.)\s*/g, '$1').replace(/\s+/g, ' ').trim();
  while (/^\((.*)\)$/.test(t) && balanced(t.slice(1, -1))) t = t.slice(1, -1).trim();
  return t;
}

const PATH = /^[A-Za-z_]\w*(?:(?:->|\.)[A-Za-z_]\w*)*$/;

/** `p`, `ctx->Buffer`, `Globals.Table`: a variable or a chain of fields, nothing computed. */
export function isPlainPath(text: string): boolean {
  return PATH.test(normalizePath(text));
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The expression appears in the text as a whole operand, not as part of a longer name or path. */
export function mentions(text: string, expression: string): boolean {
  const path = normalizePath(expression);
  if (path === '') return false;
  return new RegExp(`(?<![\\w.>])${escape(path)}(?![\\w])`).test(normalizePath(text));
}

/**
 * A test for `name` standing as a token of its own in a text. Unlike `mentions`, the name goes
 * into the pattern unescaped: every caller passes an identifier, which has nothing to escape.
 */
export function tokenPattern(name: string): RegExp {
  return new RegExp(`(^|[^\\w])${name}([^\\w]|$)`);
}

/** `ctx` of `ctx->Buffer.Length`. */
export function rootOf(path: string): string {
  return /^[A-Za-z_]\w*/.exec(normalizePath(path))?.[0] ?? '';
}

/** `Buffer` of `ctx->Buffer`, `g_Table` of `g_Table`. */
export function lastFieldOf(path: string): string {
  const p = normalizePath(path);
  const m = /(?:->|\.)([A-Za-z_]\w*)$/.exec(p);
  return m ? m[1]! : p;
}

/** The shorter paths a path goes through: `ctx`, `ctx->Req` for `ctx->Req->Buffer`. */
export function prefixesOf(path: string): string[] {
  const p = normalizePath(path);
  const out: string[] = [];
  const re = /->|\./g;
  for (let m = re.exec(p); m; m = re.exec(p)) out.push(p.slice(0, m.index));
  return out;
}

/** The parentheses of `text` pair up: `(a)(b)` does, `a)(b` does not. */
export function balanced(text: string): boolean {
  let depth = 0;
  for (const ch of text) {
    if (ch === '(') depth++;
    else if (ch === ')' && --depth < 0) return false;
  }
  return depth === 0;
}

/** Adds `value` to the list `map` keeps under `key`. */
export function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** One value per key, made on first use: the caches behind the model's derived facts. */
export function memoized<K extends object, V>(cache: WeakMap<K, V>, key: K, make: () => V): V {
  let value = cache.get(key);
  if (value === undefined) {
    value = make();
    cache.set(key, value);
  }
  return value;
}
