import * as assert from 'node:assert/strict';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { openAnalysis } from '../../src/core/analysis/analysisDb';
import { messageDetail, messagePage } from '../../src/core/analysis/messageBrowser';
import { analyzeOpened } from '../../src/core/analysis/sessionAnalysis';
import { timeline } from '../../src/core/analysis/timeline';
import { buildIndexFromLog } from '../../src/core/index/indexBuilder';
import { searchSession } from '../../src/core/search/sessionSearch';
import { SessionLogReader } from '../../src/core/session/logReader';
import { resolveSession } from '../../src/core/session/sessionFiles';
import { summarizeSession } from '../../src/core/session/sessionSummary';
import { SAMPLE_SESSIONS, removeTempDirs, tempDir } from '../helpers';

/**
 * Mutated copies of the sample sessions through every reading path, in process. 300 files
 * in CI; `FUZZ_FILES=1000` (and `FUZZ_SEED`) for a longer run:
 * `FUZZ_FILES=1000 npx mocha --no-config -n import=tsx -r test/setup.ts --timeout 600000 --exit test/unit/fuzz.test.ts`
 */
const FILES = Number(process.env.FUZZ_FILES ?? 300);
const SEED = Number(process.env.FUZZ_SEED ?? 0x15f0_2026) >>> 0;
/** Lines taken from a sample per file: enough for every layout, small enough for 300 files. */
const MAX_LINES = 120;

