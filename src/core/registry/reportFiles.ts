import { mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import { writeFileAtomic } from '../util/atomicFile';
import { type ReportScope, renderRecordsHtml, renderRecordsMarkdown, renderSummaryHtml, renderSummaryMarkdown } from './registryReport';
import { type RegistryEntry, summarizeRecords } from './registryStore';

export type ReportFormat = 'markdown' | 'html' | 'both';

export interface ReportDocument {
  /** `sessions_report.md`, `sessions_summary.html`, ... */
  suffix: string;
  text: () => string;
}

/** The documents of `report`: the records and their summary, per format (rendered on demand). */
export function reportDocuments(entries: readonly RegistryEntry[], scope: ReportScope, format: ReportFormat, summaryOnly: boolean): ReportDocument[] {
  const records = entries.map((e) => e.record);
  const summary = summarizeRecords(entries);
  const documents: ReportDocument[] = [];
  for (const kind of format === 'both' ? (['markdown', 'html'] as const) : [format]) {
    const ext = kind === 'markdown' ? 'md' : 'html';
    if (!summaryOnly) documents.push({ suffix: `sessions_report.${ext}`, text: () => (kind === 'markdown' ? renderRecordsMarkdown(records) : renderRecordsHtml(records)) });
    documents.push({ suffix: `sessions_summary.${ext}`, text: () => (kind === 'markdown' ? renderSummaryMarkdown(summary, scope) : renderSummaryHtml(summary, scope)) });
  }
  return documents;
}

/** `20260807T113213`: the UTC stamp that prefixes report files. */
export function reportStamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').slice(0, 15);
}

/** Writes `<stamp>_<suffix>` files into `outDir` (atomically); returns their paths. */
export async function writeReportDocuments(outDir: string, documents: readonly ReportDocument[], date = new Date()): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const stamp = reportStamp(date);
  const written: string[] = [];
  for (const d of documents) {
    const file = path.join(outDir, `${stamp}_${d.suffix}`);
    await writeFileAtomic(file, d.text());
    written.push(file);
  }
  return written;
}
