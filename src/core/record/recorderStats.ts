/** Live figures of a running recording (DESIGN §5), emitted about once a second. */
export interface RecorderStats {
  state: 'connecting' | 'waiting' | 'recording' | 'paused' | 'reconnecting' | 'stopping' | 'stopped';
  /** While `waiting`: why the broker is not reached yet (refused, not found…). */
  waitingFor?: string;
  sessionName: string;
  logPath: string;
  elapsedMs: number;
  messages: number;
  /** Messages a second over the last interval. */
  rate: number;
  /** Payload bytes recorded. */
  bytes: number;
  topics: number;
  skippedPaused: number;
  skippedExcluded: number;
  reconnects: number;
  /** Time without a broker connection since the first one, in all outages (ms). */
  outageMs: number;
  /** QoS 1/2 messages the broker delivered again after an outage, recorded once. */
  duplicatesDropped: number;
  /** Bytes of the `.log` handed to the OS. */
  fileBytes: number;
  /** Messages received but not yet handed to the OS (the 100 ms window). */
  unflushed: number;
  /** Messages not in the `.db` index yet (the live index catches up about once a second). */
  indexLag: number;
}

/** How a recording ended (its `session_end` status); the registry's `SessionStatus` is another thing. */
export type RecordingStatus = 'completed' | 'stopped' | 'auto-stopped' | 'failed' | 'interrupted';

export interface RecorderResult {
  status: RecordingStatus;
  reason: string;
  logPath: string;
  dbPath?: string;
  stats: RecorderStats;
  error?: string;
}
