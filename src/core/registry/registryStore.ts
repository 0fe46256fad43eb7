import { createHash } from 'node:crypto';
import { type FileHandle, mkdir, open, readdir, rm } from 'node:fs/promises';
import * as path from 'node:path';
import { readRegularTextFile } from '../util/regularFile';
import { type LiveSessionRecord, type SessionStatus, checkRecord, startedMs } from './liveSessionRecord';

/** Where the Python trading system files its records (DESIGN §3, `mqttSessions.liveSessionFolders`). */
export const DEFAULT_REGISTRY_DIR = 'reports/experiments/live_sessions';

/** A file that could not be read as a record: shown to the user, never dropped silently. */
export interface RegistryProblem {
  file: string;
  reason: string;
}

export interface RegistryEntry {
  file: string;
  record: LiveSessionRecord;
  /** `started_at` in epoch milliseconds (naive = UTC). */
  startedMs: number;
}

export interface ListFilter {
  runType?: string;
  status?: SessionStatus;
  /** The newest N after filtering. */
  limit?: number;
}

export interface RegistryListing {
  /** False when the folder does not exist (the default folder often does not). */
  folderExists: boolean;
  /** Newest `started_at` first. */
  entries: RegistryEntry[];
  problems: RegistryProblem[];
  /** Records read before filtering. */
  total: number;
}

export interface RegistrySummary {
  num_sessions: number;
  by_status: Record<string, number>;
  by_tier: Record<string, number>;
  total_realized_pnl: number;
  avg_max_drawdown: number;
  first_started_at?: string;
  last_started_at?: string;
}

/** Records without a tier count as `unclassified`, as in the Python summary. */
export const UNCLASSIFIED_TIER = 'unclassified';

/**
 * Files are read synchronously, yielding to the event loop every `SLICE_MS`: a registry is
 * thousands of small files, and one `readFileSync` costs a fifth of a promise-based read
 * (no thread-pool round trips), while a slice holds the loop (the extension host's) briefly.
 */
const SLICE_MS = 8;

/**
 * Reads every `*.json` of the folder (not hidden ones, like Python's `glob('*.json')`);
 * a bad file becomes a problem and the others still load. Only regular files are read
 * (symlinks when they resolve to one inside the folder), each up to `MAX_INPUT_FILE_BYTES`.
 */
export async function listRecords(dir: string, filter: ListFilter = {}): Promise<RegistryListing> {
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true })).filter((d) => !d.isDirectory() && !d.name.startsWith('.') && d.name.toLowerCase().endsWith('.json')).map((d) => d.name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { folderExists: false, entries: [], problems: [], total: 0 };
    throw err;
  }
  names.sort();
  const all: RegistryEntry[] = [];
  const problems: RegistryProblem[] = [];
  let sliceStart = performance.now();
  for (const name of names) {
    if (performance.now() - sliceStart > SLICE_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
    const file = path.join(dir, name);
    const r = readRecordText(file, [dir]);
    if ('record' in r) all.push(r);
    else problems.push(r);
  }
  // Newest first; equal times fall back to the file name (newest-looking name first), so the order is stable.
  all.sort((a, b) => b.startedMs - a.startedMs || (a.file < b.file ? 1 : a.file > b.file ? -1 : 0));
  let entries = all.filter((e) => (filter.runType === undefined || e.record.run_type === filter.runType) && (filter.status === undefined || e.record.status === filter.status));
  if (filter.limit !== undefined) entries = entries.slice(0, Math.max(0, filter.limit));
  return { folderExists: true, entries, problems, total: all.length };
}

/** Several folders' records, folder after folder, and their problems. */
export async function listRecordsIn(dirs: readonly string[], filter: ListFilter = {}): Promise<{ entries: RegistryEntry[]; problems: RegistryProblem[] }> {
  const entries: RegistryEntry[] = [];
  const problems: RegistryProblem[] = [];
  for (const dir of dirs) {
    const listing = await listRecords(dir, filter);
    entries.push(...listing.entries);
    problems.push(...listing.problems);
  }
  return { entries, problems };
}

/**
 * One file: the record, or a problem naming the file and the first wrong field. `roots`:
 * where a symlinked record may point (its own folder by default).
 */
export async function readRecordFile(file: string, roots?: readonly string[]): Promise<RegistryEntry | RegistryProblem> {
  return readRecordText(file, roots);
}

function readRecordText(file: string, roots: readonly string[] | undefined): RegistryEntry | RegistryProblem {
  let text: string;
  try {
    text = readRegularTextFile(file, { roots });
  } catch (err) {
    return { file, reason: (err as { reason?: string }).reason ?? `cannot read: ${(err as Error).message}` };
  }
  return parseRecordText(file, text);
}

function parseRecordText(file: string, text: string): RegistryEntry | RegistryProblem {
  let raw: unknown;
  try {
    raw = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    if (text.trim() === '') return { file, reason: 'empty file' };
    return { file, reason: `not valid JSON: ${(err as Error).message.split('\n')[0]}` };
  }
  const checked = checkRecord(raw);
  if (!checked.ok) return { file, reason: checked.reason };
  return { file, record: checked.record, startedMs: startedMs(checked.record) };
}

/** One record by its file; throws `file: reason` when it does not parse or validate. */
export async function loadRecord(file: string): Promise<LiveSessionRecord> {
  const r = await readRecordFile(file);
  if ('reason' in r) throw new Error(`${r.file}: ${r.reason}`);
  return r.record;
}

