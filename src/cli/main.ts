import { UsageError } from './argv';
import { analyzeCommand, ordersCommand } from './commands/analysisCommands';
import { brokerCommand, demoCommand, recordCommand, recordTopicsCommand, recoverCommand } from './commands/recordCommands';
import { replayCommand, sendCommand } from './commands/replayCommands';
import { monitorCommand } from './commands/monitorCommand';
import { registerCommand, reportCommand } from './commands/registryCommands';
import { convertCommand, exportCommand, importCommand, indexCommand, infoCommand, listCommand, searchCommand } from './commands/sessionCommands';

const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  list: listCommand,
  info: infoCommand,
  index: indexCommand,
  search: searchCommand,
  export: exportCommand,
  import: importCommand,
  convert: convertCommand,
  record: recordCommand,
  recover: recoverCommand,
  replay: replayCommand,
  send: sendCommand,
  'record-topics': recordTopicsCommand,
  broker: brokerCommand,
  demo: demoCommand,
  report: reportCommand,
  register: registerCommand,
  monitor: monitorCommand,
  analyze: analyzeCommand,
  orders: ordersCommand,
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
  analyze SESSION [--format md|html|json] [--out FILE]
                                               session report: statistics, topics, categories,
                                               orders, production requests, problems
  orders SESSION [--order ID] [--json]         the factory orders of a session (every orderId in
                                               the payloads); --order ID: one order's messages
  report [--dir DIR] [--run-type T] [--status S] [--limit N] [--output-format markdown|html|both]
         [--summary-only] [--output-dir DIR] [--stdout] [--log-level L]
                                               report and summary of live-session records (files
                                               YYYYMMDDTHHMMSS_sessions_report|summary.md|html)
  register [--dir DIR] FILE.json...            validate live-session records and file them
  monitor [--log-dir DIR] [--once] [--interval SECONDS] [--report FILE] [--recording FILE]...
          [--broker URL] [--max-growth PCT] [--max-error-rate PCT] [--max-response-time SECONDS]
                                               log size and growth, error rate, broker round trip;
                                               alerts (defaults 50 %, 10 %, 2 s)
  record (--broker URL | --profile NAME) [--topic F]... [--exclude F]... [--preset none|no_cam|analysis]
         [--out DIR] [--name N] [--duration 30s] [--max-messages N] [--max-bytes 10MB] [--resume SESSION]
                                               record into <out>/<name>_<UTC stamp>.log (+ index); Ctrl-C stops
  record-topics (--broker URL | --profile NAME | --session SESSION) [--topic F]... [--every F]...
         [--exclude F]... [--preset P] [--out DIR] [--duration 30s]
                                               the first message of each topic (every message of
                                               --every topics, numbered __000001) as test-topic files
  replay SESSION (--broker URL | --profile NAME) [--speed 1|2|0.5|max] [--loop] [--from 10s] [--to 2m]
         [--topic F]... [--exclude F]... [--prefix P] [--remap OLD=NEW]... [--retain keep|clear|none]
         [--qos keep|0|1|2] [--preloads DIR] [--timeshift] [--yes]
                                               publish a session again with its timing (deadline
                                               scheduling); Ctrl-C stops
  send FILE|DIR... (--broker URL | --profile NAME) [--yes] [--json]
                                               publish test-topic files (a folder: its preloads/
                                               first, then its files, in name order)
  recover DIR                                  close interrupted recordings of a folder and index them
  broker [--port 1883] [--host 127.0.0.1]      an embedded MQTT broker (aedes)
  demo [--seconds 20] [--out sessions]         embedded broker + factory simulator: record, index, summary, replay and check

SESSION is a .log, a .db or their base name. The broker password comes from the
environment variable MQTT_SESSIONS_PASSWORD, never from a file. Times without a zone are read as UTC;
--naive-time local reads them as local time.
The registry folder (--dir) defaults to reports/experiments/live_sessions, the log folder to logs.
report lists unreadable records on stderr and still writes the report; monitor --once exits 1
when an alert fired.
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
