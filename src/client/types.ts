/**
 * What the coordinator's admin API accepts and answers, spelled as on the wire
 * (snake_case). Every object type keeps unknown fields: request types pass
 * extra fields through to the server, answer types keep what the server adds.
 */
import type { ConnectionOptions } from "../options.js";
import type { JobId, JobPriority, JobStatus, JsonObject, PresenceStatus, RiskTier } from "../types.js";

/** Options of `ModelReins`. Every one is optional when the environment has the token. */
export interface ModelReinsOptions extends ConnectionOptions {
  /**
   * The admin token: a user API key, not a worker token.
   * @default process.env.MODELREINS_ADMIN_TOKEN ?? process.env.MODELREINS_API_KEY
   */
  token?: string | undefined;
}

/** A worker's id as the coordinator spells it; integers in the docs, strings accepted. */
export type WorkerId = number | string;

/** The answer of `GET /health`; an empty body reads as `{}`. */
export interface HealthResponse {
  status?: string;
  [key: string]: unknown;
}

/** The body of `POST /api/jobs` and `POST /dispatch`. Fields not given are left out. */
export interface JobInput {
  /** What the job asks for. */
  prompt: string;
  /** Any JSON value the worker needs besides the prompt. */
  input?: unknown;
  provider?: string | null | undefined;
  model?: string | null | undefined;
  /** @default the server's, `"normal"` */
  priority?: JobPriority | undefined;
  tier?: string | null | undefined;
  tags?: readonly string[] | undefined;
  /** The worker (instance name) that should take it; on dispatch, the coordinator chooses when absent. */
  assigned_to?: string | null | undefined;
  [key: string]: unknown;
}

/** The body of `PUT /api/jobs/<id>`: at least one field. The server refuses it once the job finished. */
export interface JobUpdate {
  tags?: readonly string[] | undefined;
  priority?: JobPriority | undefined;
  tier?: string | null | undefined;
  [key: string]: unknown;
}

/** The query of `GET /api/jobs`. Filters not given are left out. */
export interface ListJobsQuery {
  status?: JobStatus | (string & {}) | undefined;
  provider?: string | undefined;
  /** The page size; the server has its own default and maximum. */
  limit?: number | undefined;
  /** How many jobs to skip. */
  offset?: number | undefined;
}

/** The filters of `jobs.listAll()`. */
export interface ListAllJobsQuery {
  status?: JobStatus | (string & {}) | undefined;
  provider?: string | undefined;
  /**
   * Jobs per request.
   * @default 100
   */
  pageSize?: number | undefined;
}

/** The params of `jobs.cancel()`. */
export interface CancelParams {
  /** Why, kept with the job (sent as `{"reason"}`; no body when absent). */
  reason?: string | undefined;
}

/**
 * The params of `jobs.wait()`: settings of the helper itself, named so that
 * none reads as a request option (those go in its last argument, as on any call).
 */
export interface WaitParams {
  /**
   * The states that end the wait.
   * @default ["done", "completed", "failed", "cancelled"]
   */
  until?: readonly (JobStatus | (string & {}))[] | undefined;
  /**
   * Time between two looks at the job, in ms.
   * @default 2000
   */
  pollIntervalMs?: number | undefined;
  /**
   * How long to wait in all, in ms; then `WaitTimeoutError`.
   * @default no limit
   */
  maxWaitMs?: number | undefined;
}

/** A capability a worker offers, with the oversight it needs. */
export interface Capability {
  name: string;
  /** `auto`, `audit`, `approve` or `session`. */
  risk_tier: RiskTier;
  /** `vault://` references the coordinator resolves at dispatch time. */
  requires_secrets?: readonly string[] | undefined;
  [key: string]: unknown;
}

/** The body of `POST /api/v1/workers/register`. */
export interface RegisterWorkerInput {
  /** The worker's name: its instance name in presence and `assigned_to`. */
  name: string;
  description?: string | undefined;
  capabilities: readonly Capability[];
  [key: string]: unknown;
}

/** The answer to a registration. */
export interface RegisterWorkerResponse {
  /**
   * A one-time-view URL that reveals the new worker's token once. Open it (or
   * hand it to whoever runs the worker) before anything else does.
   */
  view_url: string;
  id?: WorkerId;
  name?: string;
  [key: string]: unknown;
}

/** A worker as `GET /api/workers` sends it. */
export interface WorkerInfo {
  id: WorkerId;
  name: string;
  description?: string | null;
  capabilities?: Capability[];
  paused?: boolean;
  /** The last heartbeat's status. */
  status?: PresenceStatus;
  online?: boolean;
  last_seen?: string | null;
  /** Jobs assigned to it that are pending or running. */
  load?: number;
  created_at?: string;
  [key: string]: unknown;
}

/** The answer to a pause or resume: usually the worker's record. */
export type WorkerActionResponse = Partial<WorkerInfo>;

/**
 * The body of `presence.update()` (`PUT /presence`). Every field given is
 * sent, the documented `provider` and any other.
 */
export interface PresenceUpdate {
  instance: string;
  /** @default "active" */
  status?: PresenceStatus | undefined;
  /** A list is sent comma-joined, as a worker's heartbeat sends it; a string as it is (`"code,draft"`). */
  tags?: readonly string[] | string | undefined;
  /** The provider this instance runs on, e.g. `"ollama"`. */
  provider?: string | undefined;
  /** Left out of the request when not given. */
  details?: JsonObject | undefined;
  [key: string]: unknown;
}

/** How hard the killswitch stops the tenant, 0 to 4. */
export type KillswitchLevel = 0 | 1 | 2 | 3 | 4;

/** The body of `POST /tenant/killswitch`. */
export interface KillswitchInput {
  level: KillswitchLevel;
  /** Why: shown to whoever finds everything stopped. */
  reason: string;
}

/** The params of `killswitch.clear()`. */
export interface KillswitchClearParams {
  /** Also resume every paused worker (`?resume_all=true`); without it they stay paused. */
  resume_all?: boolean | undefined;
}

/** The killswitch's state. */
export interface KillswitchState {
  active?: boolean;
  level?: number | null;
  reason?: string | null;
  activated_at?: string | null;
  [key: string]: unknown;
}

/** The answer to activating or clearing the killswitch. */
export interface KillswitchResponse {
  killswitch?: KillswitchState;
  cancelled_jobs?: JobId[];
  paused_workers?: number;
  resumed_workers?: number;
  [key: string]: unknown;
}

/** The period a cost report covers. */
export type CostPeriod = "day" | "week" | "month";

/** The query of the cost reports. */
export interface CostQuery {
  /** @default the server's */
  period?: CostPeriod | undefined;
}

/** The answer of `GET /api/cost/summary`. The docs leave its fields open: those below are the likely ones. */
export interface CostSummary {
  period?: string;
  currency?: string;
  total_cost?: number;
  [key: string]: unknown;
}

/** One row of a cost breakdown: usually one provider and model. */
export interface CostBreakdownRow {
  provider?: string | null;
  model?: string | null;
  cost?: number;
  [key: string]: unknown;
}

/** The answer of `GET /api/cost/breakdown`. The docs leave its fields open: those below are the likely ones. */
export interface CostBreakdown {
  period?: string;
  currency?: string;
  total_cost?: number;
  breakdown?: CostBreakdownRow[];
  [key: string]: unknown;
}
