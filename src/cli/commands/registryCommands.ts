import { readFile } from 'node:fs/promises';
import { type LogLevel, levelRank, parseLogLevel } from '../../core/monitoring/jsonLogger';
import { SESSION_STATUSES } from '../../core/registry/liveSessionRecord';
import { DEFAULT_REGISTRY_DIR, InvalidRecordError, type ListFilter, listRecords, registerRecord } from '../../core/registry/registryStore';
import { reportDocuments, writeReportDocuments } from '../../core/registry/reportFiles';
import { type ParsedArgs, UsageError, choiceOption, intOption, stringOption } from '../argv';
import { defineCommand } from '../command';
import { withProgress } from '../terminal';

const DIR = { dir: { value: true, arg: 'DIR', help: `the registry folder (default ${DEFAULT_REGISTRY_DIR})` } };

/** Diagnostics on stderr by level; results (written paths, reports) go to stdout. */
function stderrLogger(threshold: LogLevel): (level: LogLevel, text: string) => void {
  return (level, text) => {
    if (levelRank(level) >= levelRank(threshold)) process.stderr.write(`${text}\n`);
  };
}

export const reportCommand = defineCommand({
  name: 'report',
  usage: '',
  summary: 'report and summary of the live-session records',
  description: 'Report and summary of the live-session records (files YYYYMMDDTHHMMSS_sessions_report|summary.md|html).',
  notes: 'Unreadable records are named on stderr and the report is still written.',
  options: {
    ...DIR,
    'run-type': { value: true, arg: 'T', help: 'only records of this run type' },
    status: { value: true, arg: 'S', help: `only records with this status (${SESSION_STATUSES.join(', ')})` },
    limit: { value: true, arg: 'N', help: 'the N most recent records' },
    'output-format': { value: true, arg: 'markdown|html|both', help: 'the format of the files (default markdown)' },
    'summary-only': { help: 'the summary alone' },
    'output-dir': { value: true, arg: 'DIR', help: 'where the files go (default the registry folder)' },
    stdout: { help: 'print one document instead of writing files' },
    'log-level': { value: true, arg: 'L', help: 'diagnostics on stderr from this level: DEBUG, INFO, WARNING (default), ERROR' },
  },
  run: report,
});

async function report(args: ParsedArgs): Promise<number> {
  const dir = stringOption(args, 'dir') ?? DEFAULT_REGISTRY_DIR;
  const filter: ListFilter = { runType: stringOption(args, 'run-type'), status: choiceOption(args, 'status', SESSION_STATUSES), limit: intOption(args, 'limit') };
  if (filter.limit === 0) throw new UsageError('--limit must be at least 1');
  const format = choiceOption(args, 'output-format', ['markdown', 'html', 'both'] as const, 'markdown') as 'markdown' | 'html' | 'both';
  const levelText = stringOption(args, 'log-level');
  const level = levelText === undefined ? 'WARNING' : parseLogLevel(levelText);
  if (!level) throw new UsageError(`--log-level must be one of DEBUG, INFO, WARNING, ERROR (got ${levelText})`);
  const toStdout = args.options.stdout === true;
  const summaryOnly = args.options['summary-only'] === true;
  if (toStdout && format === 'both') throw new UsageError('--stdout prints one document: choose --output-format markdown or html');
  if (toStdout && stringOption(args, 'output-dir') !== undefined) throw new UsageError('--output-dir and --stdout exclude each other');
  const log = stderrLogger(level);

  const listing = await withProgress(`reading the records in ${dir}`, () => listRecords(dir, filter));
  if (!listing.folderExists) throw new Error(`${dir}: no such folder`);
  for (const p of listing.problems) log('WARNING', `${p.file}: ${p.reason} (skipped)`);
  log('INFO', `${dir}: ${listing.total} records read, ${listing.problems.length} unreadable, ${listing.entries.length} selected`);
  for (const e of listing.entries) log('DEBUG', `${e.file}: ${e.record.session_id} ${e.record.status} ${e.record.started_at}`);

  const documents = reportDocuments(listing.entries, { dir, filter, problems: listing.problems }, format, summaryOnly);

  if (toStdout) {
    // One document: the report, or the summary with --summary-only.
    process.stdout.write(documents[0].text());
    return 0;
  }
  const written = await withProgress('writing the report', () => writeReportDocuments(stringOption(args, 'output-dir') ?? dir, documents));
  for (const file of written) process.stdout.write(`${file}\n`);
  return 0;
}

export const registerCommand = defineCommand({
  name: 'register',
  usage: 'FILE.json...',
  summary: 'validate live-session records and file them',
  description: 'Validates live-session records and files them in the registry.',
  notes: 'A record that does not validate is named with its field; the others are still filed (exit 1).',
  options: { ...DIR },
  positionals: [1, Infinity],
  run: register,
});

async function register(args: ParsedArgs): Promise<number> {
  const dir = stringOption(args, 'dir') ?? DEFAULT_REGISTRY_DIR;
  let failed = 0;
  for (const file of args.positionals) {
    try {
      let raw: unknown;
      try {
        raw = JSON.parse((await readFile(file, 'utf8')).replace(/^\uFEFF/, ''));
      } catch (err) {
        throw new InvalidRecordError(err instanceof SyntaxError ? `not valid JSON: ${err.message}` : (err as Error).message);
      }
      process.stdout.write(`${await registerRecord(dir, raw)}\n`);
    } catch (err) {
      failed++;
      const reason = (err as Error).message.split('\n')[0];
      process.stderr.write(`mqtt-sessions: ${err instanceof InvalidRecordError ? `${file}: ${reason}` : reason}\n`);
    }
  }
  return failed ? 1 : 0;
}
