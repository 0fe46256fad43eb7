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
import { type ParsedArgs, UsageError, choiceOption, intOption, stringOption } from '../argv';
import { defineCommand, usageError } from '../command';
import { formatDuration } from '../../core/util/units';
import { NAIVE, naiveOf, print } from '../sessionOptions';
import { table, withProgress } from '../terminal';

const JSON_OUT = { json: { help: 'print JSON instead of a table' } };

export const listCommand = defineCommand({
  name: 'list',
  usage: 'DIR...',
  summary: 'the sessions of folders, with counts',
  description: 'The sessions of folders (.log and .db paired by base name): format, messages, topics, start, duration, problems.',
  notes: 'An unreadable session is named on stderr and the others are listed (exit 1).',
  options: { ...JSON_OUT, ...NAIVE },
  positionals: [1, Infinity],
  run: listSessions,
});

async function listSessions(args: ParsedArgs): Promise<number> {
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

export const infoCommand = defineCommand({
  name: 'info',
  usage: 'SESSION',
  summary: "one session's figures and problems",
  description: "One session's figures: files, format, messages, topics, start, end, duration, meta, problems by line, messages per topic.",
  options: { json: { help: 'print one JSON object (name, files, format, messages, topics, start, end, durationSec, problems, problemCount, meta, topicCounts)' }, ...NAIVE },
  positionals: [1, 1],
  run: sessionInfo,
});

async function sessionInfo(args: ParsedArgs): Promise<number> {
  const files = await resolveSession(args.positionals[0]);
  const s = await withProgress(`reading ${files.name}`, (progress) => summarizeSession(files, { naive: naiveOf(args), onProgress: progress.update }));
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

export const indexCommand = defineCommand({
  name: 'index',
  usage: 'SESSION',
  summary: 'build the .db index of a .log',
  description: 'Builds the .db index of a .log (in a worker thread); skipped when it is current.',
  notes: "A .db written by another tool beside the .log is kept as <name>.db.bak first; a .db that cannot be read is never moved (use --force).",
  options: { force: { help: 'build it again even when current; an unreadable .db is kept as .db.bak' }, ...NAIVE },
  positionals: [1, 1],
  run: indexSession,
});

async function indexSession(args: ParsedArgs): Promise<number> {
  const files = await resolveSession(args.positionals[0]);
  const r = await withProgress(`indexing ${files.name}`, (progress) => ensureIndex(files, { naive: naiveOf(args), force: args.options.force === true, onProgress: progress.update }));
  if (!r.built) {
    print(`${r.dbPath}: ${files.log ? 'index is current' : 'a .db-only session is its own index'}`);
    return 0;
  }
  if (r.backup) print(`kept the previous .db (not ours) as ${r.backup}`);
  const b = r.build;
  if (b) print(`${r.dbPath}: ${b.messages} messages, ${b.topics} topics, ${b.problems} problems, built in ${(b.elapsedMs / 1000).toFixed(2)} s (${r.reason})`);
  return 0;
}

export const searchCommand = defineCommand({
  name: 'search',
  usage: 'QUERY (SESSION|DIR | --all DIR)',
  summary: 'full-text search in a session or a folder',
  description: 'Full-text search over topics and payloads: words, "quoted phrases", prefix*; an order id or UUID is found whole.',
  notes: 'A session without a current index is indexed first.',
  options: {
    topic: { value: true, arg: 'F', help: 'only topics matching this filter (MQTT wildcards + and #)' },
    from: { value: true, arg: 'T', help: 'from this time (ISO 8601 or epoch milliseconds)' },
    to: { value: true, arg: 'T', help: 'up to this time' },
    limit: { value: true, arg: 'N', help: 'at most N hits' },
    all: { value: true, arg: 'DIR', help: 'search every session of a folder' },
    ...JSON_OUT,
    ...NAIVE,
  },
  positionals: [1, 2],
  run: searchSessions,
});

async function searchSessions(args: ParsedArgs): Promise<number> {
  const all = stringOption(args, 'all');
  if (args.positionals.length !== (all ? 1 : 2)) throw usageError(searchCommand.spec);
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

export const exportCommand = defineCommand({
  name: 'export',
  usage: 'SESSION --format csv|json|jsonl',
  summary: "a session's messages as CSV, JSON or JSON lines",
  description: 'Streams the messages of a session out as CSV, a JSON array or JSON lines (stdout by default).',
  options: {
    format: { value: true, arg: 'csv|json|jsonl', help: 'the format (required)' },
    out: { value: true, arg: 'FILE', help: 'write to this file instead of stdout' },
    ...NAIVE,
  },
  positionals: [1, 1],
  run: exportMessages,
});

async function exportMessages(args: ParsedArgs): Promise<number> {
  const format = choiceOption(args, 'format', ['csv', 'json', 'jsonl'] as const) as ExportFormat | undefined;
  if (!format) throw new UsageError('export needs --format csv|json|jsonl');
  const files = await resolveSession(args.positionals[0]);
  const out = stringOption(args, 'out');
  await withProgress(`exporting ${files.name}`, async (progress) => {
    const options = { naive: naiveOf(args), onProgress: progress.update };
    if (out) progress.note(`${out}: ${await exportSessionToFile(files, format, out, options)} messages`);
    else await exportSession(files, format, process.stdout, options);
    // Messages streamed to the terminal itself: a progress line would run through them.
  }, Boolean(out) || process.stdout.isTTY !== true);
  return 0;
}

export const importCommand = defineCommand({
  name: 'import',
  usage: 'FILE',
  summary: 'CSV, JSON or JSON lines → a new session',
  description: 'CSV (as export writes it), a JSON array or JSON lines → a new session .log (+ index); bad rows are skipped and named by line.',
  options: {
    out: { value: true, arg: 'DIR', help: "the folder of the new session (default the file's folder)" },
    name: { value: true, arg: 'NAME', help: "the session's name (default the file's; a UTC stamp is added)" },
    'no-index': { help: 'write the .log only' },
    ...NAIVE,
  },
  positionals: [1, 1],
  run: importMessages,
});

async function importMessages(args: ParsedArgs): Promise<number> {
  const file = args.positionals[0];
  const naive = naiveOf(args);
  const r = await withProgress(`reading ${file}`, async (progress) => {
    const imported = await importSession(file, { outDir: stringOption(args, 'out'), name: stringOption(args, 'name'), naive, index: false });
    if (args.options['no-index'] === true) return { ...imported, dbPath: undefined };
    // Indexed here rather than by importSession, to show how far it is.
    progress.step(`indexing ${imported.logPath}`);
    const { dbPath } = await ensureIndex(await resolveSession(imported.logPath), { naive, onProgress: progress.update });
    return { ...imported, dbPath };
  });
  for (const p of r.problems.items.slice(0, 10)) process.stderr.write(`${file}: line ${p.line}: ${p.reason} (skipped)\n`);
  if (r.problems.count > 10) process.stderr.write(`… and ${r.problems.count - 10} more skipped\n`);
  print(`${r.logPath}: ${r.messages} messages imported${r.dbPath ? `, indexed as ${r.dbPath}` : ''}${r.problems.count ? `, ${r.problems.count} skipped` : ''}`);
  return 0;
}

export const convertCommand = defineCommand({
  name: 'convert',
  usage: 'SESSION --to log|db',
  summary: 'a session as our .log or as our .db index',
  description: 'Writes a session in our .log format, or in our .db index layout (beside it).',
  options: {
    to: { value: true, arg: 'log|db', help: 'the format to write (required)' },
    out: { value: true, arg: 'FILE', help: 'the .log to write (--to log; default beside the session)' },
    ...NAIVE,
  },
  positionals: [1, 1],
  run: convertSession,
});

async function convertSession(args: ParsedArgs): Promise<number> {
  const to = choiceOption(args, 'to', ['log', 'db'] as const);
  if (!to) throw new UsageError('convert needs --to log|db');
  const files = await resolveSession(args.positionals[0]);
  if (to === 'db' && stringOption(args, 'out')) throw new UsageError('--out is for --to log; the index lives beside the session');
  const r = to === 'log' ? await convertToLog(files, { out: stringOption(args, 'out'), naive: naiveOf(args) }) : await convertToDb(files, { naive: naiveOf(args) });
  if (r.backup) print(`kept the previous file as ${r.backup}`);
  print(`${r.file}: ${r.note ?? `${r.messages} messages`}`);
  return 0;
}

