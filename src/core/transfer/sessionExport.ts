import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { messageLine } from '../session/logWriter';
import type { SessionFiles } from '../session/sessionFiles';
import type { SessionMessage } from '../session/sessionMessage';
import { type SessionReadOptions, openSessionSource } from '../session/sessionSource';
import { csvRow } from './csv';

export type ExportFormat = 'csv' | 'json' | 'jsonl';

export const CSV_COLUMNS = ['timestamp', 'topic', 'payload', 'qos', 'retain', 'payload_encoding'] as const;

function jsonObject(m: SessionMessage): string {
  return messageLine(m);
}

/**
 * Streams a session's messages out as CSV, a JSON array or JSON lines (our `.log`
 * message lines). Returns the number written.
 */
export async function exportSession(files: SessionFiles, format: ExportFormat, out: Writable, options: SessionReadOptions = {}): Promise<number> {
  const source = await openSessionSource(files, options);
  let n = 0;
  try {
    if (format === 'csv') await write(out, csvRow([...CSV_COLUMNS]));
    if (format === 'json') await write(out, '[');
    for await (const batch of source.batches()) {
      options.signal?.throwIfAborted();
      let chunk = '';
      for (const m of batch) {
        if (format === 'csv') chunk += csvRow([m.timestamp, m.topic, m.payload, String(m.qos ?? 0), m.retain ? 'true' : 'false', m.payloadEncoding]);
        else if (format === 'json') chunk += `${n === 0 ? '\n' : ',\n'}${jsonObject(m)}`;
        else chunk += `${jsonObject(m)}\n`;
        n++;
      }
      await write(out, chunk);
    }
    if (format === 'json') await write(out, n ? '\n]\n' : ']\n');
  } finally {
    source.close();
  }
  return n;
}

/** Writes honouring backpressure, so a large export never piles up in memory. */
function write(out: Writable, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (out.write(text)) resolve();
    else {
      out.once('drain', resolve);
      out.once('error', reject);
    }
  });
}

export async function exportSessionToFile(files: SessionFiles, format: ExportFormat, file: string, options: SessionReadOptions = {}): Promise<number> {
  const out = createWriteStream(file, { flags: 'wx' });
  await new Promise<void>((resolve, reject) => {
    out.once('open', () => resolve());
    out.once('error', reject);
  });
  try {
    const n = await exportSession(files, format, out, options);
    await new Promise<void>((resolve) => out.end(resolve));
    return n;
  } catch (err) {
    // The file was made here ('wx'): a cut-off export is not left behind.
    await new Promise<void>((resolve) => out.end(resolve));
    await rm(file, { force: true });
    throw err;
  }
}
