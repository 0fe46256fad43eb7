/** How a timestamp without a zone (old recorder: local time, microseconds) is read. */
export type NaiveTimeZone = 'utc' | 'local';

const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Parses ISO 8601 (zoned or naive) into epoch milliseconds, or NaN.
 * Hand-rolled because `Date.parse` rejects microseconds in some forms, reads naive
 * times as local, and is the hot spot when reading a million lines.
 */
export function parseTimestamp(text: string, naive: NaiveTimeZone = 'utc'): number {
  const m = ISO.exec(text);
  if (!m) return Number.NaN;
  const year = +m[1], month = +m[2], day = +m[3], hour = +m[4], minute = +m[5];
  const second = m[6] ? +m[6] : 0;
  const frac = m[7] ? +`0.${m[7]}` * 1000 : 0;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 24 || minute > 59 || second > 60) return Number.NaN;
  const zone = m[8];
  if (!zone && naive === 'local') {
    return new Date(year, month - 1, day, hour, minute, second).getTime() + frac;
  }
  let ms = Date.UTC(year, month - 1, day, hour, minute, second) + frac;
  if (zone && zone !== 'Z' && zone !== 'z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offsetMin = +digits.slice(0, 2) * 60 + (digits.length > 2 ? +digits.slice(2, 4) : 0);
    ms -= sign * offsetMin * 60_000;
  }
  return ms;
}

/** Our written form: UTC, milliseconds, `Z`. */
export function formatTimestamp(ms: number): string {
  return new Date(Math.floor(ms)).toISOString();
}

/** `20251110_180844` from a time (UTC), the suffix of a session's base name. */
export function sessionStamp(ms: number): string {
  return formatTimestamp(ms).replace(/[-:]/g, '').replace('T', '_').slice(0, 15);
}

/** Parses a user-given time: ISO 8601 or a number of epoch milliseconds. */
export function parseUserTime(text: string, naive: NaiveTimeZone = 'utc'): number {
  if (/^\d{10,}$/.test(text)) return Number(text);
  return parseTimestamp(text.trim(), naive);
}

/** Parses `30s`, `2m`, `1h`, `1500ms` or a plain number of seconds into milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(text.trim());
  if (!m) return Number.NaN;
  const n = Number(m[1]);
  switch (m[2]) {
    case 'ms': return n;
    case 'm': return n * 60_000;
    case 'h': return n * 3_600_000;
    default: return n * 1000;
  }
}
