import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { read } from 'read';
import { type BrokerProfile, parseBrokerProfile, profileFromUrl, profileUrl } from '../core/mqtt/brokerProfile';
import { type OptionSpec, type ParsedArgs, UsageError, stringOption } from './argv';

export const BROKER_OPTIONS: Record<string, OptionSpec> = {
  broker: { value: true, arg: 'URL', help: 'the broker: mqtt://[user@]host:port (also mqtts, ws, wss); default mqtt://localhost:1883' },
  profile: { value: true, arg: 'NAME', help: 'a broker profile by name (from --profiles)' },
  profiles: { value: true, arg: 'FILE', help: 'where the profiles are: JSON with "mqttSessions.brokers" (default .vscode/settings.json)' },
  username: { value: true, arg: 'USER', help: 'the user name (the password: MQTT_SESSIONS_PASSWORD, or asked on a terminal)' },
  'client-id': { value: true, arg: 'ID', help: 'the MQTT client id' },
  'mqtt-version': { value: true, arg: '3.1.1|5', help: 'the MQTT protocol version' },
};

export const PASSWORD_ENV = 'MQTT_SESSIONS_PASSWORD';

/**
 * `--broker URL` or `--profile NAME` (from `--profiles FILE`, default the workspace's
 * `.vscode/settings.json`, key `mqttSessions.brokers`). The password never comes from
 * a file: `MQTT_SESSIONS_PASSWORD`, else asked on a terminal when there is a user name,
 * else nothing (a pipe is never asked: a script must not hang).
 */
export async function brokerFromArgs(args: ParsedArgs): Promise<{ profile: BrokerProfile; password?: string }> {
  const url = stringOption(args, 'broker');
  const name = stringOption(args, 'profile');
  if (url && name) throw new UsageError('give --broker or --profile, not both');
  let profile: BrokerProfile;
  if (name) profile = await loadProfile(name, stringOption(args, 'profiles') ?? path.join(process.cwd(), '.vscode', 'settings.json'));
  else profile = profileFromUrl(url ?? 'mqtt://localhost:1883');
  const username = stringOption(args, 'username');
  const clientId = stringOption(args, 'client-id');
  const version = stringOption(args, 'mqtt-version');
  if (version && version !== '3.1.1' && version !== '5') throw new UsageError('--mqtt-version must be 3.1.1 or 5');
  profile = { ...profile, ...(username ? { username } : {}), ...(clientId ? { clientId } : {}), ...(version ? { mqttVersion: version as '3.1.1' | '5' } : {}) };
  return { profile, password: process.env[PASSWORD_ENV] || (profile.username ? await askPassword(profile) : undefined) };
}

/** On a terminal (stdin and stderr), without echo; undefined on a pipe or for an empty answer. */
async function askPassword(profile: BrokerProfile): Promise<string | undefined> {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return undefined;
  let answer: string;
  try {
    answer = await read({
      prompt: `Password for ${profile.username} at ${profileUrl(profile)} (or set ${PASSWORD_ENV}): `,
      silent: true,
      replace: '',
      input: process.stdin,
      output: process.stderr,
    });
  } catch {
    // Ctrl-C at the prompt.
    throw new Error('no password given');
  } finally {
    // Enter is not echoed either: what follows starts on a line of its own.
    process.stderr.write('\n');
  }
  return answer || undefined;
}

async function loadProfile(name: string, file: string): Promise<BrokerProfile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new Error(`${file}: cannot read broker profiles (give --profiles FILE)`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(stripJsonComments(text));
  } catch (err) {
    throw new Error(`${file}: not JSON (${(err as Error).message})`);
  }
  const list = Array.isArray(doc) ? doc : (doc as Record<string, unknown>)?.['mqttSessions.brokers'];
  if (!Array.isArray(list)) throw new Error(`${file}: no "mqttSessions.brokers" list`);
  const index = list.findIndex((p) => (p as { name?: unknown })?.name === name);
  if (index < 0) throw new Error(`${file}: no broker profile named "${name}"`);
  return parseBrokerProfile(list[index], `${file}: mqttSessions.brokers[${index}]`);
}

/** settings.json is JSON with comments and trailing commas. */
function stripJsonComments(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else if (c === '/' && text[i + 1] === '*') {
      i = text.indexOf('*/', i + 2);
      if (i < 0) break;
      i++;
    } else out += c;
  }
  return out.replace(/,(\s*[}\]])/g, '$1');
}
