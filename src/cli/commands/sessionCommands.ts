import { stat } from 'node:fs/promises';
import { ensureIndex } from '../../core/index/sessionIndex';
import { type SearchHit, searchFolder, searchSession } from '../../core/search/sessionSearch';
import { scanCatalog } from '../../core/session/sessionCatalog';
import { resolveSession } from '../../core/session/sessionFiles';
import { type SessionSummary, summarizeSession } from '../../core/session/sessionSummary';
import { type NaiveTimeZone, parseUserTime } from '../../core/session/timestamps';
import { type ExportFormat, exportSession, exportSessionToFile } from '../../core/transfer/sessionExport';
import { importSession } from '../../core/transfer/sessionImport';
import { convertToDb, convertToLog } from '../../core/transfer/sessionConvert';
import { type ParsedArgs, UsageError, choiceOption, expectPositionals, intOption, parseArgs, stringOption } from '../argv';
import { formatDuration } from '../../core/util/units';
import { NAIVE, naiveOf, print } from '../sessionOptions';
import { progressReporter, table } from '../terminal';


export async function listCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { json: {}, ...NAIVE });
  expectPositionals(args, 1, Infinity, 'list DIR... [--json]');
  for (const dir of args.positionals) {
    const st = await stat(dir).catch(() => undefined);
    if (!st?.isDirectory()) throw new Error(`${dir}: no such folder`);
  }
  const entries = await scanCatalog(args.positionals, { naive: naiveOf(args) });
  // The others are listed on stdout; each unreadable one is named here, one line each.
  for (const e of entries) if (e.error) process.stderr.write(`mqtt-sessions: ${e.error}\n`);
  if (args.options.json) {
    print(JSON.stringify(entries.map((e) => (e.summary ? withoutTopicCounts(e.summary) : { name: e.files.name, files: [e.files.log, e.files.db].filter(Boolean), error: e.error })), null, 2));
    return entries.some((e) => e.error) ? 1 : 0;
  }
  if (entries.length === 0) {
    print('No sessions found.');
    return 0;
  }
  print(
    table(
      ['SESSION', 'FORMAT', 'MESSAGES', 'TOPICS', 'START (UTC)', 'DURATION', 'PROBLEMS'],
      entries.map((e) =>
        e.summary
          ? [e.summary.name, e.summary.format, String(e.summary.messages), String(e.summary.topics), e.summary.start?.replace('T', ' ').slice(0, 19) ?? '-', formatDuration(e.summary.durationSec), String(e.summary.problemCount)]
          : [e.files.name, 'error', '-', '-', '-', '-', e.error ?? ''],
      ),
    ),
  );
  return entries.some((e) => e.error) ? 1 : 0;
}

function withoutTopicCounts(s: SessionSummary): Omit<SessionSummary, 'topicCounts'> {
  const { topicCounts: _omit, ...rest } = s;
  return rest;
}

export async function infoCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { json: {}, ...NAIVE });
  expectPositionals(args, 1, 1, 'info SESSION [--json]');
  const files = await resolveSession(args.positionals[0]);
  const progress = progressReporter(`reading ${files.name}`);
  const s = await summarizeSession(files, { naive: naiveOf(args), onProgress: progress.update });
  progress.done();
  if (args.options.json) {
    print(JSON.stringify(s, null, 2));
    return 0;
  }
  const lines = [
    `Session   ${s.name}`,
    `Files     ${s.files.join(', ')}`,
    `Format    ${s.format} (read from ${s.readFrom})`,
    `Messages  ${s.messages}`,
    `Topics    ${s.topics}`,
    `Start     ${s.start ?? '-'}`,
    `End       ${s.end ?? '-'}`,
    `Duration  ${formatDuration(s.durationSec)}`,
  ];
  const metaKeys = Object.keys(s.meta);
  if (metaKeys.length) lines.push(`Meta      ${metaKeys.map((k) => `${k}=${short(s.meta[k])}`).join(', ')}`);
  lines.push(`Problems  ${s.problemCount}`);
  for (const p of s.problems.slice(0, 10)) lines.push(`  line ${p.line}: ${p.reason}`);
  if (s.problemCount > 10) lines.push(`  … and ${s.problemCount - 10} more (see --json)`);
  if (s.topicCounts.length) {
    lines.push('', table(['TOPIC', 'MESSAGES'], s.topicCounts.slice(0, 15).map((t) => [t.topic, String(t.count)])));
    if (s.topicCounts.length > 15) lines.push(`… and ${s.topicCounts.length - 15} more topics`);
  }
  print(lines.join('\n'));
  return 0;
}

