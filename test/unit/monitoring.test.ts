import * as assert from 'node:assert/strict';
import { appendFile, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import * as path from 'node:path';
import { renderAlert, renderAlertReport } from '../../src/core/monitoring/alertReport';
import { type Alert, DEFAULT_THRESHOLDS, evaluateAlerts, severityOf } from '../../src/core/monitoring/alertRules';
import { HealthMonitor, type HealthSnapshot, errorRate } from '../../src/core/monitoring/healthCheck';
import { JsonLogger, LOG_BACKUPS, LOG_MAX_BYTES, type LogEntry } from '../../src/core/monitoring/jsonLogger';
import { mqttRoundTripProbe, redactUrl } from '../../src/core/monitoring/mqttProbe';
import { removeTempDirs, tempDir } from '../helpers';

const FIXED = new Date('2026-05-12T10:00:00.000Z');

async function readLines(file: string): Promise<LogEntry[]> {
  return (await readFile(file, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as LogEntry);
}

/** A log with `errors` ERROR lines among `total` lines, as our logger writes it. */
async function logWithErrors(dir: string, errors: number, total: number): Promise<void> {
  const logger = new JsonLogger({ dir, now: () => FIXED });
  for (let i = 0; i < total; i++) {
    if (i < errors) logger.error('recorder', 'write failed', { i });
    else logger.info('recorder', 'message stored', { i });
  }
  await logger.flush();
}

function snapshot(parts: Partial<HealthSnapshot>): HealthSnapshot {
  return { time: FIXED.toISOString(), sizes: [], errors: { component: 'log logs/session_manager.jsonl', files: [], lines: 0, errorLines: 0, unreadableLines: 0, errorRate: 0 }, ...parts };
}

describe('self-monitoring', () => {
  after(removeTempDirs);

  describe('JSON log', () => {
    it('writes one JSON object per line: time, level, component, message, fields; below the level nothing', async () => {
      const dir = await tempDir();
      const logger = new JsonLogger({ dir, level: 'INFO', now: () => FIXED });
      logger.debug('cli', 'not written');
      logger.info('recorder', 'started', { session: 'demo_20260512_100000', topics: ['#'] });
      logger.warning('broker', 'reconnecting');
      logger.error('recorder', 'disk full', { errno: -28 });
      await logger.flush();
      assert.deepEqual(await readdir(dir), ['session_manager.jsonl']);
      assert.deepEqual(await readLines(path.join(dir, 'session_manager.jsonl')), [
        { time: '2026-05-12T10:00:00.000Z', level: 'INFO', component: 'recorder', message: 'started', fields: { session: 'demo_20260512_100000', topics: ['#'] } },
        { time: '2026-05-12T10:00:00.000Z', level: 'WARNING', component: 'broker', message: 'reconnecting' },
        { time: '2026-05-12T10:00:00.000Z', level: 'ERROR', component: 'recorder', message: 'disk full', fields: { errno: -28 } },
      ]);
    });

    it('rotates at 1 MB and keeps exactly 3 backups, the newest lines in order', async () => {
      assert.equal(LOG_MAX_BYTES, 1024 * 1024);
      assert.equal(LOG_BACKUPS, 3);
      const dir = await tempDir();
      const logger = new JsonLogger({ dir });
      const n = 60_000; // ~7 MB: more than the file and its 3 backups hold
      const pad = 'x'.repeat(64);
      for (let i = 0; i < n; i++) logger.info('bench', `line ${i}`, { i, pad });
      await logger.flush();
      const base = path.join(dir, 'session_manager.jsonl');
      assert.deepEqual((await readdir(dir)).sort(), ['session_manager.jsonl', 'session_manager.jsonl.1', 'session_manager.jsonl.2', 'session_manager.jsonl.3']);
      let seq: number[] = [];
      for (const file of [`${base}.3`, `${base}.2`, `${base}.1`, base]) {
        assert.ok((await stat(file)).size <= LOG_MAX_BYTES, file);
        seq = seq.concat((await readLines(file)).map((e) => e.fields?.i as number));
      }
      // The backups are full (within a line of 1 MB) and the lines run on without a gap up to the last one.
      for (const file of [`${base}.3`, `${base}.2`, `${base}.1`]) assert.ok((await stat(file)).size > LOG_MAX_BYTES - 200, file);
      assert.equal(seq[seq.length - 1], n - 1);
      for (let k = 1; k < seq.length; k++) assert.equal(seq[k], seq[k - 1] + 1);
      assert.ok(seq[0] > 0, 'the oldest lines were dropped with the fourth backup');
    });

    it('continues an existing log and honours a smaller limit and backup count', async () => {
      const dir = await tempDir();
      const base = path.join(dir, 'session_manager.jsonl');
      await writeFile(base, `${'y'.repeat(900)}\n`);
      const logger = new JsonLogger({ dir, maxBytes: 1000, backups: 2 });
      for (let i = 0; i < 40; i++) logger.info('t', `m${i}`); // ~70 bytes each
      await logger.flush();
      assert.deepEqual((await readdir(dir)).sort(), ['session_manager.jsonl', 'session_manager.jsonl.1', 'session_manager.jsonl.2']);
      for (const f of await readdir(dir)) assert.ok((await stat(path.join(dir, f))).size <= 1000, f);
      const last = await readLines(base);
      assert.equal(last[last.length - 1].message, 'm39');
    });

    it('never throws when the log cannot be written, and says so once', async () => {
      const dir = await tempDir();
      await writeFile(path.join(dir, 'blocker'), '');
      const errors: string[] = [];
      const logger = new JsonLogger({ dir: path.join(dir, 'blocker', 'logs'), onError: (e) => errors.push(e.message) });
      logger.error('x', 'lost');
      await logger.flush();
      assert.equal(errors.length, 1);
      assert.match(errors[0], /ENOTDIR|EEXIST/);
    });
  });

  describe('health checks', () => {
    it('error rate is ERROR lines over all lines of the log and its rotations', async () => {
      const dir = await tempDir();
      await logWithErrors(dir, 3, 20);
      await writeFile(path.join(dir, 'session_manager.jsonl.1'), '{"time":"t","level":"ERROR","component":"c","message":"m"}\nnot json\n{"level":"critical"}\n');
      await writeFile(path.join(dir, 'other.jsonl'), '{"level":"ERROR"}\n'.repeat(50));
      const r = await errorRate(path.join(dir, 'session_manager.jsonl'), 'log');
      assert.equal(r.lines, 23);
      assert.equal(r.errorLines, 5);
      assert.equal(r.unreadableLines, 1);
      assert.equal(r.errorRate, 5 / 23);
      assert.deepEqual(r.files.map((f) => path.basename(f)), ['session_manager.jsonl', 'session_manager.jsonl.1']);
    });

    it('growth is measured between checks, for the log folder and a recording', async () => {
      const dir = await tempDir();
      const rec = path.join(await tempDir(), 'demo_20260512_100000.log');
      await writeFile(path.join(dir, 'session_manager.jsonl'), 'a'.repeat(1000));
      await writeFile(rec, 'r'.repeat(400));
      const m = new HealthMonitor({ logDir: dir, recordings: [rec], now: () => FIXED });
      const first = await m.check();
      assert.deepEqual(
        first.sizes.map((s) => [s.component, s.sizeBytes, s.growth]),
        [
          [`log folder ${dir}`, 1000, undefined],
          ['recording demo_20260512_100000.log', 400, undefined],
        ],
      );
      await appendFile(path.join(dir, 'session_manager.jsonl'), 'a'.repeat(600));
      await appendFile(rec, 'r'.repeat(100));
      const second = await m.check();
      assert.deepEqual(second.sizes.map((s) => [s.sizeBytes, s.previousBytes, s.growth]), [
        [1600, 1000, 0.6],
        [500, 400, 0.25],
      ]);
      // A later run continues from sizes handed over (what `monitor --once` keeps in its state file).
      const third = await new HealthMonitor({ logDir: dir, recordings: [rec], previousSizes: m.sizes }).check();
      assert.deepEqual(third.sizes.map((s) => s.growth), [0, 0]);
    });

    it('response time is the caller’s probe, timed; a failure or a timeout is no answer', async () => {
      const dir = await tempDir();
      const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
      const ok = await new HealthMonitor({ logDir: dir, probe: { component: 'broker test', run: () => delay(120) } }).check();
      assert.equal(ok.response?.ok, true);
      assert.ok(ok.response!.ms >= 110 && ok.response!.ms < 2000, String(ok.response?.ms));
      const failed = await new HealthMonitor({ logDir: dir, probe: { component: 'broker test', run: () => Promise.reject(new Error('connect ECONNREFUSED')) } }).check();
      assert.deepEqual([failed.response?.ok, failed.response?.error], [false, 'connect ECONNREFUSED']);
      const slow = await new HealthMonitor({ logDir: dir, probeTimeoutMs: 50, probe: { component: 'broker test', run: () => delay(1000) } }).check();
      assert.deepEqual([slow.response?.ok, slow.response?.error], [false, 'no answer within 0.05 s']);
    });

    it('the MQTT probe makes a real round trip through a broker, and reports one that is not there', async () => {
      const { Aedes } = await import('aedes');
      const aedes = await Aedes.createBroker();
      const server = createServer((socket) => aedes.handle(socket));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as AddressInfo).port;
      try {
        let seen = '';
        aedes.on('publish', (packet) => {
          if (packet.topic.startsWith('mqtt-sessions/probe/')) seen = packet.topic;
        });
        const s = await new HealthMonitor({ logDir: await tempDir(), probe: mqttRoundTripProbe(`mqtt://127.0.0.1:${port}`, 5000) }).check();
        assert.equal(s.response?.ok, true, s.response?.error);
        assert.equal(s.response?.component, `broker mqtt://127.0.0.1:${port}`);
        // aedes reports the publish after delivering it: give it a moment.
        for (let i = 0; i < 50 && !seen; i++) await new Promise((r) => setTimeout(r, 10));
        assert.match(seen, /^mqtt-sessions\/probe\/[0-9a-f]{12}$/);
      } finally {
        await new Promise<void>((resolve) => aedes.close(() => server.close(() => resolve())));
      }
      const gone = await new HealthMonitor({ logDir: await tempDir(), probe: mqttRoundTripProbe(`mqtt://127.0.0.1:${port}`, 5000) }).check();
      assert.equal(gone.response?.ok, false);
      assert.match(gone.response?.error ?? '', /ECONNREFUSED/);
      assert.equal(redactUrl('mqtts://user:secret@broker.example:8883'), 'mqtts://broker.example:8883');
    });
  });

  describe('alert rules', () => {
    it('severity: above the threshold Warning, above 2× Error, above 4× Critical; at or below nothing', () => {
      assert.equal(severityOf(0.5, 0.5), undefined);
      assert.equal(severityOf(0.49, 0.5), undefined);
      assert.equal(severityOf(0.51, 0.5), 'Warning');
      assert.equal(severityOf(1.0, 0.5), 'Warning');
      assert.equal(severityOf(1.01, 0.5), 'Error');
      assert.equal(severityOf(2.0, 0.5), 'Error');
      assert.equal(severityOf(2.01, 0.5), 'Critical');
    });

    it('growth fires above 50 % between two real checks and stays quiet below', async () => {
      for (const [added, expected] of [[510, 'Warning'], [490, undefined], [500, undefined], [1500, 'Error'], [2500, 'Critical']] as const) {
        const dir = await tempDir();
        await writeFile(path.join(dir, 'session_manager.jsonl'), 'a'.repeat(1000));
        const m = new HealthMonitor({ logDir: dir, now: () => FIXED });
        assert.deepEqual(evaluateAlerts(await m.check()), [], 'no growth on the first check');
        await appendFile(path.join(dir, 'session_manager.jsonl'), 'a'.repeat(added));
        const alerts = evaluateAlerts(await m.check());
        assert.deepEqual(alerts.map((a) => [a.type, a.severity, a.component]), expected ? [['Growth', expected, `log folder ${dir}`]] : [], `+${added} bytes`);
      }
    });

    it('error rate fires above 10 % of real log lines and stays quiet below', async () => {
      for (const [errors, total, expected] of [[11, 100, 'Warning'], [10, 100, undefined], [9, 100, undefined], [21, 100, 'Error'], [41, 100, 'Critical']] as const) {
        const dir = await tempDir();
        await logWithErrors(dir, errors, total);
        const alerts = evaluateAlerts(await new HealthMonitor({ logDir: dir, now: () => FIXED }).check());
        assert.deepEqual(alerts.map((a) => [a.type, a.severity, a.currentValue, a.threshold]), expected ? [['Error', expected, `${errors} % (${errors} of ${total} lines)`, '10 %']] : [], `${errors} of ${total}`);
      }
    });

    it('response time fires above 2 s and stays quiet below; no answer is Critical', () => {
      const at = (ms: number, ok = true): Alert[] => evaluateAlerts(snapshot({ response: { component: 'broker mqtt://localhost:1883', ok, ms, error: ok ? undefined : 'connect ECONNREFUSED 127.0.0.1:1883' } }));
      assert.deepEqual(at(1999), []);
      assert.deepEqual(at(2000), []);
      assert.deepEqual(at(2001).map((a) => [a.type, a.severity, a.currentValue, a.threshold]), [['Performance', 'Warning', '2.001 s', '2 s']]);
      assert.deepEqual(at(2500).map((a) => [a.severity, a.currentValue]), [['Warning', '2.5 s']]);
      assert.deepEqual(at(4100).map((a) => a.severity), ['Error']);
      assert.deepEqual(at(8100).map((a) => a.severity), ['Critical']);
      assert.deepEqual(at(30, false).map((a) => [a.type, a.severity, a.currentValue]), [['Performance', 'Critical', 'no answer (connect ECONNREFUSED 127.0.0.1:1883)']]);
    });

    it('every threshold is configurable', () => {
      assert.deepEqual(DEFAULT_THRESHOLDS, { growth: 0.5, errorRate: 0.1, responseMs: 2000 });
      const s = snapshot({
        sizes: [{ component: 'recording r.log', path: 'r.log', exists: true, sizeBytes: 130, previousBytes: 100, growth: 0.3 }],
        errors: { component: 'log l', files: [], lines: 100, errorLines: 3, unreadableLines: 0, errorRate: 0.03 },
        response: { component: 'broker b', ok: true, ms: 300 },
      });
      assert.deepEqual(evaluateAlerts(s), []);
      const alerts = evaluateAlerts(s, { growth: 0.2, errorRate: 0.02, responseMs: 250 });
      assert.deepEqual(alerts.map((a) => [a.type, a.threshold]), [['Growth', '20 %'], ['Error', '2 %'], ['Performance', '0.25 s']]);
    });
  });

  describe('alert report', () => {
    it('has exactly the form of the issue', () => {
      const [alert] = evaluateAlerts(snapshot({ response: { component: 'broker mqtt://localhost:1883', ok: true, ms: 2345 } }));
      assert.equal(
        renderAlert(alert),
        [
          '## Alert Report',
          '- Timestamp: 2026-05-12T10:00:00.000Z',
          '- Alert Type: Performance',
          '- Severity: Warning',
          '- Affected Component: broker mqtt://localhost:1883',
          '- Current Value: 2.345 s',
          '- Threshold: 2 s',
          `- Recommended Action: ${alert.recommendedAction}`,
        ].join('\n'),
      );
      assert.ok(alert.recommendedAction.length > 20);
      const two = renderAlertReport([alert, { ...alert, severity: 'Critical', component: 'x\ny' }], alert.timestamp);
      assert.equal(two.match(/^## Alert Report$/gm)?.length, 2);
      assert.match(two, /^- Affected Component: x y$/m);
      assert.equal(renderAlertReport([], alert.timestamp), 'No alerts (checked 2026-05-12T10:00:00.000Z).\n');
    });
  });
});
