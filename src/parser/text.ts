/** Source text with runs of whitespace folded to one space: how facts carry expressions. */
export const fold = (s: string): string => s.replace(/\s+/g, ' ').trim();
