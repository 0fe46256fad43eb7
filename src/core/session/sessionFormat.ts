/**
 * The kinds of session file we read (DESIGN §3.1):
 * `log` plain JSON lines, `log-meta` with a `session_meta` first line,
 * `db-recorder` the old recorder's 4-column table, `db-legacy` the wide APSPersistentLogger table,
 * `db-index` our own index.
 */
export type SessionFormat = 'log' | 'log-meta' | 'db-recorder' | 'db-legacy' | 'db-index';
