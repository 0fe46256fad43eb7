import { readFile, stat, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeFileAtomic } from '../../core/util/atomicFile';
import { renderAlertReport } from '../../core/monitoring/alertReport';
import { type AlertThresholds, DEFAULT_THRESHOLDS, evaluateAlerts, formatPercent } from '../../core/monitoring/alertRules';
import { HealthMonitor, type HealthSnapshot } from '../../core/monitoring/healthCheck';
import { mqttRoundTripProbe } from '../../core/monitoring/mqttProbe';
import { type ParsedArgs, UsageError, stringOption } from '../argv';
import { defineCommand } from '../command';
import { formatBytes } from '../../core/util/units';
import { table } from '../terminal';

/**
 * Sizes of the last check, kept in the log folder so that `monitor --once` from a
 * scheduler still measures growth between two runs.
 */
export const MONITOR_STATE_FILE = '.monitor-state.json';

function numberOption(args: ParsedArgs, name: string): number | undefined {
  const v = stringOption(args, name);
  if (v === undefined) return undefined;
  if (!/^\d+(\.\d+)?$/.test(v) || Number(v) <= 0) throw new UsageError(`--${name} must be a positive number (got ${v})`);
  return Number(v);
}

async function readState(file: string): Promise<Record<string, number>> {
  try {
    const o: unknown = JSON.parse(await readFile(file, 'utf8'));
    const sizes = (o as { sizes?: unknown })?.sizes;
    if (!sizes || typeof sizes !== 'object') return {};
    return Object.fromEntries(Object.entries(sizes).filter((e): e is [string, number] => typeof e[1] === 'number'));
  } catch {
    return {}; // first run, or a state file we cannot read: growth starts from this check
  }
}

function statusTable(s: HealthSnapshot): string {
  const rows: string[][] = s.sizes.map((z) => [
    z.component,
    z.exists ? formatBytes(z.sizeBytes) : 'missing',
    z.growth === undefined ? 'growth -' : `growth ${z.growth >= 0 ? '+' : ''}${formatPercent(z.growth)}`,
  ]);
  rows.push([s.errors.component, `${s.errors.lines} lines`, `error rate ${formatPercent(s.errors.errorRate)} (${s.errors.errorLines} ERROR)`]);
  if (s.response) rows.push([s.response.component, s.response.ok ? `${Math.round(s.response.ms)} ms` : 'no answer', s.response.ok ? 'round trip' : (s.response.error ?? '')]);
  return `checked ${s.time}\n${table(['COMPONENT', 'VALUE', ''], rows)}`;
}

export const monitorCommand = defineCommand({
  name: 'monitor',
  usage: '',
  summary: 'log size and growth, error rate, broker round trip; alerts',
  description: 'Watches the log folder (size and growth, error rate) and the broker (round trip); alerts past the limits.',
  notes: 'monitor --once exits 1 when an alert fired; without it the checks repeat until Ctrl-C.',
  options: {
    'log-dir': { value: true, arg: 'DIR', help: 'the log folder (default logs)' },
    once: { help: 'one check, then exit (for a scheduler: growth is measured since the last run)' },
    interval: { value: true, arg: 'SECONDS', help: 'the pause between checks (default 60)' },
    report: { value: true, arg: 'FILE', help: 'write the alert report to this file too' },
    recording: { value: true, repeat: true, arg: 'FILE', help: 'also watch the size of this recording' },
    broker: { value: true, arg: 'URL', help: 'measure the round trip of a message through this broker' },
    'max-growth': { value: true, arg: 'PCT', help: 'alert when a file grows more than this between checks (default 50)' },
    'max-error-rate': { value: true, arg: 'PCT', help: 'alert when more log lines are errors (default 10)' },
    'max-response-time': { value: true, arg: 'SECONDS', help: 'alert when the round trip takes longer (default 2)' },
  },
  run: monitor,
});

async function monitor(args: ParsedArgs): Promise<number> {
  const logDir = stringOption(args, 'log-dir') ?? 'logs';
  const once = args.options.once === true;
  const intervalSec = numberOption(args, 'interval') ?? 60;
  if (once && stringOption(args, 'interval') !== undefined) throw new UsageError('--interval is for repeated checks; leave it out with --once');
  const reportFile = stringOption(args, 'report');
  const recordings = (args.options.recording as string[] | undefined) ?? [];
  const broker = stringOption(args, 'broker');
  const thresholds: AlertThresholds = {
    growth: (numberOption(args, 'max-growth') ?? DEFAULT_THRESHOLDS.growth * 100) / 100,
    errorRate: (numberOption(args, 'max-error-rate') ?? DEFAULT_THRESHOLDS.errorRate * 100) / 100,
    responseMs: (numberOption(args, 'max-response-time') ?? DEFAULT_THRESHOLDS.responseMs / 1000) * 1000,
  };
  if (!(await stat(logDir).catch(() => undefined))?.isDirectory()) throw new Error(`${logDir}: no such folder`);

  const stateFile = path.join(logDir, MONITOR_STATE_FILE);
  const monitor = new HealthMonitor({
    logDir,
    recordings,
    probe: broker ? mqttRoundTripProbe(broker, Math.max(10_000, thresholds.responseMs * 5)) : undefined,
    ignore: [MONITOR_STATE_FILE],
    previousSizes: await readState(stateFile),
  });
  let stateWarned = false;

  const checkOnce = async (): Promise<number> => {
    const snapshot = await monitor.check();
    const alerts = evaluateAlerts(snapshot, thresholds);
    process.stdout.write(`${statusTable(snapshot)}\n\n${renderAlertReport(alerts, snapshot.time)}`);
    if (reportFile) await writeFileAtomic(reportFile, renderAlertReport(alerts, snapshot.time));
    try {
      await writeFile(stateFile, `${JSON.stringify({ time: snapshot.time, sizes: monitor.sizes }, null, 2)}\n`);
    } catch (err) {
      if (!stateWarned) process.stderr.write(`mqtt-sessions: cannot keep the monitor state in ${stateFile}: ${(err as Error).message}\n`);
      stateWarned = true;
    }
    return alerts.length;
  };

  if (once) return (await checkOnce()) > 0 ? 1 : 0;

  // Until Ctrl-C (or SIGTERM): a check, then a pause; a signal ends the pause at once.
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    while (!stop.signal.aborted) {
      await checkOnce();
      await sleep(intervalSec * 1000, undefined, { signal: stop.signal }).catch(() => undefined);
      if (!stop.signal.aborted) process.stdout.write('\n');
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return 0;
}
