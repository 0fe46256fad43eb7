import { readFile } from 'node:fs/promises';
import { type LogLevel, levelRank, parseLogLevel } from '../../core/monitoring/jsonLogger';
import { SESSION_STATUSES } from '../../core/registry/liveSessionRecord';
import { DEFAULT_REGISTRY_DIR, InvalidRecordError, type ListFilter, listRecords, registerRecord } from '../../core/registry/registryStore';
import { reportDocuments, writeReportDocuments } from '../../core/registry/reportFiles';
import { UsageError, choiceOption, expectPositionals, intOption, parseArgs, stringOption } from '../argv';

const REPORT_USAGE =
  'report [--dir DIR] [--run-type T] [--status S] [--limit N] [--output-format markdown|html|both] [--summary-only] [--output-dir DIR] [--stdout] [--log-level L]';

/** `20260115T080000`, the UTC time a report was made, as the Python tool names its reports. */
/** Diagnostics on stderr by level; results (written paths, reports) go to stdout. */
function stderrLogger(threshold: LogLevel): (level: LogLevel, text: string) => void {
  return (level, text) => {
    if (levelRank(level) >= levelRank(threshold)) process.stderr.write(`${text}\n`);
  };
}

export async function reportCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, {
    dir: { value: true },
    'run-type': { value: true },
    status: { value: true },
    limit: { value: true },
    'output-format': { value: true },
    'summary-only': {},
    'output-dir': { value: true },
    stdout: {},
    'log-level': { value: true },
  });
  expectPositionals(args, 0, 0, REPORT_USAGE);
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

  const listing = await listRecords(dir, filter);
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
  for (const file of await writeReportDocuments(stringOption(args, 'output-dir') ?? dir, documents)) process.stdout.write(`${file}\n`);
  return 0;
}

export async function registerCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { dir: { value: true } });
  expectPositionals(args, 1, Infinity, 'register [--dir DIR] FILE.json...');
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
