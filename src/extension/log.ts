import * as vscode from 'vscode';
import { JsonLogger } from '../core/monitoring/jsonLogger';

/**
 * Logs to the "MQTT Sessions" LogOutputChannel and, when the workspace has a folder, to
 * the rotating JSON log (`<logFolder>/session_manager.jsonl`) that `monitor` reads.
 */
export class ExtensionLog implements vscode.Disposable {
  readonly channel = vscode.window.createOutputChannel('MQTT Sessions', { log: true });
  private json: JsonLogger | undefined;

  setLogFolder(dir: string | undefined): void {
    void this.json?.flush();
    this.json = dir ? new JsonLogger({ dir, onError: (err) => this.channel.warn(`JSON log: ${err.message}`) }) : undefined;
  }

  info(component: string, message: string, fields?: Record<string, unknown>): void {
    this.channel.info(`[${component}] ${message}`);
    this.json?.info(component, message, fields);
  }

  warn(component: string, message: string, fields?: Record<string, unknown>): void {
    this.channel.warn(`[${component}] ${message}`);
    this.json?.warning(component, message, fields);
  }

  error(component: string, message: string, fields?: Record<string, unknown>): void {
    this.channel.error(`[${component}] ${message}`);
    this.json?.error(component, message, fields);
  }

  dispose(): void {
    void this.json?.flush();
    this.channel.dispose();
  }
}
