import { appendFile, mkdir, rename, rm, stat } from 'node:fs/promises';
import * as path from 'node:path';

export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARNING', 'ERROR'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const LOG_FILE_NAME = 'session_manager.jsonl';
export const LOG_MAX_BYTES = 1024 * 1024;
export const LOG_BACKUPS = 3;

/** One line of the log. */
export interface LogEntry {
  time: string;
  level: LogLevel;
  component: string;
  message: string;
  fields?: Record<string, unknown>;
}

export interface JsonLoggerOptions {
  dir: string;
  fileName?: string;
  /** Entries below this level are not written. */
  level?: LogLevel;
  /** The file is rotated before a line would take it past this size. */
  maxBytes?: number;
  /** Rotated files kept: `<file>.1` (newest) … `<file>.<backups>`. */
  backups?: number;
  now?: () => Date;
  /** A failed write; logging itself never throws. Default: one line on stderr, once. */
  onError?: (err: Error) => void;
}

export function levelRank(level: LogLevel): number {
  return LOG_LEVELS.indexOf(level);
}

/** Accepts `info`, `Warn`, … as the user types them. */
export function parseLogLevel(text: string): LogLevel | undefined {
  const upper = text.trim().toUpperCase();
  const level = upper === 'WARN' ? 'WARNING' : upper;
  return (LOG_LEVELS as readonly string[]).includes(level) ? (level as LogLevel) : undefined;
}

/**
 * The tool's own levelled JSON-lines log with size-based rotation.
 * Writes are queued and appended in batches so that a caller never waits for the disk;
 * `flush()` waits for everything logged so far.
 */
export class JsonLogger {
  readonly file: string;
  private readonly level: LogLevel;
  private readonly maxBytes: number;
  private readonly backups: number;
  private readonly now: () => Date;
  private readonly onError: (err: Error) => void;
  private pending: string[] = [];
  private size: number | undefined;
  private writing: Promise<void> = Promise.resolve();
  private scheduled = false;

  constructor(options: JsonLoggerOptions) {
    this.file = path.join(options.dir, options.fileName ?? LOG_FILE_NAME);
    this.level = options.level ?? 'INFO';
    this.maxBytes = options.maxBytes ?? LOG_MAX_BYTES;
    this.backups = options.backups ?? LOG_BACKUPS;
    this.now = options.now ?? (() => new Date());
    let reported = false;
    this.onError =
      options.onError ??
      ((err) => {
        if (reported) return;
        reported = true;
        process.stderr.write(`mqtt-sessions: cannot write the log ${this.file}: ${err.message}\n`);
      });
  }

  debug(component: string, message: string, fields?: Record<string, unknown>): void {
    this.log('DEBUG', component, message, fields);
  }

  info(component: string, message: string, fields?: Record<string, unknown>): void {
    this.log('INFO', component, message, fields);
  }

  warning(component: string, message: string, fields?: Record<string, unknown>): void {
    this.log('WARNING', component, message, fields);
  }

  error(component: string, message: string, fields?: Record<string, unknown>): void {
    this.log('ERROR', component, message, fields);
  }

  log(level: LogLevel, component: string, message: string, fields?: Record<string, unknown>): void {
    if (levelRank(level) < levelRank(this.level)) return;
    const entry: LogEntry = { time: this.now().toISOString(), level, component, message };
    if (fields && Object.keys(fields).length) entry.fields = fields;
    let line: string;
    try {
      line = JSON.stringify(entry);
    } catch (err) {
      // Fields that do not serialise (cycles, BigInt) must not cost the message.
      line = JSON.stringify({ ...entry, fields: { unserializable: String(err) } });
    }
    this.pending.push(`${line}\n`);
    if (!this.scheduled) {
      this.scheduled = true;
      this.writing = this.writing.then(() => this.drain());
    }
  }

  /** Resolves when every entry logged before the call is on disk (or failed). */
  flush(): Promise<void> {
    return this.writing;
  }

  private async drain(): Promise<void> {
    this.scheduled = false;
    const lines = this.pending;
    this.pending = [];
    try {
      if (this.size === undefined) {
        await mkdir(path.dirname(this.file), { recursive: true });
        this.size = (await stat(this.file).catch(() => undefined))?.size ?? 0;
      }
      let batch = '';
      let batchBytes = 0;
      for (const line of lines) {
        const bytes = Buffer.byteLength(line);
        if (this.size + batchBytes + bytes > this.maxBytes && this.size + batchBytes > 0) {
          if (batch) await appendFile(this.file, batch);
          this.size += batchBytes;
          batch = '';
          batchBytes = 0;
          await this.rotate();
        }
        batch += line;
        batchBytes += bytes;
      }
      if (batch) await appendFile(this.file, batch);
      this.size += batchBytes;
    } catch (err) {
      this.size = undefined; // re-read the real size next time
      this.onError(err as Error);
    }
  }

  /** `file` → `.1` → `.2` … ; the oldest beyond `backups` is deleted. */
  private async rotate(): Promise<void> {
    await rm(`${this.file}.${this.backups}`, { force: true });
    for (let i = this.backups - 1; i >= 1; i--) {
      await rename(`${this.file}.${i}`, `${this.file}.${i + 1}`).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
    }
    if (this.backups > 0) await rename(this.file, `${this.file}.1`);
    else await rm(this.file, { force: true });
    this.size = 0;
  }
}
