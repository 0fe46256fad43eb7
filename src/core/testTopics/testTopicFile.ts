import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { z } from 'zod';
import { topicNameProblem } from '../mqtt/topicFilter';
import { type QoS, encodePayload } from '../session/sessionMessage';
import { tooDeep } from '../util/jsonDepth';
import { InputFileError, readRegularFileAsync } from '../util/regularFile';

/**
 * A test-topic file (DESIGN §3.2): one JSON object, `topic` and `payload`, optional
 * `qos`, `retain`, `description`, `timestamp`, `sequence`, `type`. Unknown keys are kept.
 * `payloadEncoding: "base64"` is ours, for payloads that are not UTF-8 text.
 */
export const testTopicSchema = z
  .object({
    topic: z.string().superRefine((t, ctx) => {
      const problem = topicNameProblem(t);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
    payload: z.union([z.string(), z.record(z.string(), z.unknown()), z.array(z.unknown())], {
      error: 'must be a string, an object or an array',
    }),
    qos: z.union([z.literal(0), z.literal(1), z.literal(2)], { error: 'must be 0, 1 or 2' }).default(0),
    retain: z.boolean({ error: 'must be true or false' }).default(false),
    description: z.string().optional(),
    timestamp: z.string().optional(),
    sequence: z.union([z.number(), z.string()]).optional(),
    type: z.string().optional(),
    payloadEncoding: z.enum(['utf8', 'base64']).optional(),
  })
  .loose()
  .superRefine((t, ctx) => {
    if (t.payloadEncoding !== 'base64') return;
    const problem = typeof t.payload === 'string' ? base64Problem(t.payload) : 'must be a string when payloadEncoding is "base64"';
    if (problem) ctx.addIssue({ code: 'custom', path: ['payload'], message: problem });
  });

/**
 * Strict base64 (RFC 4648 §4, padded, no line breaks): Node decodes anything, skipping what
 * it does not know, so a typo would silently send fewer bytes. The round trip catches the
 * rest (stray bits in the last character).
 */
export function base64Problem(text: string): string | undefined {
  const bad = /[^A-Za-z0-9+/=]/.exec(text);
  if (bad) return `is not valid base64 (${JSON.stringify(bad[0])} at offset ${bad.index})`;
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text)) return 'is not valid base64 (wrong length or padding)';
  if (Buffer.from(text, 'base64').toString('base64') !== text) return 'is not valid base64 (does not decode to the same text again)';
  return undefined;
}

export type TestTopic = z.output<typeof testTopicSchema>;

/** A file that does not fit: the file, the field and what is wrong, in one line. */
export class TestTopicError extends Error {
  constructor(
    readonly file: string,
    readonly field: string | undefined,
    reason: string,
  ) {
    super(`${file}: ${field ? `field "${field}" ` : ''}${reason}`);
  }
}

export function parseTestTopic(text: string, file: string): TestTopic {
  // Checked before parsing: JSON.parse copes with deep nesting, JSON.stringify does not.
  const deep = tooDeep(text);
  if (deep) throw new TestTopicError(file, undefined, `is ${deep}`);
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new TestTopicError(file, undefined, `is not JSON (${(err as Error).message})`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new TestTopicError(file, undefined, 'is not a JSON object');
  const r = testTopicSchema.safeParse(doc);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = issue.path.join('.') || undefined;
  const missing = issue.code === 'invalid_type' && field && !(field in (doc as object));
  throw new TestTopicError(file, field, missing ? 'is missing' : issue.message);
}

/**
 * Reads and validates one file: a regular file only (a symlink when it resolves to one in
 * the file's own folder), at most `MAX_INPUT_FILE_BYTES`.
 */
export async function readTestTopic(file: string): Promise<TestTopic> {
  let text: string;
  try {
    text = (await readRegularFileAsync(file)).toString('utf8');
  } catch (err) {
    if (err instanceof InputFileError) throw new TestTopicError(file, undefined, err.reason);
    throw err;
  }
  return parseTestTopic(text, file);
}

/** What is published: a string as it is (or base64-decoded), an object or array as compact JSON. */
export function testTopicPayload(t: TestTopic): Buffer {
  if (typeof t.payload !== 'string') return Buffer.from(JSON.stringify(t.payload), 'utf8');
  return t.payloadEncoding === 'base64' ? Buffer.from(t.payload, 'base64') : Buffer.from(t.payload, 'utf8');
}

/**
 * A received message as a test topic. JSON payloads become objects only when sending
 * them back gives the same bytes; anything else stays the exact text (or base64).
 */
export function testTopicFromMessage(m: { topic: string; payload: Uint8Array; qos?: QoS; retain?: boolean; timestamp?: string; sequence?: number }): TestTopic {
  const stored = encodePayload(m.payload);
  let payload: TestTopic['payload'] = stored.payload;
  // Too deep to write back as an object (JSON.stringify would overflow): kept as the exact text.
  if (stored.payloadEncoding === 'utf8' && !tooDeep(stored.payload)) {
    const parsed = tryJson(stored.payload);
    if (parsed !== undefined && typeof parsed === 'object' && parsed !== null && JSON.stringify(parsed) === stored.payload) payload = parsed as TestTopic['payload'];
  }
  return {
    topic: m.topic,
    payload,
    qos: m.qos ?? 0,
    retain: m.retain ?? false,
    ...(m.timestamp ? { timestamp: m.timestamp } : {}),
    ...(m.sequence !== undefined ? { sequence: m.sequence } : {}),
    ...(stored.payloadEncoding === 'base64' ? { payloadEncoding: 'base64' as const } : {}),
  };
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * `ccu/order/active` → `ccu_order_active.json`, numbered `ccu_order_active__000056.json`.
 * Characters a file system may refuse (and `..`) become `_`: a topic never names a path.
 */
export function testTopicFileName(topic: string, sequence?: number): string {
  const base = topic.replace(/\//g, '_').replace(/[^A-Za-z0-9._-]/g, '_').replace(/\.\./g, '__').slice(0, 200);
  return `${base}${sequence !== undefined ? `__${String(sequence).padStart(6, '0')}` : ''}.json`;
}

/** Pretty JSON like the samples; `wx`: an existing file is never replaced. Returns false when it exists. */
export async function writeTestTopic(dir: string, name: string, t: TestTopic): Promise<boolean> {
  try {
    await writeFile(path.join(dir, name), `${JSON.stringify(t, null, 2)}\n`, { flag: 'wx' });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}
