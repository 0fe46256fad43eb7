import * as vscode from 'vscode';
import { profileUrl } from '../core/mqtt/brokerAddress';
import type { BrokerProfile } from '../core/mqtt/brokerProfile';
import type { Activity } from './activity';
import type { Choices } from './choices';
import { brokerProfiles, readSettings } from './settings';

export interface ChosenBroker {
  profile: BrokerProfile;
  password?: string;
}

const secretKey = (name: string): string => `mqttSessions.password.${name}`;

/** Nothing connects, records, replays or sends in an untrusted workspace. */
export function requireTrust(action: string): boolean {
  if (vscode.workspace.isTrusted) return true;
  void vscode.window.showWarningMessage(vscode.l10n.t('{0} is not available in an untrusted workspace: trust the workspace first.', action));
  return false;
}

/** A `production` profile asks before anything is published to it. */
export async function confirmPublish(profile: BrokerProfile, what: string): Promise<boolean> {
  const { guardPublish } = await import('../core/mqtt/publishGuard');
  try {
    // The question in the user's language (the core's is English).
    await guardPublish(profile, what, async (_question, p) => {
      const yes = vscode.l10n.t('Publish');
      const asked = vscode.l10n.t('"{0}" ({1}) is a production broker. Publish to it? ({2})', p.name, profileUrl(p), what);
      return (await vscode.window.showWarningMessage(asked, { modal: true }, yes)) === yes;
    });
    return true;
  } catch {
    return false;
  }
}

/** Broker choice for record, replay and send: profiles, the embedded broker, or a URL; the last one first. */
export async function pickBroker(secrets: vscode.SecretStorage, choices: Choices, activity: Activity, placeHolder: string): Promise<ChosenBroker | undefined> {
  const { profileFromUrl } = await import('../core/mqtt/brokerProfile');
  const { profiles, problems } = brokerProfiles(readSettings());
  for (const p of problems) void vscode.window.showWarningMessage(vscode.l10n.t('Broker profile skipped: {0}', p));
  type Item = vscode.QuickPickItem & { profile?: BrokerProfile; url?: boolean };
  const items: Item[] = profiles.map((profile) => ({
    label: profile.name,
    description: profileUrl(profile),
    detail: profile.role === 'production' ? vscode.l10n.t('$(warning) production: asks before publishing') : undefined,
    profile,
  }));
  if (activity.broker) items.push({ label: vscode.l10n.t('Embedded broker'), description: activity.broker.url, profile: profileFromUrl(activity.broker.url, 'embedded') });
  items.push({ label: vscode.l10n.t('$(edit) Enter a broker URL…'), url: true });
  const last = choices.get<string | undefined>('broker', undefined);
  items.sort((a, b) => Number(b.label === last) - Number(a.label === last));
  const picked = await vscode.window.showQuickPick(items, { placeHolder });
  if (!picked) return undefined;
  let profile = picked.profile;
  if (picked.url) {
    const url = await vscode.window.showInputBox({
      prompt: vscode.l10n.t('Broker URL (mqtt://, mqtts://, ws://, wss://)'),
      value: choices.get('brokerUrl', 'mqtt://localhost:1883'),
      validateInput: (v) => {
        try {
          profileFromUrl(v);
          return undefined;
        } catch (err) {
          return (err as Error).message;
        }
      },
    });
    if (!url) return undefined;
    choices.set('brokerUrl', url);
    profile = profileFromUrl(url);
  }
  if (!profile) return undefined;
  choices.set('broker', picked.label);
  const password = profile.username ? await secrets.get(secretKey(profile.name)) : undefined;
  if (profile.username && password === undefined) {
    const typed = await vscode.window.showInputBox({ prompt: vscode.l10n.t('Password for {0} at {1}', profile.username, profile.name), password: true });
    if (typed === undefined) return undefined;
    if (typed && !picked.url) await secrets.store(secretKey(profile.name), typed);
    return { profile, password: typed || undefined };
  }
  return { profile, password };
}

/** Manage Broker Profiles: add one to the settings, set or clear its password in SecretStorage. */
export async function manageBrokerProfiles(secrets: vscode.SecretStorage): Promise<void> {
  const { profileFromUrl } = await import('../core/mqtt/brokerProfile');
  const { profiles } = brokerProfiles(readSettings());
  type Item = vscode.QuickPickItem & { action: 'add' | 'password' | 'clear' | 'settings'; profile?: BrokerProfile };
  const items: Item[] = [
    { label: vscode.l10n.t('$(add) Add a broker profile…'), action: 'add' },
    ...profiles.filter((p) => p.username).map((p): Item => ({ label: vscode.l10n.t('$(key) Set password of {0}', p.name), description: `${p.username}@${profileUrl(p)}`, action: 'password', profile: p })),
    ...profiles.filter((p) => p.username).map((p): Item => ({ label: vscode.l10n.t('$(trash) Forget password of {0}', p.name), action: 'clear', profile: p })),
    { label: vscode.l10n.t('$(settings-gear) Edit profiles in settings (JSON)'), action: 'settings' },
  ];
  const picked = await vscode.window.showQuickPick(items, { placeHolder: vscode.l10n.t('Broker profiles (passwords stay in SecretStorage, never in settings)') });
  if (!picked) return;
  if (picked.action === 'settings') return void vscode.commands.executeCommand('workbench.action.openSettingsJson', { revealSetting: { key: 'mqttSessions.brokers' } });
  if (picked.action === 'password' && picked.profile) {
    const pw = await vscode.window.showInputBox({ prompt: vscode.l10n.t('Password for {0}', picked.profile.name), password: true });
    if (pw !== undefined) await secrets.store(secretKey(picked.profile.name), pw);
    return;
  }
  if (picked.action === 'clear' && picked.profile) return void (await secrets.delete(secretKey(picked.profile.name)));
  const name = await vscode.window.showInputBox({ prompt: vscode.l10n.t('Profile name'), validateInput: (v) => (v.trim() ? undefined : vscode.l10n.t('A name is needed')) });
  if (!name) return;
  const url = await vscode.window.showInputBox({
    prompt: vscode.l10n.t('Broker URL, e.g. mqtt://user@192.168.0.100:1883'),
    validateInput: (v) => {
      try {
        profileFromUrl(v);
        return undefined;
      } catch (err) {
        return (err as Error).message;
      }
    },
  });
  if (!url) return;
  const role = await vscode.window.showQuickPick(['test', 'production'], { placeHolder: vscode.l10n.t('Role: a production broker asks before any publish') });
  if (!role) return;
  const profile = { ...profileFromUrl(url, name.trim()), role };
  const raw = vscode.workspace.getConfiguration('mqttSessions').get<unknown[]>('brokers', []);
  await vscode.workspace.getConfiguration('mqttSessions').update('brokers', [...raw, JSON.parse(JSON.stringify(profile))], vscode.ConfigurationTarget.Workspace);
  if (profile.username) {
    const pw = await vscode.window.showInputBox({ prompt: vscode.l10n.t('Password for {0} (kept in SecretStorage)', profile.name), password: true });
    if (pw) await secrets.store(secretKey(profile.name), pw);
  }
}