function short(v: unknown): string {
  const text = typeof v === 'string' ? v : JSON.stringify(v);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

export async function indexCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { force: {}, ...NAIVE });
  expectPositionals(args, 1, 1, 'index SESSION [--force]');
  const files = await resolveSession(args.positionals[0]);
  const progress = progressReporter(`indexing ${files.name}`);
  const r = await ensureIndex(files, { naive: naiveOf(args), force: args.options.force === true, onProgress: progress.update });
  progress.done();
  if (!r.built) {
    print(`${r.dbPath}: ${files.log ? 'index is current' : 'a .db-only session is its own index'}`);
    return 0;
  }
  if (r.backup) print(`kept the previous .db (not ours) as ${r.backup}`);
  const b = r.build;
  if (b) print(`${r.dbPath}: ${b.messages} messages, ${b.topics} topics, ${b.problems} problems, built in ${(b.elapsedMs / 1000).toFixed(2)} s (${r.reason})`);
  return 0;
}

export async function searchCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { topic: { value: true }, from: { value: true }, to: { value: true }, limit: { value: true }, json: {}, all: { value: true }, ...NAIVE });
  const all = stringOption(args, 'all');
  expectPositionals(args, all ? 1 : 2, all ? 1 : 2, 'search QUERY (SESSION|DIR | --all DIR) [--topic F] [--from T] [--to T] [--limit N] [--json]');
  const naive = naiveOf(args);
  const q = {
    text: args.positionals[0],
    topic: stringOption(args, 'topic'),
    fromMs: timeOption(args, 'from', naive),
    toMs: timeOption(args, 'to', naive),
    limit: intOption(args, 'limit'),
  };
  const target = all ?? args.positionals[1];
  const onIndexed = (name: string): void => void process.stderr.write(`indexed ${name}\n`);
  let hits: SearchHit[];
  let failed = false;
  if ((await stat(target).catch(() => undefined))?.isDirectory()) {
    const r = await searchFolder(target, q, { naive, onIndexed });
    for (const e of r.errors) process.stderr.write(`mqtt-sessions: ${e.session}: ${e.error}\n`);
    failed = r.errors.length > 0;
    hits = r.hits;
  } else {
    hits = await searchSession(await resolveSession(target), q, { naive, onIndexed });
  }
  if (args.options.json) print(JSON.stringify(hits, null, 2));
  else if (hits.length === 0) print('No matches.');
  else print(table(['SESSION', 'TIME', 'TOPIC', 'SNIPPET'], hits.map((h) => [h.session, h.timestamp, h.topic, h.snippet])));
  return failed ? 1 : 0;
}

function timeOption(args: ParsedArgs, name: string, naive: NaiveTimeZone): number | undefined {
  const v = stringOption(args, name);
  if (v === undefined) return undefined;
  const ms = parseUserTime(v, naive);
  if (!Number.isFinite(ms)) throw new UsageError(`--${name} must be an ISO 8601 time or epoch milliseconds (got ${v})`);
  return ms;
}

export async function exportCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { format: { value: true }, out: { value: true }, ...NAIVE });
  expectPositionals(args, 1, 1, 'export SESSION --format csv|json|jsonl [--out FILE]');
  const format = choiceOption(args, 'format', ['csv', 'json', 'jsonl'] as const) as ExportFormat | undefined;
  if (!format) throw new UsageError('export needs --format csv|json|jsonl');
  const files = await resolveSession(args.positionals[0]);
  const out = stringOption(args, 'out');
  if (out) {
    const n = await exportSessionToFile(files, format, out, { naive: naiveOf(args) });
    process.stderr.write(`${out}: ${n} messages\n`);
  } else {
    await exportSession(files, format, process.stdout, { naive: naiveOf(args) });
  }
  return 0;
}

export async function importCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { out: { value: true }, name: { value: true }, 'no-index': {}, ...NAIVE });
  expectPositionals(args, 1, 1, 'import FILE [--out DIR] [--name NAME] [--no-index]');
  const r = await importSession(args.positionals[0], { outDir: stringOption(args, 'out'), name: stringOption(args, 'name'), naive: naiveOf(args), index: args.options['no-index'] !== true });
  for (const p of r.problems.items.slice(0, 10)) process.stderr.write(`${args.positionals[0]}: line ${p.line}: ${p.reason} (skipped)\n`);
  if (r.problems.count > 10) process.stderr.write(`… and ${r.problems.count - 10} more skipped\n`);
  print(`${r.logPath}: ${r.messages} messages imported${r.dbPath ? `, indexed as ${r.dbPath}` : ''}${r.problems.count ? `, ${r.problems.count} skipped` : ''}`);
  return 0;
}

export async function convertCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { to: { value: true }, out: { value: true }, ...NAIVE });
  expectPositionals(args, 1, 1, 'convert SESSION --to log|db [--out FILE]');
  const to = choiceOption(args, 'to', ['log', 'db'] as const);
  if (!to) throw new UsageError('convert needs --to log|db');
  const files = await resolveSession(args.positionals[0]);
  if (to === 'db' && stringOption(args, 'out')) throw new UsageError('--out is for --to log; the index lives beside the session');
  const r = to === 'log' ? await convertToLog(files, { out: stringOption(args, 'out'), naive: naiveOf(args) }) : await convertToDb(files, { naive: naiveOf(args) });
  if (r.backup) print(`kept the previous file as ${r.backup}`);
  print(`${r.file}: ${r.note ?? `${r.messages} messages`}`);
  return 0;
}

