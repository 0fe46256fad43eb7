import * as assert from 'node:assert/strict';
import { HelpRequest, parseArgs } from '../../src/cli/argv';
import { runCli } from '../helpers';

/** The options each command's help must list: the README's command table. */
const README_OPTIONS: Record<string, string[]> = {
  list: ['json'],
  info: ['json'],
  index: ['force'],
  search: ['topic', 'from', 'to', 'limit', 'json', 'all'],
  export: ['format', 'out'],
  import: ['out', 'name', 'no-index'],
  convert: ['to', 'out'],
  record: ['broker', 'profile', 'topic', 'exclude', 'preset', 'out', 'name', 'duration', 'max-messages', 'max-bytes', 'resume', 'qos', 'clean-session', 'session-expiry', 'connect-timeout'],
  'record-topics': ['broker', 'profile', 'session', 'topic', 'every', 'out', 'duration'],
  replay: ['broker', 'profile', 'speed', 'loop', 'from', 'to', 'topic', 'exclude', 'prefix', 'remap', 'retain', 'qos', 'preloads', 'timeshift', 'broker-timeout', 'yes'],
  send: ['broker', 'profile', 'yes', 'json'],
  recover: [],
  broker: ['port', 'host'],
  analyze: ['format', 'out'],
  orders: ['order', 'json'],
  demo: ['seconds', 'out'],
  report: ['dir', 'output-format', 'summary-only', 'stdout'],
  register: ['dir'],
  monitor: ['log-dir', 'once', 'interval', 'broker'],
};

/** The commands the overview lists, in its order. */
function commandsOf(overview: string): string[] {
  const section = overview.split('\nCommands:\n')[1]?.split('\n\n')[0] ?? '';
  return section.split('\n').map((line) => /^ {2}(\S+)/.exec(line)?.[1]).filter((c): c is string => c !== undefined);
}

/** Option lines of a command's help: `  --name ARG   description`, the description maybe on the next line. */
function optionsOf(help: string): Map<string, string> {
  const lines = (help.split('\nOptions:\n')[1] ?? '').split('\n\n')[0].split('\n');
  const found = new Map<string, string>();
  lines.forEach((line, i) => {
    const m = /^ {2}(?:-h, )?--([\w-]+)(?: \S+)?\s*(.*)$/.exec(line);
    if (m) found.set(m[1], m[2] || (/^ {6,}\S/.test(lines[i + 1] ?? '') ? lines[i + 1].trim() : ''));
  });
  return found;
}

describe('mqtt-sessions help', function () {
  this.timeout(120_000);

  it('--help, -h and help list every command on one line each and point to help COMMAND (stdout, exit 0)', async () => {
    for (const args of [['--help'], ['-h'], ['help']]) {
      const r = await runCli(args);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, '');
      assert.match(r.stdout, /^usage: mqtt-sessions COMMAND \[options\]$/m);
      assert.match(r.stdout, /mqtt-sessions help COMMAND/);
      const commands = commandsOf(r.stdout);
      for (const c of Object.keys(README_OPTIONS)) assert.ok(commands.includes(c), `${args[0]}: ${c} not listed`);
      // One line each: every line of the list names a command with its summary.
      const section = r.stdout.split('\nCommands:\n')[1].split('\n\n')[0].split('\n');
      assert.equal(section.length, commands.length, section.join('\n'));
      for (const line of section) assert.match(line, /^ {2}\S+ +\S/, line);
    }
  });

  it('every command answers --help, -h and help CMD with its usage and its options, each with a description', async () => {
    const overview = await runCli(['--help']);
    for (const command of commandsOf(overview.stdout)) {
      const forms = [[command, '--help'], [command, '-h'], ['help', command]];
      const outputs: string[] = [];
      // The three forms at once: a help starts no work, and the suite stays short.
      for (const [i, r] of (await Promise.all(forms.map((args) => runCli(args)))).entries()) {
        const args = forms[i].join(' ');
        assert.equal(r.code, 0, `${args}: ${r.stderr}`);
        assert.equal(r.stderr, '', args);
        assert.match(r.stdout, new RegExp(`^usage: mqtt-sessions ${command}\\b`), args);
        outputs.push(r.stdout);
      }
      assert.equal(outputs[1], outputs[0], `${command} -h`);
      assert.equal(outputs[2], outputs[0], `help ${command}`);
      const options = optionsOf(outputs[0]);
      assert.ok(options.has('help'), `${command}: -h, --help missing`);
      for (const o of README_OPTIONS[command] ?? []) assert.ok(options.has(o), `${command} --help lists no --${o}:\n${outputs[0]}`);
      for (const [o, text] of options) assert.ok(text.length > 0, `${command} --${o} has no description:\n${outputs[0]}`);
    }
  });

  it('record --help prints the help and runs nothing, wherever --help stands', async () => {
    const r = await runCli(['record', '--broker', 'mqtt://127.0.0.1:1', '--duration', '1s', '--help']);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout + r.stderr, /unknown option|^recording mqtt/m);
    assert.match(r.stdout, /^ {2}--max-bytes 10MB +stop when the \.log reaches this size$/m);
    assert.match(r.stdout, /^ {2}--topic F\.\.\. +subscribe to this topic filter \(default #\)$/m);
  });

  it('a usage error names the command and its help; an unknown command for help is a usage error', async () => {
    const r = await runCli(['info']);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'mqtt-sessions: usage: mqtt-sessions info SESSION (see mqtt-sessions help info)\n');
    const unknown = await runCli(['help', 'frobnicate']);
    assert.equal(unknown.code, 2);
    assert.equal(unknown.stderr, 'mqtt-sessions: unknown command "frobnicate" (see mqtt-sessions --help)\n');
    const none = await runCli([]);
    assert.equal(none.code, 2);
    assert.equal(none.stdout, '');
    assert.match(none.stderr, /^Commands:$/m);
  });

  it('parseArgs: --help or -h asks for the help with the options it was given; after -- it is a positional', () => {
    const spec = { out: { value: true, arg: 'FILE', help: 'where' } };
    for (const argv of [['--help'], ['x', '-h'], ['--bogus', '--help']]) {
      assert.throws(
        () => parseArgs(argv, spec),
        (err: unknown) => err instanceof HelpRequest && err.options === spec,
        argv.join(' '),
      );
    }
    assert.deepEqual(parseArgs(['--', '--help'], spec).positionals, ['--help']);
  });
});
