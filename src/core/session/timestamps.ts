/** How a timestamp without a zone (old recorder: local time, microseconds) is read. */
export type NaiveTimeZone = 'utc' | 'local';

const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Parses ISO 8601 (zoned or naive) into epoch milliseconds, or NaN.
 * Hand-rolled because `Date.parse` rejects microseconds in some forms, reads naive
 * times as local, and is the hot spot when reading a million lines.
 */
export function parseTimestamp(text: string, naive: NaiveTimeZone = 'utc'): number {
  const fast = parseCommonForm(text, naive);
  if (fast === fast) return fast; // not NaN
  return parseGeneral(text, naive);
}

const DIGIT0 = 48;
let cachedMinute = '';
let cachedMinuteNaive: NaiveTimeZone = 'utc';
let cachedMinuteMs = 0;

/**
 * The two forms every recorder writes — `2026-08-07T09:26:46.964Z` and
 * `2025-11-10T18:06:34.903228` — read by character codes, with the time up to the
 * minute cached (consecutive messages share it). NaN sends anything else to the general parser.
 */
function parseCommonForm(text: string, naive: NaiveTimeZone): number {
  const len = text.length;
  if (len < 20 || text.charCodeAt(10) !== 84 /* T */ || text.charCodeAt(19) !== 46 /* . */) return Number.NaN;
  const zulu = text.charCodeAt(len - 1) === 90; /* Z */
  const fracEnd = zulu ? len - 1 : len;
  if (fracEnd - 20 < 1 || fracEnd - 20 > 9) return Number.NaN;
  const minute = text.slice(0, 16);
  const zone: NaiveTimeZone = zulu ? 'utc' : naive;
  let base: number;
  if (minute === cachedMinute && zone === cachedMinuteNaive) base = cachedMinuteMs;
  else {
    base = parseGeneral(`${minute}:00`, zone);
    if (base !== base) return Number.NaN;
    cachedMinute = minute;
    cachedMinuteNaive = zone;
    cachedMinuteMs = base;
  }
  const s1 = text.charCodeAt(17) - DIGIT0, s2 = text.charCodeAt(18) - DIGIT0;
  if (text.charCodeAt(16) !== 58 /* : */ || s1 < 0 || s1 > 6 || s2 < 0 || s2 > 9) return Number.NaN;
  let frac = 0;
  let scale = 100;
  for (let i = 20; i < fracEnd; i++) {
    const d = text.charCodeAt(i) - DIGIT0;
    if (d < 0 || d > 9) return Number.NaN;
    frac += d * scale;
    scale /= 10;
  }
  return base + (s1 * 10 + s2) * 1000 + frac;
}

function parseGeneral(text: string, naive: NaiveTimeZone): number {
  const m = ISO.exec(text);
  if (!m) return Number.NaN;
  const year = +m[1], month = +m[2], day = +m[3], hour = +m[4], minute = +m[5];
  const second = m[6] ? +m[6] : 0;
  const frac = m[7] ? +`0.${m[7]}` * 1000 : 0;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 24 || minute > 59 || second > 60) return Number.NaN;
  const zone = m[8];
  if (!zone && naive === 'local') return localMs(year, month, day, hour, minute, second) + frac;
  let ms = utcMs(year, month, day, hour, minute, second) + frac;
  if (zone && zone !== 'Z' && zone !== 'z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offsetMin = +digits.slice(0, 2) * 60 + (digits.length > 2 ? +digits.slice(2, 4) : 0);
    ms -= sign * offsetMin * 60_000;
  }
  return ms;
}

/**
 * `Date.UTC` and `new Date(y, …)` read years 0–99 as 1900–1999; `setUTCFullYear` and
 * `setFullYear` do not, so those years take the slower way.
 */
export function utcMs(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  if (year >= 100) return Date.UTC(year, month - 1, day, hour, minute, second);
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  return d.setUTCHours(hour, minute, second, 0);
}

function localMs(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  if (year >= 100) return new Date(year, month - 1, day, hour, minute, second).getTime();
  const d = new Date(2000, 0, 1);
  d.setFullYear(year, month - 1, day);
  return d.setHours(hour, minute, second, 0);
}

/** 0000-01-01T00:00:00Z: earlier times cannot be written as ISO 8601 with four digits. */
export const MIN_TIME_MS = -62_167_219_200_000;
/** The largest time a JavaScript Date holds (±100,000,000 days). */
export const MAX_TIME_MS = 8.64e15;

/** A time that can be formatted: finite, from year 0 up to the end of Date's range. */
export function isValidTimeMs(ms: number): boolean {
  return ms >= MIN_TIME_MS && ms <= MAX_TIME_MS; // false for NaN
}

let lastMs = Number.NaN;
let lastText = '';

/**
 * Our written form: UTC, milliseconds, `Z`. A burst of messages shares its millisecond: cached.
 * Readers keep out-of-range times out; one that slips through (an index written by an older
 * version) is shown as its number instead of throwing "Invalid time value".
 */
export function formatTimestamp(ms: number): string {
  if (!isValidTimeMs(ms)) return `invalid time ${ms}`;
  const whole = Math.floor(ms);
  if (whole !== lastMs) {
    lastText = new Date(whole).toISOString();
    lastMs = whole;
  }
  return lastText;
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
