/** An error in how the command was called: exit code 2. */
export class UsageError extends Error {}

export interface OptionSpec {
  /** Takes a value (`--out F`); otherwise a flag. */
  value?: boolean;
  /** May be given several times (values collect in a list). */
  repeat?: boolean;
  /** The value's placeholder in the help (`FILE` in `--out FILE`). */
  arg?: string;
  /** One line for the command's help. */
  help?: string;
}

/** `--help` or `-h` among a command's arguments: its help is printed, nothing is run. */
export class HelpRequest extends Error {
  constructor(readonly options: Record<string, OptionSpec>) {
    super('help requested');
  }
}

export interface ParsedArgs {
  positionals: string[];
  options: Record<string, string | boolean | string[]>;
}

/**
 * `--name value`, `--name=value`, flags, `--` ends options. Unknown options are usage
 * errors; `--help` or `-h` (before `--`) throws a HelpRequest with the spec.
 */
export function parseArgs(argv: readonly string[], spec: Record<string, OptionSpec>): ParsedArgs {
  const end = argv.indexOf('--');
  if ((end < 0 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h')) throw new HelpRequest(spec);
  const positionals: string[] = [];
  const options: ParsedArgs['options'] = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const s = spec[name];
    if (!s) throw new UsageError(`unknown option --${name}`);
    if (!s.value) {
      if (eq !== -1) throw new UsageError(`--${name} takes no value`);
      options[name] = true;
      continue;
    }
    const value = eq !== -1 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    if (s.repeat) options[name] = [...((options[name] as string[] | undefined) ?? []), value];
    else options[name] = value;
  }
  return { positionals, options };
}

export function stringOption(args: ParsedArgs, name: string): string | undefined {
  const v = args.options[name];
  return typeof v === 'string' ? v : undefined;
}

export function choiceOption<T extends string>(args: ParsedArgs, name: string, choices: readonly T[], fallback?: T): T | undefined {
  const v = stringOption(args, name);
  if (v === undefined) return fallback;
  if (!(choices as readonly string[]).includes(v)) throw new UsageError(`--${name} must be one of ${choices.join(', ')} (got ${v})`);
  return v as T;
}

export function intOption(args: ParsedArgs, name: string): number | undefined {
  const v = stringOption(args, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new UsageError(`--${name} must be a whole number (got ${v})`);
  return Number(v);
}
