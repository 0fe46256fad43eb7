import { rename, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { ensureIndex } from '../index/sessionIndex';
import { SessionDbWriter } from '../index/sessionDbWriter';
import { SessionLogWriter } from '../session/logWriter';
import type { SessionFiles } from '../session/sessionFiles';
import { openSessionSource } from '../session/sessionSource';
import type { NaiveTimeZone } from '../session/timestamps';

export interface ConvertResult {
  file: string;
  messages: number;
  /** Where the file that was replaced went. */
  backup?: string;
  note?: string;
}

/** Writes a session's messages as a `.log` of our format beside it (never over an existing file). */
export async function convertToLog(files: SessionFiles, options: { out?: string; naive?: NaiveTimeZone } = {}): Promise<ConvertResult> {
  const target = options.out ?? path.join(files.dir, `${files.name}.log`);
  if (await exists(target)) throw new Error(`${target}: already exists (give --out)`);
  const source = await openSessionSource(files, { naive: options.naive });
  const writer = new SessionLogWriter(target, 'create');
  let n = 0;
  try {
    writer.writeMeta({ sessionName: files.name, convertedFrom: path.basename(source.file), ...source.meta() });
    for await (const batch of source.batches()) {
      for (const m of batch) writer.writeMessage(m);
      n += batch.length;
      writer.flush();
    }
    writer.close({ status: 'converted', messages: n, skipped: source.problems.count });
  } finally {
    source.close();
  }
  return { file: target, messages: n };
}

/**
 * Writes our index layout: from the `.log` when there is one, else from the `.db`
 * itself (an old recorder's table), whose original is kept as `.db.bak`.
 */
export async function convertToDb(files: SessionFiles, options: { naive?: NaiveTimeZone } = {}): Promise<ConvertResult> {
  if (files.log) {
    const r = await ensureIndex(files, { naive: options.naive, force: true });
    return { file: r.dbPath, messages: r.build?.messages ?? 0, backup: r.backup };
  }
  const source = await openSessionSource(files, { naive: options.naive });
  if (source.format === 'db-index') {
    source.close();
    return { file: source.file, messages: 0, note: 'already in our index format' };
  }
  const writer = await SessionDbWriter.create(source.file);
  try {
    for await (const batch of source.batches()) writer.add(batch);
  } catch (err) {
    await writer.abort();
    source.close();
    throw err;
  }
  const meta = source.meta();
  source.close();
  const dbPath = source.file;
  const backup = `${dbPath}.bak`;
  if (await exists(backup)) throw new Error(`${backup}: already exists; move it away first`);
  const tmp = `${dbPath}.new`;
  await writer.finish(tmp, { meta, problems: source.problems.items, index: { 'index.convertedFrom': path.basename(dbPath) } });
  await rename(dbPath, backup);
  await rename(tmp, dbPath);
  return { file: dbPath, messages: writer.messages, backup };
}

async function exists(p: string): Promise<boolean> {
  return (await stat(p).catch(() => undefined)) !== undefined;
}
