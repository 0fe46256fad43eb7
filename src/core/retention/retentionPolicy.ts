import { z } from 'zod';
import { parseDuration } from '../session/timestamps';
import { parseByteSize } from '../util/units';

/** What prune removes: sessions last written longer ago than `olderThanMs`, then the oldest until the folder is under `maxTotalBytes`. */
export interface RetentionPolicy {
  olderThanMs?: number;
  maxTotalBytes?: number;
}

const DAY_MS = 86_400_000;

/** `30d`, `2w`, `12h`, `90m`: an age. A unit is required (a bare `30` could be days or seconds). */
export function parseAge(text: string): number {
  const t = text.trim();
  const m = /^(\d+(?:\.\d+)?)\s*(d|w)$/.exec(t);
  if (m) return Number(m[1]) * (m[2] === 'w' ? 7 : 1) * DAY_MS;
  return /^\d+(?:\.\d+)?\s*(ms|s|m|h)$/.test(t) ? parseDuration(t) : Number.NaN;
}

/** The setting `mqttSessions.retention` as written: both parts optional, each a string. */
const retentionSettingSchema = z
  .object({
    olderThan: z
      .string()
      .refine((v) => parseAge(v) > 0, 'an age such as "30d", "2w" or "12h"')
      .optional(),
    maxTotal: z
      .string()
      .refine((v) => parseByteSize(v) > 0, 'a size such as "20GB" or "500MB"')
      .optional(),
  })
  .strict();

export type RetentionSetting = z.input<typeof retentionSettingSchema>;

/**
 * `{olderThan, maxTotal}` (a setting or the CLI's options) → a policy, or one line naming
 * the field that is wrong. A wrong value is never replaced by a default: a default could
 * remove what the user meant to keep. Empty strings count as not given.
 */
export function parseRetentionSetting(value: unknown, where: string): RetentionPolicy {
  const cleaned = value && typeof value === 'object' && !Array.isArray(value) ? Object.fromEntries(Object.entries(value).filter(([, v]) => v !== '' && v !== null)) : value;
  const r = retentionSettingSchema.safeParse(cleaned ?? {});
  if (!r.success) {
    const issue = r.error.issues[0];
    const field = issue.path.join('.');
    throw new Error(`${where}${field ? `.${field}` : ''}: ${issue.code === 'unrecognized_keys' ? `unknown field(s) ${issue.keys.join(', ')} (olderThan, maxTotal)` : issue.message}`);
  }
  return {
    ...(r.data.olderThan !== undefined ? { olderThanMs: parseAge(r.data.olderThan) } : {}),
    ...(r.data.maxTotal !== undefined ? { maxTotalBytes: parseByteSize(r.data.maxTotal) } : {}),
  };
}

export function isEmptyPolicy(p: RetentionPolicy): boolean {
  return p.olderThanMs === undefined && p.maxTotalBytes === undefined;
}
