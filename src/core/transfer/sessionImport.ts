import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { buildIndexInWorker } from '../index/indexClient';
import { messageFromObject } from '../session/logLine';
import { SessionLogReader } from '../session/logReader';
import { SessionLogWriter } from '../session/logWriter';
import { ProblemList } from '../session/problemList';
import { splitSessionName } from '../session/sessionFiles';
import type { SessionMessage } from '../session/sessionMessage';
import { type NaiveTimeZone, sessionStamp } from '../session/timestamps';
import { CsvParser } from './csv';

export interface ImportOptions {
  outDir?: string;
  name?: string;
  naive?: NaiveTimeZone;
  /** Build the `.db` index after writing the `.log` (default true). */
  index?: boolean;
  /** Stops before writing, or during the index build (the `.log` written stays). */
  signal?: AbortSignal;
}

export interface ImportResult {
  logPath: string;
  dbPath?: string;
  messages: number;
  problems: ProblemList;
}

/**
 * CSV (as `export` writes it), a JSON array (or `{ "messages": [...] }`) or JSON lines
 * → a new session (`.log` plus index). Rows that do not fit are skipped and reported
 * with their line (CSV, JSON lines) or position (JSON array).
 */
export async function importSession(file: string, options: ImportOptions = {}): Promise<ImportResult> {
  const ext = path.extname(file).toLowerCase();
  const naive = options.naive ?? 'utc';
  const problems = new ProblemList();
  const messages: SessionMessage[] = [];
  // Rows read with a note (a payload too deep, kept as text): problems, but not skipped.
  let noted = 0;
  const take = (o: Record<string, unknown>, line: number): void => {
    const parsed = messageFromObject(o, line, naive);
    if (parsed.type === 'message') {
      messages.push(parsed.message);
      if (parsed.warning) {
        problems.add(line, parsed.warning);
        noted++;
      }
    } else if (parsed.type === 'problem') problems.add(line, parsed.reason);
  };
  if (ext === '.csv') await readCsv(file, take, problems);
  else if (ext === '.json') await readJsonArray(file, take, problems);
  else if (ext === '.jsonl' || ext === '.ndjson' || ext === '.log') await readJsonLines(file, naive, messages, problems);
  else throw new Error(`${file}: unknown import format (expected .csv, .json or .jsonl)`);
  if (messages.length === 0) {
    const first = problems.items[0];
    throw new Error(`${file}: no messages to import${first ? ` (line ${first.line}: ${first.reason})` : ''}`);
  }

  if (options.signal?.aborted) throw new Error(`${file}: import cancelled`);
  const base = options.name ?? path.basename(file, ext);
  const name = splitSessionName(base).stampMs === undefined ? `${base}_${sessionStamp(messages.reduce((min, m) => Math.min(min, m.tsMs), Number.POSITIVE_INFINITY))}` : base;
  const outDir = options.outDir ?? path.dirname(file);
  const logPath = path.join(outDir, `${name}.log`);
  if (await stat(logPath).catch(() => undefined)) throw new Error(`${logPath}: already exists`);
  const writer = new SessionLogWriter(logPath, 'create');
  writer.writeMeta({ sessionName: splitSessionName(name).label, importedFrom: path.basename(file), importedAt: new Date().toISOString() });
  for (const m of messages) writer.writeMessage(m);
  writer.close({ status: 'imported', messages: messages.length, skipped: problems.count - noted });
  let dbPath: string | undefined;
  if (options.index !== false) {
    dbPath = path.join(outDir, `${name}.db`);
    await buildIndexInWorker(logPath, dbPath, { naive, signal: options.signal });
  }
  return { logPath, dbPath, messages: messages.length, problems };
}

async function readCsv(file: string, take: (o: Record<string, unknown>, line: number) => void, problems: ProblemList): Promise<void> {
  const parser = new CsvParser();
  let header: string[] | undefined;
  const onRow = (row: string[], line: number): void => {
    if (!header) {
      header = row.map((h) => h.trim().replace(/^\uFEFF/, ''));
      const missing = ['topic', 'payload', 'timestamp'].filter((c) => !header?.includes(c));
      if (missing.length) throw new Error(`${file}: line 1: CSV header lacks column ${missing.join(', ')}`);
      return;
    }
    if (row.length !== header.length) {
      problems.add(line, `expected ${header.length} fields, got ${row.length}`);
      return;
    }
    const o: Record<string, unknown> = {};
    header.forEach((h, i) => (o[h === 'payload_encoding' ? 'payloadEncoding' : h] = row[i]));
    if (o.qos === '') delete o.qos;
    else if (typeof o.qos === 'string' && /^[0-2]$/.test(o.qos)) o.qos = Number(o.qos);
    if (o.retain === '') delete o.retain;
    else if (typeof o.retain === 'string' && /^(true|false|0|1)$/i.test(o.retain)) o.retain = /^(true|1)$/i.test(o.retain);
    if (o.payloadEncoding === '') delete o.payloadEncoding;
    take(o, line);
  };
  const decoder = new StringDecoder('utf8');
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) parser.feed(decoder.write(chunk), onRow);
  parser.feed(decoder.end(), onRow);
  parser.end(onRow);
  if (!header) throw new Error(`${file}: empty CSV file`);
}

async function readJsonArray(file: string, take: (o: Record<string, unknown>, line: number) => void, problems: ProblemList): Promise<void> {
  let value: unknown;
  try {
    value = JSON.parse((await readFile(file, 'utf8')).replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new Error(`${file}: not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const list = Array.isArray(value) ? value : (value as { messages?: unknown })?.messages;
  if (!Array.isArray(list)) throw new Error(`${file}: expected a JSON array of messages or an object with "messages"`);
  list.forEach((item, i) => {
    if (typeof item === 'object' && item !== null && !Array.isArray(item)) take(item as Record<string, unknown>, i + 1);
    else problems.add(i + 1, 'not a JSON object');
  });
}

async function readJsonLines(file: string, naive: NaiveTimeZone, messages: SessionMessage[], problems: ProblemList): Promise<void> {
  const reader = new SessionLogReader(file, { naive });
  for await (const batch of reader.batches()) for (const m of batch) messages.push(m);
  for (const p of reader.problems.items) problems.add(p.line, p.reason);
}
