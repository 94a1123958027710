/**
 * The one place where probes, metrics and tracing meet the worker's events
 * and status: they get plain callbacks, so a renamed event or field is fixed
 * here alone.
 */
import type { Job } from "../types.js";
import type { StopReason, WorkerEventName, WorkerEvents } from "../worker-events.js";
import type { WorkerStatus } from "../worker-status.js";

/** How a job ended. */
export type JobOutcome = "completed" | "failed" | "cancelled";

/** What ops code can be told; every callback is optional. */
export interface OpsHandlers {
  /** A job was taken up (claimed, or adopted as an orphan). */
  claimed?(job: Job): void;
  /** A job reached its outcome; `error` when it failed. */
  finished?(job: Job, outcome: JobOutcome, durationMs: number, error?: unknown): void;
  /** Delivery `attempt` of a result failed for now; it is kept and tried again in `retryInMs`. */
  retrying?(job: Job, error: unknown, attempt: number, retryInMs: number): void;
  /** A result was delivered, after `attempts` tries. */
  delivered?(job: Job, attempts: number): void;
  /** A result could not be delivered and was given up. */
  givenUp?(job: Job, error: unknown): void;
  /** A heartbeat was answered (`error` undefined) or failed. */
  heartbeat?(error: unknown): void;
  /** The inbox was asked. */
  polled?(): void;
  /** A stop began; `fatal` is the error that forced it, if any. */
  stopping?(reason: StopReason, fatal: unknown): void;
  /** `run()` ended; `fatal` is the error it rejects with, if any. */
  stopped?(fatal: unknown): void;
}

/** What ops code needs of a worker: its name and its events (a `Worker` is one). */
export interface ObservableWorker {
  /** The worker's instance name. */
  readonly name: string;
  /** Adds a listener for a lifecycle event. */
  on<K extends WorkerEventName>(event: K, listener: (payload: WorkerEvents[K]) => unknown): unknown;
}

/** What ops code reads of `worker.status()`. */
export type StatusView = Pick<WorkerStatus, "state" | "paused" | "jobs" | "undelivered" | "lastAnswerAt">;

/** Subscribes `handlers` to the worker's events, for the worker's life (probes and tracing are never switched off). */
export function subscribe(worker: ObservableWorker, handlers: OpsHandlers): void {
  const add = <K extends WorkerEventName>(event: K, listener: (payload: WorkerEvents[K]) => void) => {
    worker.on(event, listener);
  };
  const h = handlers;
  if (h.claimed) add("job:claimed", (e) => h.claimed?.(e.job));
  if (h.finished) {
    add("job:completed", (e) => h.finished?.(e.job, "completed", e.durationMs));
    add("job:failed", (e) => h.finished?.(e.job, "failed", e.durationMs, e.error));
    add("job:cancelled", (e) => h.finished?.(e.job, "cancelled", e.durationMs));
  }
  if (h.retrying)
    add("job:delivery-retrying", (e) => h.retrying?.(e.job, e.error, e.attempt, e.nextAttemptAt - Date.now()));
  if (h.delivered) add("job:delivered", (e) => h.delivered?.(e.job, e.attempts));
  if (h.givenUp) add("job:delivery-given-up", (e) => h.givenUp?.(e.job, e.error));
  if (h.heartbeat) {
    add("heartbeat:sent", () => h.heartbeat?.(undefined));
    add("heartbeat:failed", (e) => h.heartbeat?.(e.error));
  }
  if (h.polled) add("inbox:polled", () => h.polled?.());
  if (h.stopping) add("worker:stopping", (e) => h.stopping?.(e.reason, e.error));
  if (h.stopped) add("worker:stopped", (e) => h.stopped?.(e.error));
}