/** mulberry32: tiny, seeded, good enough to pick mutations reproducibly. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rnd = () => number;
const int = (rnd: Rnd, n: number): number => Math.floor(rnd() * n);
const pick = <T>(rnd: Rnd, a: readonly T[]): T => a[int(rnd, a.length)];

const nest = (open: string, close: string, depth: number, inner = '1'): string => `${open.repeat(depth)}${inner}${close.repeat(depth)}`;
const HUGE = ['1e20', '-1e20', '1e308', '-1e308', '8640000000000001', '-62167219200001', '0', '-1', '1e-320', '123456789012345678901234567890'];
const TIMES = ['"0000-01-01T00:00:00Z"', '"0099-12-31T23:59:59.999Z"', '"9999-12-31T23:59:59.999Z"', '"2026-02-30T25:61:61Z"', '"NaN"', '"Infinity"', 'null', '{}', '[]', 'true'];
const ODD = [
  '"__proto__":{"topic":"evil"}',
  '"constructor":{"prototype":{"x":1}}',
  '"_kind":null',
  '"_kind":5',
  '"_kind":""',
  '"":""',
  '"topic":{"$ne":1}',
  '"topic":"<script>alert(1)</script>"',
  '"payload":"<img src=x onerror=alert(1)><!--"',
  '"qos":1e300',
  '"retain":"maybe"',
  '"payloadEncoding":"base64"',
  '"props":[1,2]',
  `"${'k'.repeat(5000)}":1`,
];
const BAD_UTF8 = [[0xff], [0xfe, 0xff], [0xc3], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82]];

/** One mutation of the file's lines (most) or of its bytes (flips, inserts, cuts). */
function mutate(lines: string[], rnd: Rnd): { lines: string[]; bytes?: (b: Buffer) => Buffer } {
  const i = int(rnd, Math.max(1, lines.length));
  const at = (f: (l: string) => string): { lines: string[] } => {
    const out = lines.slice();
    out[i] = f(out[i] ?? '');
    return { lines: out };
  };
  const ops: (() => { lines: string[]; bytes?: (b: Buffer) => Buffer })[] = [
    () => ({ lines, bytes: (b) => flipBytes(b, rnd) }),
    () => ({ lines, bytes: (b) => insertBytes(b, rnd, Buffer.from(Array.from({ length: 1 + int(rnd, 8) }, () => int(rnd, 256)))) }),
    () => ({ lines, bytes: (b) => cutBytes(b, rnd) }),
    () => ({ lines, bytes: (b) => b.subarray(0, int(rnd, b.length + 1)) }),
    () => ({ lines, bytes: (b) => insertBytes(b, rnd, Buffer.from([0])) }),
    () => ({ lines, bytes: (b) => insertBytes(b, rnd, Buffer.from(pick(rnd, BAD_UTF8))) }),
    () => ({ lines: [...lines.slice(0, i + 1), ...Array.from({ length: 1 + int(rnd, 3) }, () => lines[i] ?? ''), ...lines.slice(i + 1)] }),
    () => ({ lines: lines.filter((_, j) => j !== i) }),
    () => at((l) => l.replace(/"timestamp":("[^"]*"|[-\d.e+]+)/, `"timestamp":${pick(rnd, HUGE)}`)),
    () => at((l) => l.replace(/"timestamp":("[^"]*"|[-\d.e+]+)/, `"timestamp":${pick(rnd, TIMES)}`)),
    () => at((l) => l.replace(/"payload":/, `"payload":${nest('{"a":', '}', 500 + int(rnd, 6000))},"was":`)),
    () => at((l) => l.replace(/"payload":/, `"payload":${JSON.stringify(nest('[', ']', 400 + int(rnd, 10_000)))},"was":`)),
    () => at((l) => l.replace(/^\{/, `{"props":${nest('[', ']', 500 + int(rnd, 2000))},`)),
    () => at((l) => l.replace(/^\{/, `{${pick(rnd, ODD)},`)),
    () => at((l) => l.replace(/^\{/, `{${pick(rnd, ODD)},`).replace(/"topic":"[^"]*",?/, '')),
    () => at((l) => `${l.slice(0, int(rnd, l.length))}\r`),
    () => at((l) => `\ufeff${l}`),
    () => ({ lines: [...lines.slice(0, i), '', '   ', '\t', ...lines.slice(i)] }),
    () => at(() => pick(rnd, ['null', '[]', '"x"', '{', '}', '{}', '{"_kind":"session_meta"}', `{"_kind":"event","x":${nest('[', ']', 600)}}`])),
  ];
  return pick(rnd, ops)();
}

function flipBytes(b: Buffer, rnd: Rnd): Buffer {
  const out = Buffer.from(b);
  for (let k = 0; k < 1 + int(rnd, 4) && out.length; k++) out[int(rnd, out.length)] ^= 1 << int(rnd, 8);
  return out;
}

function insertBytes(b: Buffer, rnd: Rnd, what: Buffer): Buffer {
  const p = int(rnd, b.length + 1);
  return Buffer.concat([b.subarray(0, p), what, b.subarray(p)]);
}

function cutBytes(b: Buffer, rnd: Rnd): Buffer {
  const p = int(rnd, b.length + 1);
  return Buffer.concat([b.subarray(0, p), b.subarray(Math.min(b.length, p + 1 + int(rnd, 64)))]);
}

/** Lines as the reader counts them: one per newline, and a last one without a newline. */
function linesOf(bytes: Buffer): number {
  let n = 0;
  for (let p = bytes.indexOf(10); p !== -1; p = bytes.indexOf(10, p + 1)) n++;
  return bytes.length > 0 && bytes[bytes.length - 1] !== 10 ? n + 1 : n;
}

interface Tally {
  files: number;
  lines: number;
  messages: number;
  problemLines: number;
  crashes: { file: string; step: string; error: string }[];
  aborts: { file: string; error: string }[];
  inconsistent: { file: string; what: string }[];
}

/** Every reading path over one file; each failure is recorded, none stops the run. */
async function exercise(file: string, bytes: Buffer, t: Tally): Promise<void> {
  const name = path.basename(file);
  const step = async <T>(what: string, f: () => Promise<T> | T): Promise<T | undefined> => {
    try {
      return await f();
    } catch (err) {
      t.crashes.push({ file: name, step: what, error: (err as Error).message?.split('\n')[0] ?? String(err) });
      return undefined;
    }
  };
  const check = (ok: boolean, what: string): void => {
    if (!ok) t.inconsistent.push({ file: name, what });
  };

  const reader = new SessionLogReader(file);
  let read: number | undefined;
  try {
    read = (await reader.readAll()).length;
  } catch (err) {
    t.aborts.push({ file: name, error: (err as Error).message });
    return;
  }
  const lines = linesOf(bytes);
  const problemLines = new Set(reader.problems.items.map((p) => p.line)).size;
  t.lines += lines;
  t.messages += read;
  t.problemLines += reader.problems.count;
  check(reader.lines === lines, `lines ${reader.lines} ≠ ${lines} in the file`);
  check(read === reader.messages, 'messages yielded ≠ counted');
  check(reader.messages + reader.recordLines + reader.skippedLines + reader.blankLines === lines, 'messages + records + skipped + blank ≠ lines');
  check(reader.problems.count >= reader.skippedLines && reader.problems.count <= lines, 'problems not between skipped lines and lines');
  check(problemLines === reader.problems.items.length, 'a line with two problem entries');
  check(reader.problems.items.every((p) => p.line >= 1 && p.line <= lines && p.reason.length > 0 && !p.reason.includes('\n')), 'a problem without line or one-line reason');

  const files = await resolveSession(file);
  const summary = await step('summary', () => summarizeSession(files));
  if (!summary) {
    t.aborts.push({ file: name, error: t.crashes[t.crashes.length - 1].error });
    return;
  }
  await step('info --json', () => JSON.stringify(summary, null, 2));
  check(summary.messages === read && summary.problemCount === reader.problems.count, 'summary figures ≠ reader');

  const dbPath = file.replace(/\.log$/, '.db');
  const built = await step('index', () => buildIndexFromLog(file, dbPath));
  if (built) check(built.messages === read && built.problems === reader.problems.count && built.lines === lines, 'index figures ≠ reader');
  const indexed = await resolveSession(file);
  const fromIndex = await step('summary of the index', () => summarizeSession(indexed));
  if (fromIndex) check(fromIndex.format === 'db-index' && fromIndex.messages === read && fromIndex.problemCount === reader.problems.count, 'index summary ≠ reader');

  const a = await step('open analysis', () => openAnalysis(indexed));
  if (a) {
    try {
      const analysis = await step('analysis', () => analyzeOpened(indexed, a));
      if (analysis) {
        check(analysis.stats.messages === read, 'analysis messages ≠ reader');
        await step('analyze --json', () => JSON.stringify(analysis, null, 2));
      }
      await step('timeline', () => timeline(a.db));
      const page = await step('message page', () => messagePage(a.db, { limit: 50 }));
      for (const row of page?.messages ?? []) await step('message detail', () => JSON.stringify(messageDetail(a.db, row.id)));
    } finally {
      a.close();
    }
  }
  await step('search', () => searchSession(indexed, { text: 'orderId state' }));
  await step('search all', () => searchSession(indexed, { text: '', limit: 20 }));
}

describe(`fuzz: ${FILES} mutated sample sessions (seed ${SEED})`, function () {
  this.timeout(Math.max(120_000, FILES * 1000));
  after(removeTempDirs);

  it('no exception escapes, no file aborts whole, and every line is accounted for', async () => {
    const t0 = performance.now();
    const samples: string[][] = [];
    for (const f of (await readdir(SAMPLE_SESSIONS)).filter((f) => f.endsWith('.log')).sort()) {
      samples.push((await readFile(path.join(SAMPLE_SESSIONS, f), 'utf8')).split('\n'));
    }
    assert.ok(samples.length >= 3, 'the sample sessions are there');
    const rnd = mulberry32(SEED);
    const t: Tally = { files: 0, lines: 0, messages: 0, problemLines: 0, crashes: [], aborts: [], inconsistent: [] };
    const dir = await tempDir('mqtt-sessions-fuzz-');
    for (let n = 0; n < FILES; n++) {
      const sample = pick(rnd, samples);
      // The first line (often the meta line) half the time, then a slice of the rest.
      const from = rnd() < 0.5 ? 0 : int(rnd, sample.length);
      let lines = sample.slice(from, from + 1 + int(rnd, MAX_LINES));
      let edit: ((b: Buffer) => Buffer)[] = [];
      for (let k = 0, count = 1 + int(rnd, 4); k < count; k++) {
        const m = mutate(lines, rnd);
        lines = m.lines;
        if (m.bytes) edit.push(m.bytes);
      }
      let bytes: Buffer = Buffer.from(lines.join(rnd() < 0.1 ? '\r\n' : '\n'));
      for (const e of edit) bytes = e(bytes);
      edit = [];
      const file = path.join(dir, `fuzz${String(n).padStart(4, '0')}_20260101_000000.log`);
      await writeFile(file, bytes);
      t.files++;
      await exercise(file, bytes, t);
    }
    const seconds = (performance.now() - t0) / 1000;
    console.log(
      `      fuzz seed ${SEED}: ${t.files} files, ${t.lines} lines, ${t.messages} messages, ${t.problemLines} problem lines; ` +
        `${t.crashes.length} crashes, ${t.aborts.length} whole-file aborts, ${t.inconsistent.length} inconsistencies; ${seconds.toFixed(1)} s`,
    );
    assert.deepEqual(t.crashes.slice(0, 10), []);
    assert.deepEqual(t.aborts.slice(0, 10), []);
    assert.deepEqual(t.inconsistent.slice(0, 10), []);
    assert.equal(t.files, FILES);
    assert.ok(t.problemLines > 0 && t.messages > 0, 'the mutations make problems and leave messages');
  });

  it(`a tenth as many damaged sample .db files: read, or one error naming the file`, async () => {
    const dbs = (await readdir(SAMPLE_SESSIONS)).filter((f) => f.endsWith('.db')).sort();
    const originals = await Promise.all(dbs.map((f) => readFile(path.join(SAMPLE_SESSIONS, f))));
    const rnd = mulberry32(SEED ^ 0xdb);
    const dir = await tempDir('mqtt-sessions-fuzz-db-');
    const unnamed: string[] = [];
    let read = 0;
    let refused = 0;
    for (let n = 0; n < Math.ceil(FILES / 10); n++) {
      const original = pick(rnd, originals);
      // Past the 100-byte header most of the time: damage SQLite finds only when it reads that page.
      const bytes = pick(rnd, [
        () => original.subarray(0, 100 + int(rnd, original.length - 100)),
        () => flipBytes(original, rnd),
        () => Buffer.concat([original.subarray(0, 4096 * int(rnd, original.length / 4096)), Buffer.alloc(4096, int(rnd, 256))]),
        () => cutBytes(original, rnd),
      ])();
      const file = path.join(dir, `damaged${String(n).padStart(3, '0')}.db`);
      await writeFile(file, bytes);
      try {
        const files = await resolveSession(file);
        JSON.stringify(await summarizeSession(files));
        const a = await openAnalysis(files);
        try {
          JSON.stringify(analyzeOpened(files, a));
        } finally {
          a.close();
        }
        read++;
      } catch (err) {
        refused++;
        const message = (err as Error).message;
        if (!message.startsWith(`${file}: `) || message.includes('\n')) unnamed.push(message);
      }
    }
    console.log(`      fuzz seed ${SEED}: ${read + refused} damaged .db files, ${read} read, ${refused} refused, ${unnamed.length} errors without the file name`);
    assert.deepEqual(unnamed.slice(0, 10), []);
  });
});
