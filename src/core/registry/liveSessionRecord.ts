import { z } from 'zod';
import { parseTimestamp } from '../session/timestamps';

export const SESSION_STATUSES = ['started', 'completed', 'failed', 'aborted'] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

/** ISO 8601 with or without a zone (Python's `datetime.isoformat()` writes both). */
const isoDate = z.string().refine((s) => Number.isFinite(parseTimestamp(s)), { message: 'not an ISO 8601 date' });

/** An object, not an array or null: `config` and `metrics` are mappings in the Python record. */
const mapping = z.record(z.string(), z.unknown());

/**
 * A live-session record as the Python registry writes it (DESIGN §3.3).
 * Loose: keys we do not know (e.g. `strategy_tier`, later additions) survive a round trip.
 * The keys the Python reader defaults (`mode`, `env_name`, `symbol`, `config`, ...) get the
 * same defaults here, so whatever it reads, we read.
 */
export const liveSessionRecordSchema = z.looseObject({
  session_id: z.string().min(1),
  run_id: z.string().nullable().default(null),
  run_type: z.string().min(1),
  mode: z.string().default(''),
  env_name: z.string().default(''),
  symbol: z.string().default(''),
  status: z.enum(SESSION_STATUSES),
  started_at: isoDate,
  finished_at: isoDate.nullable().default(null),
  config: mapping.default({}),
  // The summary adds these up: a wrong type is reported, not counted as zero.
  metrics: z
    .looseObject({ realized_pnl: z.number().optional(), max_drawdown: z.number().optional() })
    .default({}),
  cli_args: z.array(z.string()).default([]),
  error: z.string().nullable().default(null),
  created_at: isoDate.nullable().default(null),
  strategy_tier: z.string().nullable().optional(),
});

export type LiveSessionRecord = z.output<typeof liveSessionRecordSchema>;

export type RecordCheck = { ok: true; record: LiveSessionRecord } | { ok: false; reason: string };

/** Validates parsed JSON; the reason is one line naming the first wrong field. */
export function checkRecord(raw: unknown): RecordCheck {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return { ok: false, reason: `not a JSON object (${raw === null ? 'null' : Array.isArray(raw) ? 'an array' : typeof raw})` };
  }
  const result = liveSessionRecordSchema.safeParse(raw);
  if (!result.success) return { ok: false, reason: describeIssues(result.error.issues) };
  // The input as it came (zod reorders keys and drops nested `__proto__` keys), plus the defaults it lacked.
  const record: Record<string, unknown> = { ...(raw as Record<string, unknown>) };
  for (const [key, value] of Object.entries(result.data)) if (!Object.hasOwn(record, key)) record[key] = value;
  return { ok: true, record: record as LiveSessionRecord };
}

function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const first = issues[0];
  const field = first.path.length ? first.path.map(String).join('.') : '(record)';
  const what = /received undefined$/.test(first.message) ? 'missing' : first.message.replace(/^Invalid input: /, '').replace(/\s+/g, ' ');
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  return `${field}: ${what}${more}`;
}

/** Epoch milliseconds of `started_at`; naive times are UTC, like everywhere in the project. */
export function startedMs(record: LiveSessionRecord): number {
  return parseTimestamp(record.started_at);
}
