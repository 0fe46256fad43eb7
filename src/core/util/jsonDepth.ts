/**
 * JSON nesting limits. V8's JSON.parse copes with deep nesting, but every recursive walk
 * after it (JSON.stringify, pretty printing, diffs, schema checks) overflows the stack
 * somewhere past a few thousand levels. Deeper payloads are kept raw and reported instead.
 */
export const MAX_JSON_DEPTH = 512;

/** Deepest `[`/`{` nesting of JSON text, counted without parsing (strings skipped). */
export function jsonTextDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > max) max = depth;
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth--;
  }
  return max;
}

/** Deepest nesting of a parsed value (objects and arrays), walked with an explicit stack. */
export function jsonValueDepth(value: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, d] = stack.pop() as [unknown, number];
    if (v === null || typeof v !== 'object') continue;
    if (d > max) max = d;
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (child !== null && typeof child === 'object') stack.push([child, d + 1]);
  }
  return max;
}

/** A one-line reason when text nests deeper than the limit, else undefined. */
export function tooDeep(text: string, limit = MAX_JSON_DEPTH): string | undefined {
  const d = jsonTextDepth(text);
  return d > limit ? `JSON nested ${d} levels deep (limit ${limit})` : undefined;
}
