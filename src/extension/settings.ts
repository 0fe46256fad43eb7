import * as vscode from 'vscode';
import type { BrokerProfile } from '../core/mqtt/brokerProfile';
import { expandFolderPattern } from '../core/util/folderPatterns';
import type { SettingsSchema } from './settingsSchema';

const SECTION = 'mqttSessions';

let settingsSchema: SettingsSchema | undefined;

export type Settings = ReturnType<SettingsSchema['parse']>;

export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration(SECTION);
  // zod is loaded on the first read, not at activation (it costs ~40 ms to load).
  settingsSchema ??= (require('./settingsSchema') as typeof import('./settingsSchema')).buildSettingsSchema();
  return settingsSchema.parse({
    sessionFolders: c.get('sessionFolders'),
    testTopicFolders: c.get('testTopicFolders'),
    liveSessionFolders: c.get('liveSessionFolders'),
    logFolder: c.get('logFolder'),
    naiveTimestamps: c.get('naiveTimestamps'),
    recordPreset: c.get('recordPreset'),
    brokers: c.get('brokers'),
  });
}

export function onSettingsChanged(listener: () => void): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration(SECTION)) listener();
  });
}

/** Configured folders of every workspace folder that exist, in setting order. */
export async function existingFolders(patterns: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const wf of vscode.workspace.workspaceFolders ?? []) {
    for (const p of patterns) for (const dir of await expandFolderPattern(wf.uri.fsPath, p)) if (!out.includes(dir)) out.push(dir);
  }
  return out;
}

/** Where new recordings go: the first configured session folder that exists, else the first one. */
export async function recordingFolder(settings: Settings): Promise<string | undefined> {
  const existing = await existingFolders(settings.sessionFolders);
  if (existing.length) return existing[0];
  const wf = vscode.workspace.workspaceFolders?.[0];
  return wf ? vscode.Uri.joinPath(wf.uri, settings.sessionFolders[0] ?? 'sessions').fsPath : undefined;
}

export interface ProfileList {
  profiles: BrokerProfile[];
  /** Profiles of the setting that do not validate, with the reason. */
  problems: string[];
}

export function brokerProfiles(settings: Settings): ProfileList {
  const { parseBrokerProfile } = require('../core/mqtt/brokerProfile') as typeof import('../core/mqtt/brokerProfile');
  const profiles: BrokerProfile[] = [];
  const problems: string[] = [];
  settings.brokers.forEach((raw, i) => {
    try {
      profiles.push(parseBrokerProfile(raw, `mqttSessions.brokers[${i}]`));
    } catch (err) {
      problems.push((err as Error).message);
    }
  });
  return { profiles, problems };
}
