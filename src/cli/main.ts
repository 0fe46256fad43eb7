import { HelpRequest, UsageError } from './argv';
import type { Command } from './command';
import { analyzeCommand, ordersCommand } from './commands/analysisCommands';
import { demoCommand } from './commands/demoCommand';
import { brokerCommand, recordCommand, recordTopicsCommand, recoverCommand } from './commands/recordCommands';
import { replayCommand, sendCommand } from './commands/replayCommands';
import { monitorCommand } from './commands/monitorCommand';
import { pruneCommand } from './commands/pruneCommand';
import { registerCommand, reportCommand } from './commands/registryCommands';
import { convertCommand, exportCommand, importCommand, indexCommand, infoCommand, listCommand, searchCommand } from './commands/sessionCommands';
import { commandHelp, overviewHelp } from './help';

/** Every command, in the order the help lists them; each one's spec serves parsing and help. */
const COMMANDS: Record<string, Command> = {
  list: listCommand,
  info: infoCommand,
  index: indexCommand,
  search: searchCommand,
  export: exportCommand,
  import: importCommand,
  convert: convertCommand,
  analyze: analyzeCommand,
  orders: ordersCommand,
  record: recordCommand,
  'record-topics': recordTopicsCommand,
  recover: recoverCommand,
  prune: pruneCommand,
  replay: replayCommand,
  send: sendCommand,
  broker: brokerCommand,
  demo: demoCommand,
  report: reportCommand,
  register: registerCommand,
  monitor: monitorCommand,
};

export async function main(argv: string[]): Promise<number> {
  let [command, ...rest] = argv;
  if (!command) {
    process.stderr.write(overviewHelp(COMMANDS));
    return 2;
  }
  if (command === '--help' || command === '-h' || (command === 'help' && rest.length === 0)) {
    process.stdout.write(overviewHelp(COMMANDS));
    return 0;
  }
  // `help CMD` is `CMD --help`: the command's own parser answers with its options.
  if (command === 'help') [command, rest] = [rest[0], ['--help']];
  const run = COMMANDS[command];
  try {
    if (!run) throw new UsageError(`unknown command "${command}" (see mqtt-sessions --help)`);
    return await run(rest);
  } catch (err) {
    if (err instanceof HelpRequest && run) {
      process.stdout.write(commandHelp(command, run, err.options));
      return 0;
    }
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`mqtt-sessions: ${message.split('\n')[0]}\n`);
    return err instanceof UsageError ? 2 : 1;
  }
}
