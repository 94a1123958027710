/**
 * The shapes the coordinator sends and accepts, spelled as on the wire.
 * Every object type keeps unknown fields: the server may add more than we know.
 */

/** A job's id as the coordinator spells it; integers in the docs, strings accepted. */
export type JobId = number | string;

/** Where a job is in its life. `completed` is the older docs' spelling of `done`. */
export type JobStatus = "pending" | "running" | "done" | "completed" | "failed" | "cancelled";

/** Every job priority, lowest first. */
export const JOB_PRIORITIES = ["low", "normal", "high"] as const;

/** A job's priority. */
export type JobPriority = (typeof JOB_PRIORITIES)[number];

/**
 * How much human oversight a capability needs:
 * `auto` runs without approval, `audit` runs with every action logged,
 * `approve` waits for a human, `session` is approved once per session.
 */
export type RiskTier = (typeof RISK_TIERS)[number];

/** Every risk tier, least oversight first. */
export const RISK_TIERS = ["auto", "audit", "approve", "session"] as const;

/** A job as the coordinator sends it. Unknown fields are kept. */
export interface Job {
  id: JobId;
  prompt: string;
  assigned_to?: string | null;
  status: JobStatus | (string & {});
  input?: unknown;
  provider?: string | null;
  model?: string | null;
  priority?: JobPriority | (string & {});
  tier?: RiskTier | (string & {}) | null;
  tags?: string[] | string | null;
  result?: unknown;
  created_at?: string;
  [key: string]: unknown;
}

/** Presence statuses the docs name, plus the SDK's default `active`. */
export type PresenceStatus = "active" | "online" | "idle" | "busy" | "offline" | (string & {});

/** One instance's presence as `GET /presence` sends it. */
export interface PresenceEntry {
  instance: string;
  status?: PresenceStatus;
  /** As the worker sent them: usually a comma-separated string. */
  tags?: string | string[];
  details?: JsonObject | null;
  provider?: string | null;
  last_seen?: string;
  online?: boolean;
  paused?: boolean;
  load?: number;
  [key: string]: unknown;
}

/**
 * The answer to `PUT /presence` (`worker.heartbeat()`, `presence.update()`):
 * usually the instance's presence as the coordinator now has it.
 */
export type PresenceResponse = Partial<PresenceEntry>;

/** The answer to a completion (`worker.complete()`): usually the job as the coordinator now has it. */
export type CompletionResponse = Partial<Job>;

/** The answer to an artifact upload. `url` is a path: see {@link Worker.artifactUrl}. */
export interface ArtifactResponse {
  success?: boolean;
  slug: string;
  url: string;
  content_type?: string;
  size_bytes?: number;
  filename?: string;
  [key: string]: unknown;
}

/** The answer to a review submission. */
export interface ReviewResponse {
  id: JobId;
  status: string;
  mode?: string;
  [key: string]: unknown;
}

/** Any JSON object the server returns whose shape the docs leave open. */
export interface JsonObject {
  [key: string]: unknown;
}
