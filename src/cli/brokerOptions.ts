import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { type BrokerProfile, parseBrokerProfile, profileFromUrl } from '../core/mqtt/brokerProfile';
import { type OptionSpec, type ParsedArgs, UsageError, stringOption } from './argv';

export const BROKER_OPTIONS: Record<string, OptionSpec> = {
  broker: { value: true },
  profile: { value: true },
  profiles: { value: true },
  username: { value: true },
  'client-id': { value: true },
  'mqtt-version': { value: true },
};

export const PASSWORD_ENV = 'MQTT_SESSIONS_PASSWORD';

/**
 * `--broker URL` or `--profile NAME` (from `--profiles FILE`, default the workspace's
 * `.vscode/settings.json`, key `mqttSessions.brokers`). The password never comes from
 * a file: `MQTT_SESSIONS_PASSWORD`, or nothing.
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
  return { profile, password: process.env[PASSWORD_ENV] || undefined };
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

/** `10MB`, `512k`, `1G` or a plain number of bytes. */
export function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kKmMgG]i?[bB]?|[bB])?$/.exec(text.trim());
  if (!m) return Number.NaN;
  const unit = (m[2] ?? '').toLowerCase()[0];
  return Math.round(Number(m[1]) * (unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1));
}
