import { UsageError } from './argv';
import { convertCommand, exportCommand, importCommand, indexCommand, infoCommand, listCommand, searchCommand } from './commands/sessionCommands';

const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  list: listCommand,
  info: infoCommand,
  index: indexCommand,
  search: searchCommand,
  export: exportCommand,
  import: importCommand,
  convert: convertCommand,
};

const HELP = `mqtt-sessions — record, browse, replay and analyse MQTT sessions

usage: mqtt-sessions <command> [options]

  list DIR... [--json]                         the sessions of folders, with counts
  info SESSION [--json]                        one session's figures and problems
  index SESSION [--force]                      build the .db index of a .log
  search QUERY SESSION|DIR [--topic F] [--from T] [--to T] [--limit N] [--json]
  search QUERY --all DIR                       full-text search in every session of a folder
  export SESSION --format csv|json|jsonl [--out FILE]
  import FILE [--out DIR] [--name NAME] [--no-index]   CSV/JSON/JSON lines → a new session
  convert SESSION --to log|db [--out FILE]

SESSION is a .log, a .db or their base name. Times without a zone are read as UTC;
--naive-time local reads them as local time.
Not yet available: record, replay, send, analyze, orders, report, monitor, broker, demo.
Exit codes: 0 success, 1 failure, 2 usage error.`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${HELP}\n`);
    return command ? 0 : 2;
  }
  const run = COMMANDS[command];
  try {
    if (!run) throw new UsageError(`unknown command "${command}" (see mqtt-sessions --help)`);
    return await run(rest);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`mqtt-sessions: ${message.split('\n')[0]}\n`);
    return err instanceof UsageError ? 2 : 1;
  }
}
