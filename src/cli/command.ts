import { type OptionSpec, type ParsedArgs, UsageError, parseArgs } from './argv';

/** One command: what parses its arguments is what its help lists. */
export interface CommandSpec {
  name: string;
  /** What follows the name: positionals and required options (`SESSION --format csv|json|jsonl`). */
  usage: string;
  /** One short line for the list of commands. */
  summary: string;
  /** What it does, said fully: the head of the command's help (default the summary). */
  description?: string;
  /** More to know (defaults, exit codes), printed under the options. */
  notes?: string;
  options: Record<string, OptionSpec>;
  /** How many positionals, at least and at most (default none). */
  positionals?: readonly [number, number];
  run(args: ParsedArgs): Promise<number>;
}

/**
 * A command as the table holds it: called with its arguments. One made with
 * `defineCommand` carries its spec; a plain function still gets help from the options it
 * gives `parseArgs` (which answers `--help` with them).
 */
export interface Command {
  (argv: string[]): Promise<number>;
  readonly spec?: CommandSpec;
}

export function defineCommand(spec: CommandSpec): Command & { readonly spec: CommandSpec } {
  const run = (argv: string[]): Promise<number> => {
    const args = parseArgs(argv, spec.options);
    const [min, max] = spec.positionals ?? [0, 0];
    if (args.positionals.length < min || args.positionals.length > max) throw usageError(spec);
    return spec.run(args);
  };
  return Object.assign(run, { spec });
}

/** The one-line usage error of a command, pointing to its help. */
export function usageError(spec: Pick<CommandSpec, 'name' | 'usage'>): UsageError {
  return new UsageError(`usage: mqtt-sessions ${spec.name} ${spec.usage} (see mqtt-sessions help ${spec.name})`);
}
