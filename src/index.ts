/**
 * modelreins-worker: turn a Node.js script into a ModelReins silicon worker.
 * @module modelreins-worker
 */
export { Worker } from "./worker.js";
export type {
  WorkerOptions,
  HeartbeatParams,
  ReviewParams,
  CompletionStatus,
  JobHandler,
  JobContext,
  WorkerListener,
} from "./worker.js";
export type { RunOptions } from "./run-loop/types.js";
export { SHUTDOWN_RESULT } from "./run-loop/results.js";
export type { WorkerEvents, WorkerEventName, StopReason } from "./worker-events.js";
export type { WorkerStatus, JobInHand, JobPhase, JobCounts } from "./worker-status.js";
export type { ProbeOptions } from "./ops/probe-server.js";
export type { ArtifactData, ArtifactParams } from "./artifact.js";
export { ModelReins, ADMIN_TOKEN_ENV } from "./client/model-reins.js";
export type { JobsApi } from "./client/jobs.js";
export { FINAL_JOB_STATUSES } from "./client/jobs.js";
export type { WorkersApi } from "./client/workers.js";
export type { PresenceApi } from "./client/presence.js";
export type { KillswitchApi } from "./client/killswitch.js";
export type { CostApi } from "./client/cost.js";
export type {
  ModelReinsOptions,
  WorkerId,
  HealthResponse,
  JobInput,
  JobUpdate,
  ListJobsQuery,
  ListAllJobsQuery,
  CancelParams,
  WaitParams,
  Capability,
  RegisterWorkerInput,
  RegisterWorkerResponse,
  WorkerInfo,
  WorkerActionResponse,
  PresenceUpdate,
  KillswitchLevel,
  KillswitchInput,
  KillswitchClearParams,
  KillswitchState,
  KillswitchResponse,
  CostPeriod,
  CostQuery,
  CostSummary,
  CostBreakdown,
  CostBreakdownRow,
} from "./client/types.js";
export type { ConnectionOptions } from "./options.js";
export { DEFAULT_URL } from "./options.js";
export type { RequestOptions } from "./http/core.js";
export type { Logger, LogLevel } from "./logger.js";
export { createConsoleLogger } from "./logger.js";
export { DEFAULT_ROUTES } from "./routes.js";
export type { RouteName, Routes, RouteSpec, HttpMethod } from "./routes.js";
export {
  WorkerError,
  BadRequestError,
  AuthenticationError,
  PermissionDeniedError,
  NotFoundError,
  ConflictError,
  RateLimitError,
  InternalServerError,
  NoEligibleWorkerError,
  ConnectionError,
  TimeoutError,
  InvalidResponseError,
  JobCancelledError,
  WaitTimeoutError,
} from "./errors.js";
export type { WorkerErrorInit, JobLoss, JobCancelledInit } from "./errors.js";
export type {
  Job,
  JobId,
  JobStatus,
  JobPriority,
  RiskTier,
  PresenceStatus,
  ArtifactResponse,
  ReviewResponse,
  PresenceEntry,
  PresenceResponse,
  CompletionResponse,
  JsonObject,
} from "./types.js";
export { JOB_PRIORITIES, RISK_TIERS } from "./types.js";
export { VERSION } from "./version.js";
