import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { parseLogLine } from './logLine';
import { ProblemList } from './problemList';
import type { SessionMessage, SessionRecord } from './sessionMessage';
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

/**
 * Streams a session `.log` (JSON lines) in batches: the file is never held whole in memory.
 * Bad lines become problems with their line number; reading goes on.
 */
export class SessionLogReader {
  readonly problems = new ProblemList();
  readonly records: SessionRecord[] = [];
  meta: SessionRecord | undefined;
  end: SessionRecord | undefined;
  lines = 0;
  messages = 0;
  bytesRead = 0;
  totalBytes = 0;

  constructor(readonly path: string, private readonly options: LogReadOptions = {}) {}

  async *batches(): AsyncGenerator<SessionMessage[]> {
    const { naive = 'utc', batchSize = 5000, onProgress, signal } = this.options;
    this.totalBytes = (await stat(this.path)).size;
    const decoder = new StringDecoder('utf8');
    const stream = createReadStream(this.path, { highWaterMark: CHUNK });
    let pending = '';
    let batch: SessionMessage[] = [];
    let first = true;

    const take = (text: string, isTail: boolean): void => {
      this.lines++;
      const lineNo = this.lines;
      if (text.length > 0 && text.charCodeAt(text.length - 1) === 13) text = text.slice(0, -1);
      if (first) {
        first = false;
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      }
      if (isBlank(text)) return;
      const parsed = parseLogLine(text, lineNo, naive);
      if (parsed.type === 'message') {
        this.messages++;
        batch.push(parsed.message);
      } else if (parsed.type === 'record') {
        this.takeRecord(parsed.record);
      } else {
        const reason = isTail && parsed.reason === 'not JSON' ? 'truncated last line (interrupted recording)' : parsed.reason;
        this.problems.add(lineNo, reason);
      }
    };

    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        if (signal?.aborted) throw new Error('cancelled');
        this.bytesRead += chunk.length;
        const text = pending + decoder.write(chunk);
        let start = 0;
        let nl = text.indexOf('\n', start);
        while (nl !== -1) {
          take(text.slice(start, nl), false);
          start = nl + 1;
          nl = text.indexOf('\n', start);
        }
        pending = start === 0 ? text : text.slice(start);
        onProgress?.(this.bytesRead, this.totalBytes);
        if (batch.length >= batchSize) {
          const out = batch;
          batch = [];
          yield out;
        }
      }
      pending += decoder.end();
      if (pending.length > 0) take(pending, true);
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

/** Cheaper than `trim() === ''` on every line: a JSON line starts with `{` almost always. */
function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}
