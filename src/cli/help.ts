import type { OptionSpec } from './argv';
import type { Command } from './command';

const WIDTH = 80;
/** Option names longer than this put their description on the next line. */
const LABEL_MAX = 26;

/** Words filled into lines of `width`, each line after the first indented by `indent`. */
function wrap(text: string, width: number, indent: number): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  return lines.join(`\n${' '.repeat(indent)}`);
}

/** The list of commands keeps one line each: a longer summary is cut at a word (the command's help has it whole). */
function oneLine(text: string, width: number): string {
  if (text.length <= width) return text;
  const cut = text.slice(0, width - 1);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), 1)).replace(/[\s,;:(]+$/, '')}…`;
}

/** Two columns: a name and its description, wrapped under the description column (or cut to one line). */
function columns(rows: readonly (readonly [string, string])[], fit: 'wrap' | 'cut' = 'wrap'): string {
  const left = Math.min(LABEL_MAX, Math.max(...rows.map(([label]) => label.length)));
  const descWidth = WIDTH - left - 4;
  return rows
    .map(([label, desc]) => {
      const text = fit === 'cut' ? oneLine(desc, descWidth) : wrap(desc, descWidth, left + 4);
      if (!desc) return `  ${label}`;
      return label.length > left ? `  ${label}\n${' '.repeat(left + 4)}${text}` : `  ${label.padEnd(left)}  ${text}`;
    })
    .join('\n');
}

function optionLabel(name: string, o: OptionSpec): string {
  return `--${name}${o.value ? ` ${o.arg ?? 'VALUE'}` : ''}${o.repeat ? '...' : ''}`;
}

/** `mqtt-sessions CMD --help`: usage, what it does, every option with a line, notes. */
export function commandHelp(name: string, command: Command, options: Record<string, OptionSpec>): string {
  const spec = command.spec;
  const rows: [string, string][] = Object.entries(options).map(([n, o]) => [optionLabel(n, o), o.help ?? '']);
  rows.push(['-h, --help', 'this help']);
  return [
    `usage: mqtt-sessions ${name} ${spec?.usage ?? ''}${Object.keys(options).length ? ' [options]' : ''}`.replace(/ +/g, ' ').trimEnd(),
    ...(spec ? ['', wrap(spec.description ?? spec.summary, WIDTH, 0)] : []),
    '',
    'Options:',
    columns(rows),
    ...(spec?.notes ? ['', wrap(spec.notes, WIDTH, 0)] : []),
    '',
  ].join('\n');
}

const GENERAL_NOTES = [
  'SESSION is a .log, a .db or their base name. Times without a zone are read as UTC (--naive-time local reads them as local time).',
  'The broker password comes from the environment variable MQTT_SESSIONS_PASSWORD, never from a file; on a terminal it is asked for (not shown) when a broker has a user name and the variable is not set.',
  'Exit codes: 0 success, 1 failure, 2 usage error.',
];

/** `mqtt-sessions --help`: the commands, one line each. */
export function overviewHelp(commands: Readonly<Record<string, Command>>): string {
  return [
    'mqtt-sessions — record, browse, replay and analyse MQTT sessions',
    '',
    'usage: mqtt-sessions COMMAND [options]',
    '       mqtt-sessions help COMMAND    the options of a command (also COMMAND --help, -h)',
    '',
    'Commands:',
    columns(Object.entries(commands).map(([name, c]) => [name, c.spec?.summary ?? '']), 'cut'),
    '',
    ...GENERAL_NOTES.map((n) => wrap(n, WIDTH, 0)),
    '',
  ].join('\n');
}