/** Figures of DESIGN §3.3 over the given entries. Realized PnL is `metrics.realized_pnl`, as the Python registry keeps it. */
export function summarizeRecords(entries: readonly RegistryEntry[]): RegistrySummary {
  const summary: RegistrySummary = { num_sessions: entries.length, by_status: {}, by_tier: {}, total_realized_pnl: 0, avg_max_drawdown: 0 };
  // Maps, not object keys: a tier named `__proto__` must count like any other.
  const byStatus = new Map<string, number>();
  const byTier = new Map<string, number>();
  let drawdownSum = 0;
  let drawdownCount = 0;
  let first: RegistryEntry | undefined;
  let last: RegistryEntry | undefined;
  for (const e of entries) {
    const r = e.record;
    byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);
    const tier = r.strategy_tier || UNCLASSIFIED_TIER;
    byTier.set(tier, (byTier.get(tier) ?? 0) + 1);
    if (typeof r.metrics.realized_pnl === 'number') summary.total_realized_pnl += r.metrics.realized_pnl;
    if (typeof r.metrics.max_drawdown === 'number') {
      drawdownSum += r.metrics.max_drawdown;
      drawdownCount++;
    }
    if (!first || e.startedMs < first.startedMs) first = e;
    if (!last || e.startedMs > last.startedMs) last = e;
  }
  summary.by_status = Object.fromEntries(byStatus);
  summary.by_tier = Object.fromEntries(byTier);
  if (drawdownCount) summary.avg_max_drawdown = drawdownSum / drawdownCount;
  // The dates as the records wrote them (naive or zoned), chosen by their true order.
  if (first) summary.first_started_at = first.record.started_at;
  if (last) summary.last_started_at = last.record.started_at;
  return summary;
}

/** Thrown by `registerRecord` when the input is not a valid record. */
export class InvalidRecordError extends Error {}

/** Name parts keep `[A-Za-z0-9._-]`; anything else (one code point at a time) becomes `_`. */
export function safeNamePart(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]/gu, '_');
}

/** File names stay well below the usual 255-byte limit even for long session ids. */
const MAX_PART = 100;
/** Hex digits of the SHA-256 of the whole value, for parts that were cut or changed. */
const HASH_DIGITS = 12;

/**
 * A name part that no other value shares: a value that is already safe and short stays as it
 * is (the Python registry's name); otherwise a readable prefix, `~` (never in a safe part, so
 * no plain value can look the same) and a hash of the whole value.
 */
function uniqueNamePart(text: string): string {
  const safe = safeNamePart(text);
  if (safe === text && safe.length <= MAX_PART) return safe;
  const hash = createHash('sha256').update(text, 'utf8').digest('hex').slice(0, HASH_DIGITS);
  return `${safe.slice(0, MAX_PART - HASH_DIGITS - 1)}~${hash}`;
}

function nameStamp(startedAt: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?/.exec(startedAt);
  if (!m) throw new InvalidRecordError('started_at: not an ISO 8601 date');
  return `${m[1]}${m[2]}${m[3]}T${m[4]}${m[5]}${m[6] ?? '00'}`;
}

type NamedRecord = Pick<LiveSessionRecord, 'started_at' | 'run_type' | 'session_id'>;

/**
 * `YYYYMMDDTHHMMSS_<run_type>_<session_id>.json`. The stamp is `started_at`'s own date and
 * time as written (what Python's `strftime` gives), not converted to UTC. Distinct ids give
 * distinct names (see `uniqueNamePart`).
 */
export function recordFileName(record: NamedRecord): string {
  return `${nameStamp(record.started_at)}_${uniqueNamePart(record.run_type)}_${uniqueNamePart(record.session_id)}.json`;
}

/** The name older versions gave (parts sanitised and cut at 100 characters): such files are still recognised. */
export function legacyRecordFileName(record: NamedRecord): string {
  return `${nameStamp(record.started_at)}_${safeNamePart(record.run_type).slice(0, MAX_PART)}_${safeNamePart(record.session_id).slice(0, MAX_PART)}.json`;
}

/** The path of an existing file of this record under its old name, if there is one. */
async function legacyFileOf(root: string, record: LiveSessionRecord): Promise<string | undefined> {
  const legacy = legacyRecordFileName(record);
  if (legacy === recordFileName(record)) return undefined;
  const r = await readRecordFile(path.join(root, legacy), [root]);
  // The old name is shared by ids equal in their first 100 characters: only the same ids count.
  return 'record' in r && r.record.session_id === record.session_id && r.record.run_type === record.run_type ? r.file : undefined;
}

/**
 * Validates and files a record in `dir` (created if missing). Never overwrites: a record
 * with the same name is an error. Returns the new file's path (`dir` joined with the name).
 */
export async function registerRecord(dir: string, raw: unknown): Promise<string> {
  const checked = checkRecord(raw);
  if (!checked.ok) throw new InvalidRecordError(checked.reason);
  const name = recordFileName(checked.record);
  const root = path.resolve(dir);
  const target = path.resolve(root, name);
  // Belt and braces: sanitising already removes separators, but no name may leave the folder.
  if (path.dirname(target) !== root || name === '.' || name === '..') throw new InvalidRecordError(`unsafe file name ${JSON.stringify(name)}`);
  const legacy = await legacyFileOf(root, checked.record);
  if (legacy) throw new Error(`${legacy} already exists (records are never overwritten)`);
  await mkdir(root, { recursive: true });
  const text = `${JSON.stringify(checked.record, null, 2)}\n`;
  let handle: FileHandle;
  try {
    handle = await open(target, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new Error(`${target} already exists (records are never overwritten)`);
    throw err;
  }
  try {
    await handle.writeFile(text, 'utf8');
    await handle.close();
  } catch (err) {
    await handle.close().catch(() => undefined);
    await rm(target, { force: true });
    throw err;
  }
  return path.join(dir, name);
}
