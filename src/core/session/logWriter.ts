import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import type { SessionMessage } from './sessionMessage';

export const LOG_SCHEMA = 1;

/** One message as a line of our `.log` format (DESIGN §3.1); old tools read it too. */
export function messageLine(m: SessionMessage): string {
  // Built by hand: the recorder writes one per message, and this is the same JSON as
  // JSON.stringify of the object, without the object.
  let line = `{"topic":${JSON.stringify(m.topic)},"payload":${JSON.stringify(m.payload)},"timestamp":${JSON.stringify(m.timestamp)},"qos":${m.qos ?? 0},"retain":${m.retain === true}`;
  if (m.payloadEncoding === 'base64') line += ',"payloadEncoding":"base64"';
  if (m.props && Object.keys(m.props).length) line += `,"props":${JSON.stringify(m.props)}`;
  return `${line}}`;
}

/**
 * Append-only writer of a session `.log`. Lines are buffered in memory until `flush()`
 * hands them to the OS and `sync()` forces them to disk; the caller decides how often
 * (the recorder flushes within 100 ms and syncs every second).
 */
export class SessionLogWriter {
  readonly fd: number;
  private pending: string[] = [];
  private pendingBytes = 0;
  bytesWritten = 0;
  messages = 0;

  /**
   * `create` refuses to overwrite an existing file; `append` continues one (resume).
   * Both write in append mode: a line another process appended (recovery's `session_end`)
   * is never overwritten.
   */
  constructor(readonly path: string, mode: 'create' | 'append' = 'create') {
    this.fd = openSync(path, mode === 'create' ? 'ax' : 'a');
  }

  writeMeta(meta: Record<string, unknown>): void {
    this.push(JSON.stringify({ _kind: 'session_meta', schema: LOG_SCHEMA, ...meta }));
  }

  writeMessage(m: SessionMessage): void {
    this.messages++;
    this.push(messageLine(m));
  }

  writeRecord(kind: string, data: Record<string, unknown>): void {
    this.push(JSON.stringify({ _kind: kind, ...data }));
  }

  /** Text as it is (recovery ends a cut-off last line before appending). */
  writeRaw(text: string): void {
    this.pending.push(text);
    this.pendingBytes += text.length;
  }

  get bufferedBytes(): number {
    return this.pendingBytes;
  }

  flush(): void {
    if (this.pending.length === 0) return;
    const buf = Buffer.from(this.pending.join(''), 'utf8');
    this.pending = [];
    this.pendingBytes = 0;
    let off = 0;
    while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off);
    this.bytesWritten += buf.length;
  }

  sync(): void {
    this.flush();
    fsyncSync(this.fd);
  }

  /** Writes `session_end` (when given), syncs and closes. */
  close(end?: Record<string, unknown>): void {
    if (end) this.writeRecord('session_end', end);
    try {
      this.sync();
    } finally {
      closeSync(this.fd);
    }
  }

  private push(line: string): void {
    this.pending.push(line, '\n');
    this.pendingBytes += line.length + 1;
  }
}
