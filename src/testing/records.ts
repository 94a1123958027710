/**
 * The records the local coordinator keeps, as its routes and test helpers
 * return them. Helpers return copies: changing one never changes the state.
 */
import type { Job, JobPriority, JsonObject, RiskTier } from "../types.js";

/** The states a job moves through on the local coordinator. */
export type LocalJobStatus = "pending" | "running" | "done" | "failed" | "cancelled";

/** A job as the local coordinator stores and sends it. */
export interface CoordinatorJob extends Job {
  id: number;
  prompt: string;
  status: LocalJobStatus;
  input: unknown;
  provider: string | null;
  model: string | null;
  priority: JobPriority;
  tier: string | null;
  tags: string[];
  assigned_to: string | null;
  /** The worker that claimed it, while it runs and after it finished. */
  claimed_by: string | null;
  result: string | null;
  created_at: string;
  updated_at: string;
  started_at: string | null;
  completed_at: string | null;
  /** Set when the job was cancelled (by an admin call or the killswitch). */
  cancel_reason: string | null;
  /** How many times it went back to `pending` because its worker went silent. */
  requeues: number;
  /** How many times an admin retried it. */
  retries: number;
}

/** What a job is created from: the body of `POST /api/jobs` and `POST /dispatch`. */
export interface NewJob {
  prompt: string;
  input?: unknown;
  provider?: string | null;
  model?: string | null;
  priority?: JobPriority;
  tier?: string | null;
  tags?: string[];
  assigned_to?: string | null;
}

/** The last heartbeat of one instance (`PUT /presence`). */
export interface PresenceRecord {
  instance: string;
  status: string;
  /** As sent: a comma-separated string. */
  tags: string;
  /** The provider the instance said it runs on (`"ollama"`), or `null`. */
  provider: string | null;
  details: JsonObject | null;
  first_seen: string;
  last_seen: string;
  /** Heartbeat within `presenceTtlMs` and a status other than `offline`/`stopping`. */
  online: boolean;
  paused: boolean;
  /** Jobs assigned to this instance that are pending or running. */
  load: number;
}

/** A capability of a registered worker. */
export interface Capability {
  name: string;
  risk_tier: RiskTier;
  requires_secrets?: string[];
}

/**
 * A worker: registered through `POST /api/v1/workers/register`, or seen first
 * through a heartbeat (then `registered` is false). Its token is never shown.
 */
export interface WorkerRecord {
  id: number;
  name: string;
  description: string | null;
  capabilities: Capability[];
  registered: boolean;
  paused: boolean;
  created_at: string;
  /** From presence: the last heartbeat's status, or `"unknown"`. */
  status: string;
  last_seen: string | null;
  online: boolean;
  load: number;
}

/** An uploaded artifact. */
export interface ArtifactRecord {
  slug: string;
  /** The path it is served at, `/s/<slug>`. */
  url: string;
  content_type: string;
  filename: string;
  size_bytes: number;
  job_id: number | null;
  review_id: number | null;
  expires_at: string | null;
  created_at: string;
  bytes: Uint8Array;
}

/** A submitted review. */
export interface ReviewRecord {
  id: number;
  type: string;
  title: string;
  content: string;
  preview: string | null;
  target: string | null;
  job_id: number | null;
  status: "pending" | "approved" | "rejected";
  mode: "review";
  /** The reason given to `rejectReview`, or a note given to `approveReview`. */
  note: string | null;
  created_at: string;
  decided_at: string | null;
}

/** One line of the request log (`coordinator.requests`). */
export interface RequestRecord {
  method: string;
  /** The path without the query string. */
  path: string;
  /** The query string with its `?`, or `""`. */
  query: string;
  /** The status answered; 0 when no answer was sent (a dropped or stalled request). */
  status: number;
  /** The route-table name that matched, or null (404, 405). */
  route: string | null;
  /** The `error` of a JSON error answer. */
  error?: string;
  /** The fault injected into this request, if any. */
  fault?: string;
  /** Whether the answer was replayed from an earlier request with the same `Idempotency-Key`. */
  replayed?: boolean;
  time: number;
}

/** The killswitch's state. */
export interface KillswitchState {
  active: boolean;
  level: number | null;
  reason: string | null;
  activated_at: string | null;
}
