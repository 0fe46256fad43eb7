/** Runs inside VS Code's extension host (loaded by @vscode/test-electron). */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

const EXTENSION_ID = 'mqtt-session-manager.mqtt-session-manager';

async function check(name: string, fn: () => Promise<void>): Promise<boolean> {
  try {
    await fn();
    console.log(`  ✔ ${name}`);
    return true;
  } catch (err) {
    console.log(`  ✗ ${name}: ${(err as Error).message}`);
    return false;
  }
}

export async function run(): Promise<void> {
  const results = [
    await check('the extension activates', async () => {
      const ext = vscode.extensions.getExtension(EXTENSION_ID);
      assert.ok(ext, 'installed');
      await ext.activate();
      assert.equal(ext.isActive, true);
    }),
    await check('its commands are registered', async () => {
      const all = await vscode.commands.getCommands(true);
      for (const id of ['mqttSessions.startRecording', 'mqttSessions.replaySession', 'mqttSessions.openSessionPanel', 'mqttSessions.sendToBroker']) assert.ok(all.includes(id), id);
    }),
    await check('the Sessions view can be focused', async () => {
      await vscode.commands.executeCommand('mqttSessions.sessions.focus');
    }),
  ];
  if (results.some((ok) => !ok)) throw new Error('extension-host checks failed');
}
