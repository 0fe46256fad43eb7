import type * as vscode from 'vscode';
import type { Activity } from './activity';
import type { Choices } from './choices';
import type { ExtensionLog } from './log';

/** What the commands that connect (record, replay, send) are given: the extension's services. */
export interface ExtensionServices {
  activity: Activity;
  choices: Choices;
  secrets: vscode.SecretStorage;
  log: ExtensionLog;
}
