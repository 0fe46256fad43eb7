import { MAX_JSON_DEPTH, tooDeep } from '../util/jsonDepth';

/**
 * Can the text nest deeper than the limit? Nesting past `limit` needs more than `limit`
 * brackets, counted here by the native `indexOf`: a tenth of `JSON.parse`'s cost, where
 * the exact count (`jsonTextDepth`) costs four times it. Only lines that pass are counted exactly.
 */
export function mayNestDeeper(text: string, limit = MAX_JSON_DEPTH): boolean {
  if (text.length <= 2 * limit) return false;
  let n = 0;
  for (let i = text.indexOf('{'); i !== -1; i = text.indexOf('{', i + 1)) if (++n > limit) return true;
  for (let i = text.indexOf('['); i !== -1; i = text.indexOf('[', i + 1)) if (++n > limit) return true;
  return false;
}

/** The one-line reason when text nests deeper than the limit, cheaply ruled out first. */
export function deepJsonReason(text: string, limit = MAX_JSON_DEPTH): string | undefined {
  return mayNestDeeper(text, limit) ? tooDeep(text, limit) : undefined;
}

/**
 * The raw text of member `key` of the JSON object `text` (the last one, as `JSON.parse`
 * keeps), found by a scan without recursion: a value too deep to stringify is kept as written.
 */
export function rawMemberText(text: string, key: string): string | undefined {
  let depth = 0;
  let found: string | undefined;
  let valueStart = -1;
  let keyStart = -1;
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      const start = i;
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 92 /* \ */) i++;
        else if (d === 34) break;
      }
      if (depth === 1 && expectKey) {
        keyStart = start;
        expectKey = false;
        if (decodeKey(text.slice(start, i + 1)) !== key) keyStart = -1;
      }
      continue;
    }
    if (c === 123 /* { */ || c === 91 /* [ */) {
      depth++;
      if (depth === 1) expectKey = true;
    } else if (c === 125 /* } */ || c === 93 /* ] */ || (c === 44 /* , */ && depth === 1)) {
      if (c !== 44) depth--;
      if (depth <= 1 && valueStart !== -1 && (c === 44 || depth === 0)) {
        found = text.slice(valueStart, i).trim();
        valueStart = -1;
      }
      if (c === 44) expectKey = true;
    } else if (c === 58 /* : */ && depth === 1 && keyStart !== -1) {
      valueStart = i + 1;
      keyStart = -1;
    }
  }
  return found;
}

function decodeKey(quoted: string): string | undefined {
  try {
    return JSON.parse(quoted) as string;
  } catch {
    return undefined;
  }
}
