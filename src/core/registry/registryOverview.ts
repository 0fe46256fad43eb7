import type { SessionStatus } from './liveSessionRecord';
import { type RegistryEntry, type RegistryProblem, type RegistrySummary, listRecordsIn, summarizeRecords } from './registryStore';

/** What a list row shows of a record; the record itself is read again when opened. */
export interface RegistryRow {
  file: string;
  startedMs: number;
  session_id: string;
  status: string;
  run_type: string;
  mode: string;
  env_name: string;
  symbol: string;
  started_at: string;
  finished_at: string | null;
  error: string | null;
}

export type RegistryGrouping = 'runType' | 'status';

/** The registry folders as the Live Sessions view shows them: summary, groups of rows (newest first), problems. */
export interface RegistryOverview {
  summary: RegistrySummary;
  groups: { label: string; rows: RegistryRow[] }[];
  problems: RegistryProblem[];
}

function rowOf(e: RegistryEntry): RegistryRow {
  const r = e.record;
  return {
    file: e.file,
    startedMs: e.startedMs,
    session_id: r.session_id,
    status: r.status,
    run_type: r.run_type,
    mode: r.mode,
    env_name: r.env_name,
    symbol: r.symbol,
    started_at: r.started_at,
    finished_at: r.finished_at,
    error: r.error,
  };
}

/**
 * Reads every folder's records (the core worker does, for the view: parsing thousands of
 * files makes garbage the extension host would have to collect) and hands back only
 * what the rows show. `undefined` when there is nothing at all.
 */
export async function registryOverview(dirs: string[], status: SessionStatus | undefined, grouping: RegistryGrouping): Promise<RegistryOverview | undefined> {
  const { entries, problems } = await listRecordsIn(dirs, { status });
  if (entries.length === 0 && problems.length === 0) return undefined;
  entries.sort((a, b) => b.startedMs - a.startedMs);
  const groups = new Map<string, RegistryRow[]>();
  for (const e of entries) {
    const key = grouping === 'status' ? e.record.status : e.record.run_type;
    const list = groups.get(key);
    if (list) list.push(rowOf(e));
    else groups.set(key, [rowOf(e)]);
  }
  return {
    summary: summarizeRecords(entries),
    groups: [...groups.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([label, rows]) => ({ label, rows })),
    problems,
  };
}
