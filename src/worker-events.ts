/**
 * The events a {@link Worker} emits while `run()` is active: their names and
 * payloads. Payloads are plain objects; those about one job carry it as `job`.
 */
import type { Job } from "./types.js";

/** Why a worker is stopping. */
export type StopReason =
  /** `worker.stop()` (or `await using`) was called. */
  | "stop"
  /** SIGINT or SIGTERM arrived (with `handleSignals`). */
  | "signal"
  /** The `signal` given to `run()` was aborted. */
  | "run-signal"
  /** A fatal error: the coordinator refused the token. */
  | "fatal";

/** What the run loop reports, by event name: `worker.on(name, (payload) => ...)`. */
export interface WorkerEvents {
  /** `run()` started, before the first heartbeat. */
  "worker:started": { concurrency: number };
  /** A stop began: no more claims; jobs in hand get the grace period. */
  "worker:stopping": { reason: StopReason; signal?: string | undefined; error?: unknown };
  /** `run()` ended: every job in hand was reported or logged as undelivered. */
  "worker:stopped": { reason: StopReason; error?: unknown };
  /** A heartbeat was answered. */
  "heartbeat:sent": { status: string; inFlight: number };
  /** A heartbeat failed (the next one is the retry). */
  "heartbeat:failed": { status: string; error: unknown };
  /** The worker asked for its pending jobs; `jobs` came back (before those in hand are left out). */
  "inbox:polled": { jobs: number };
  /** A call of the loop failed: the loop waits `retryInMs` and tries again. `failures` counts them in a row. */
  "coordinator:unreachable": { error: unknown; retryInMs: number; failures: number };
  /** The coordinator answers again after `failures` failed calls in a row. */
  "coordinator:reachable": { failures: number; downMs: number };
  /** The coordinator refuses this worker's claims while jobs wait for it: paused (by an admin, or the killswitch). */
  "worker:paused": { since: number };
  /** A claim was accepted again after a pause of `pausedMs`. */
  "worker:resumed": { pausedMs: number };
  /** A job is ours: its claim was accepted, or it was found running in this worker's name (`adopted`). */
  "job:claimed": { job: Job; adopted: boolean };
  /** The handler was called. */
  "job:started": { job: Job };
  /** Terminal: the handler returned; `result` is what is sent. */
  "job:completed": { job: Job; result: string; durationMs: number };
  /** Terminal: the handler threw (or a stop cut the job short: `error` is then the abort reason). */
  "job:failed": { job: Job; error: unknown; durationMs: number };
  /** Terminal: the job was cancelled while running; the handler's outcome, if any, is dropped. */
  "job:cancelled": { job: Job; reason: unknown; durationMs: number };
  /** The coordinator has the job's result. */
  "job:delivered": { job: Job; status: "done" | "failed"; attempts: number };
  /** The result could not be delivered yet: it is kept and tried again at `nextAttemptAt` (epoch ms). */
  "job:delivery-retrying": { job: Job; error: unknown; attempt: number; nextAttemptAt: number };
  /** The result was refused for good, or a stop ran out of time for it: the coordinator does not have it. */
  "job:delivery-given-up": { job: Job; error: unknown };
}

/** The name of a {@link WorkerEvents} event. */
export type WorkerEventName = keyof WorkerEvents;

/** Every event name, for checks of names given from JavaScript. */
export const WORKER_EVENT_NAMES: readonly WorkerEventName[] = [
  "worker:started",
  "worker:stopping",
  "worker:stopped",
  "heartbeat:sent",
  "heartbeat:failed",
  "inbox:polled",
  "coordinator:unreachable",
  "coordinator:reachable",
  "worker:paused",
  "worker:resumed",
  "job:claimed",
  "job:started",
  "job:completed",
  "job:failed",
  "job:cancelled",
  "job:delivered",
  "job:delivery-retrying",
  "job:delivery-given-up",
];

/** What the loop's parts use to emit: the name and payload, checked against {@link WorkerEvents}. */
export type EmitEvent = <K extends WorkerEventName>(event: K, payload: WorkerEvents[K]) => void;
