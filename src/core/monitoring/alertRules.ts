import type { HealthSnapshot } from './healthCheck';

export type AlertType = 'Growth' | 'Error' | 'Performance';
export type AlertSeverity = 'Warning' | 'Error' | 'Critical';

export interface Alert {
  timestamp: string;
  type: AlertType;
  severity: AlertSeverity;
  component: string;
  currentValue: string;
  threshold: string;
  recommendedAction: string;
}

export interface AlertThresholds {
  /** Growth between two checks as a fraction (0.5 = 50 %). */
  growth: number;
  /** ERROR lines over all lines as a fraction (0.1 = 10 %). */
  errorRate: number;
  /** Broker round trip in milliseconds. */
  responseMs: number;
}

export const DEFAULT_THRESHOLDS: AlertThresholds = { growth: 0.5, errorRate: 0.1, responseMs: 2000 };

/**
 * Severity by how far a value is past its threshold, the same for every rule:
 *   value > threshold      → Warning
 *   value > 2 × threshold  → Error
 *   value > 4 × threshold  → Critical
 * At or below the threshold nothing fires. A broker that does not answer at all is
 * Critical: nothing else tells the user sooner that recording has stopped working.
 * (Growth 50 % → Warning above 50 %, Error above 100 %, Critical above 200 %;
 * error rate 10 % → 10/20/40 %; response 2 s → 2/4/8 s.)
 */
export const SEVERITY_STEPS = { error: 2, critical: 4 } as const;

export function severityOf(value: number, threshold: number): AlertSeverity | undefined {
  if (!(value > threshold)) return undefined;
  if (value > threshold * SEVERITY_STEPS.critical) return 'Critical';
  if (value > threshold * SEVERITY_STEPS.error) return 'Error';
  return 'Warning';
}

/** `12.5 %` for a fraction: up to two decimals, so that a value just past its threshold does not print as equal to it. */
export function formatPercent(fraction: number): string {
  return `${Number((fraction * 100).toFixed(2))} %`;
}

/** `2.345 s`: milliseconds shown, trailing zeros not. */
export function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

/** The alerts a snapshot raises under the given thresholds (defaults where not given). */
export function evaluateAlerts(snapshot: HealthSnapshot, thresholds: Partial<AlertThresholds> = {}): Alert[] {
  const t = { ...DEFAULT_THRESHOLDS, ...thresholds };
  const alerts: Alert[] = [];
  const timestamp = snapshot.time;

  for (const s of snapshot.sizes) {
    if (s.growth === undefined) continue;
    const severity = severityOf(s.growth, t.growth);
    if (!severity) continue;
    alerts.push({
      timestamp,
      type: 'Growth',
      severity,
      component: s.component,
      currentValue: formatPercent(s.growth),
      threshold: formatPercent(t.growth),
      recommendedAction: s.component.startsWith('recording')
        ? 'Check the broker for a message storm or a topic filter that is too wide (e.g. camera topics); set an auto-stop size for the recording.'
        : 'Look for a component logging in a loop (mqtt-sessions monitor shows the error rate); raise the log level to INFO or WARNING and check free disk space.',
    });
  }

  const e = snapshot.errors;
  const errSeverity = severityOf(e.errorRate, t.errorRate);
  if (errSeverity) {
    alerts.push({
      timestamp,
      type: 'Error',
      severity: errSeverity,
      component: e.component,
      currentValue: `${formatPercent(e.errorRate)} (${e.errorLines} of ${e.lines} lines)`,
      threshold: formatPercent(t.errorRate),
      recommendedAction: 'Read the ERROR lines of the log (their component and message name the cause); check the broker connection, folder permissions and free disk space.',
    });
  }

  const r = snapshot.response;
  if (r && !r.ok) {
    alerts.push({
      timestamp,
      type: 'Performance',
      severity: 'Critical',
      component: r.component,
      currentValue: `no answer (${r.error ?? 'unknown error'})`,
      threshold: formatSeconds(t.responseMs),
      recommendedAction: 'Check that the broker is running and reachable (host, port, TLS, credentials) and that no firewall blocks it.',
    });
  } else if (r) {
    const severity = severityOf(r.ms, t.responseMs);
    if (severity) {
      alerts.push({
        timestamp,
        type: 'Performance',
        severity,
        component: r.component,
        currentValue: formatSeconds(r.ms),
        threshold: formatSeconds(t.responseMs),
        recommendedAction: "Check the broker's load and the network path; reduce the number of subscriptions or the message rate of other clients.",
      });
    }
  }
  return alerts;
}
