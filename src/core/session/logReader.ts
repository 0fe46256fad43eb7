import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { type ParsedLine, parseLogLine } from './logLine';
import { ProblemList } from './problemList';
import { type SessionMessage, type SessionRecord, isValidUtf8 } from './sessionMessage';
import type { NaiveTimeZone } from './timestamps';

export interface LogReadOptions {
  naive?: NaiveTimeZone;
  /** Messages per yielded batch. */
  batchSize?: number;
  /** Called with bytes read so far and the file size, at most once per chunk. */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  signal?: AbortSignal;
}

/** Records kept in memory are bounded: a recording may hold millions of event lines. */
const MAX_RECORDS = 10_000;
const CHUNK = 1 << 20;
const INVALID_UTF8 = 'invalid UTF-8 (read as U+FFFD)';

/**
 * Streams a session `.log` (JSON lines) in batches: the file is never held whole in memory.
 * Bad lines become problems with their line number; reading goes on.
 */
export class SessionLogReader {
  readonly problems = new ProblemList();
  readonly records: SessionRecord[] = [];
  meta: SessionRecord | undefined;
  end: SessionRecord | undefined;
  /** Every line is one of: blank, a message, a metadata record, or skipped (a problem). */
  lines = 0;
  messages = 0;
  blankLines = 0;
  recordLines = 0;
  skippedLines = 0;
  bytesRead = 0;
  totalBytes = 0;

  constructor(readonly path: string, private readonly options: LogReadOptions = {}) {}

  async *batches(): AsyncGenerator<SessionMessage[]> {
    const { naive = 'utc', batchSize = 5000, onProgress, signal } = this.options;
    this.totalBytes = (await stat(this.path)).size;
    const stream = createReadStream(this.path, { highWaterMark: CHUNK });
    // Bytes after the last newline, in pieces: a line longer than a chunk is joined once.
    let pending: Buffer[] = [];
    let batch: SessionMessage[] = [];
    let first = true;

    const take = (text: string, isTail: boolean, badUtf8: boolean): void => {
      this.lines++;
      const lineNo = this.lines;
      const r = readLogLine(text, lineNo, naive, { first, badUtf8, isTail });
      first = false;
      if (r.type === 'blank') this.blankLines++;
      else if (r.type === 'message') {
        this.messages++;
        batch.push(r.message);
      } else if (r.type === 'record') {
        this.recordLines++;
        this.takeRecord(r.record);
      } else this.skippedLines++;
      if (r.type !== 'blank' && r.problem) this.problems.add(lineNo, r.problem);
    };

    /** Whole lines (ending in a newline byte); one decode when they are valid UTF-8, the common case. */
    const takeLines = (bytes: Buffer): void => {
      if (isValidUtf8(bytes)) {
        const text = bytes.toString('utf8');
        let start = 0;
        for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
          take(text.slice(start, nl), false, false);
          start = nl + 1;
        }
        return;
      }
      let start = 0;
      for (let nl = bytes.indexOf(10); nl !== -1; nl = bytes.indexOf(10, start)) {
        const line = bytes.subarray(start, nl);
        take(line.toString('utf8'), false, !isValidUtf8(line));
        start = nl + 1;
      }
    };

    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        if (signal?.aborted) throw new Error('cancelled');
        this.bytesRead += chunk.length;
        const nl = chunk.lastIndexOf(10);
        if (nl === -1) pending.push(chunk);
        else {
          pending.push(chunk.subarray(0, nl + 1));
          takeLines(pending.length === 1 ? pending[0] : Buffer.concat(pending));
          pending = nl + 1 < chunk.length ? [chunk.subarray(nl + 1)] : [];
        }
        onProgress?.(this.bytesRead, this.totalBytes);
        if (batch.length >= batchSize) {
          const out = batch;
          batch = [];
          yield out;
        }
      }
      const tail = Buffer.concat(pending);
      if (tail.length > 0) take(tail.toString('utf8'), true, !isValidUtf8(tail));
      if (batch.length > 0) yield batch;
    } finally {
      stream.destroy();
    }
  }

  /** Reads the whole file and returns the messages: for small files and tests only. */
  async readAll(): Promise<SessionMessage[]> {
    const all: SessionMessage[] = [];
    for await (const batch of this.batches()) for (const m of batch) all.push(m);
    return all;
  }

  private takeRecord(record: SessionRecord): void {
    if (record.kind === 'session_meta' && !this.meta) this.meta = record;
    else if (record.kind === 'session_end') this.end = record;
    if (this.records.length < MAX_RECORDS) this.records.push(record);
  }
}

export type LogLine = { type: 'blank' } | ((ParsedLine & { type: 'message' | 'record' }) & { problem?: string }) | { type: 'problem'; problem: string };

/**
 * One line of a `.log` as every reader takes it (the whole read and the live index): a
 * CR and a first line's BOM dropped, blank lines told apart, and the line's problem
 * worded once (invalid UTF-8 added to whatever else is wrong with it).
 */
export function readLogLine(text: string, lineNo: number, naive: NaiveTimeZone, at: { first: boolean; badUtf8: boolean; isTail?: boolean }): LogLine {
  if (text.length > 0 && text.charCodeAt(text.length - 1) === 13) text = text.slice(0, -1);
  if (at.first && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  // Never with invalid UTF-8: its bytes read as U+FFFD, not as blanks.
  if (isBlank(text)) return { type: 'blank' };
  const parsed = parseLogLine(text, lineNo, naive);
  const utf8 = at.badUtf8 ? INVALID_UTF8 : undefined;
  if (parsed.type === 'problem') {
    const reason = at.isTail && parsed.reason === 'not JSON' ? 'truncated last line (interrupted recording)' : parsed.reason;
    return { type: 'problem', problem: utf8 ? `${reason}; ${utf8}` : reason };
  }
  const warning = parsed.type === 'message' ? parsed.warning : undefined;
  const problem = utf8 && warning ? `${utf8}; ${warning}` : (utf8 ?? warning);
  return problem ? { ...parsed, problem } : parsed;
}

/** Cheaper than `trim() === ''` on every line: a JSON line starts with `{` almost always. */
function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}
