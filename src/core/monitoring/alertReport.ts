import type { Alert } from './alertRules';

/** Values are one line each, so that the report stays a list a script can read line by line. */
function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ');
}

/** One alert in the form of the issue: a `## Alert Report` heading and seven `- Key: value` lines. */
export function renderAlert(a: Alert): string {
  return [
    '## Alert Report',
    `- Timestamp: ${oneLine(a.timestamp)}`,
    `- Alert Type: ${a.type}`,
    `- Severity: ${a.severity}`,
    `- Affected Component: ${oneLine(a.component)}`,
    `- Current Value: ${oneLine(a.currentValue)}`,
    `- Threshold: ${oneLine(a.threshold)}`,
    `- Recommended Action: ${oneLine(a.recommendedAction)}`,
  ].join('\n');
}

/**
 * Every alert of a check, one block each, separated by a blank line. Without alerts there
 * is no `## Alert Report` block at all (a reader that counts them finds none), just a note.
 */
export function renderAlertReport(alerts: readonly Alert[], checkedAt: string): string {
  if (alerts.length === 0) return `No alerts (checked ${checkedAt}).\n`;
  return `${alerts.map(renderAlert).join('\n\n')}\n`;
}
