import type { BrokerProfile } from '../mqtt/brokerProfile';
import type { ExclusionPreset } from './exclusions';

export interface RecorderOptions {
  profile: BrokerProfile;
  password?: string;
  /** Subscription filters; default `#`. */
  topics?: string[];
  exclude?: string[];
  preset?: ExclusionPreset;
  outDir: string;
  /** Session name; the file is `<name>_<YYYYMMDD_HHMMSS>.log` (UTC). */
  name?: string;
  /** Continue this existing `.log` instead of starting a new one. */
  resumeLog?: string;
  maxDurationMs?: number;
  maxMessages?: number;
  maxBytes?: number;
  /** Subscription QoS: 2 keeps the publisher's QoS. */
  subscribeQos?: 0 | 1 | 2;
  flushMs?: number;
  syncMs?: number;
  statsMs?: number;
  /** Build the `.db` index when the recording ends (default true). */
  index?: boolean;
  /**
   * Keep the broker session across outages (3.1.1 `clean: false`, MQTT 5 a session
   * expiry), so that QoS 1/2 messages published meanwhile are held for the recorder.
   * Default: on when the subscription QoS is 1 or 2. Needs a stable client id: the
   * profile's, else one made for the recording and kept in its meta line.
   */
  persistentSession?: boolean;
  /** MQTT 5: how long the broker keeps the session after a disconnect (default 1 h). */
  sessionExpirySec?: number;
  /** How long to wait for the broker at the start (default: for ever, showing "waiting for broker"). */
  connectTimeoutMs?: number;
}
