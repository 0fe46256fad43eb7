import type { NaiveTimeZone } from '../core/session/timestamps';
import { type OptionSpec, type ParsedArgs, choiceOption } from './argv';

/** `--naive-time utc|local`: how times without a zone are read. */
export const NAIVE: Record<string, OptionSpec> = {
  'naive-time': { value: true, arg: 'utc|local', help: 'how times without a zone are read (default utc)' },
};

export function naiveOf(args: ParsedArgs): NaiveTimeZone {
  return choiceOption(args, 'naive-time', ['utc', 'local'] as const, 'utc') as NaiveTimeZone;
}

export function print(text: string): void {
  process.stdout.write(`${text}\n`);
}
