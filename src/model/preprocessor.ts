/**
 * Decides whether a function defined under `#if` is compiled in a driver unit, from the macros
 * its project defines in every configuration. Only what is certain counts: a macro the project
 * defines is defined; one it does not define may still come from a header, so it is unknown.
 * A function is dropped only when one of its conditions is certainly false.
 */
export type Truth = true | false | undefined;

function evaluateCondition(expr: string, defines: ReadonlyMap<string, string>): Truth {
  const tokens = expr.match(/defined|\|\||&&|[A-Za-z_]\w*|\d+\w*|[()!]|\S/g) ?? [];
  let pos = 0;
  let failed = false;
  const peek = (): string | undefined => tokens[pos];
  const next = (): string | undefined => tokens[pos++];

  const or = (): Truth => {
    let value = and();
    while (peek() === '||') {
      next();
      const right = and();
      value = value === true || right === true ? true : value === false && right === false ? false : undefined;
    }
    return value;
  };
  const and = (): Truth => {
    let value = unary();
    while (peek() === '&&') {
      next();
      const right = unary();
      value = value === false || right === false ? false : value === true && right === true ? true : undefined;
    }
    return value;
  };
  const unary = (): Truth => {
    const t = next();
    if (t === '!') {
      const v = unary();
      return v === undefined ? undefined : !v;
    }
    if (t === '(') {
      const v = or();
      if (next() !== ')') failed = true;
      return v;
    }
    if (t === 'defined') {
      const paren = peek() === '(';
      if (paren) next();
      const name = next() ?? '';
      if (paren && next() !== ')') failed = true;
      return defines.has(name) ? true : undefined;
    }
    if (t !== undefined && /^\d/.test(t)) return /^0+[uUlL]*$/.test(t) ? false : true;
    if (t !== undefined && /^[A-Za-z_]\w*$/.test(t)) {
      const value = defines.get(t);
      if (value === undefined) return undefined;
      return value === '' || !/^0+$/.test(value);
    }
    failed = true;
    return undefined;
  };

  const result = or();
  if (failed || pos !== tokens.length) return undefined;
  return result;
}

/** False when the function is certainly not compiled with these definitions. */
export function isCompiled(conditions: readonly { expr: string; holds: boolean }[] | undefined, defines: ReadonlyMap<string, string>): boolean {
  if (!conditions || defines.size === 0) return true;
  for (const c of conditions) {
    const value = evaluateCondition(c.expr, defines);
    if (value !== undefined && value !== c.holds) return false;
  }
  return true;
}
