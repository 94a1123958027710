/**
 * The one place that knows the worker's lifecycle event names and payloads
 * on behalf of probes, metrics and tracing: they get plain callbacks, so a
 * renamed event or field is fixed here alone.
 */
import type { Job } from "../types.js";

/** How a job ended. */
export type JobOutcome = "completed" | "failed" | "cancelled";

/** Why a stop began, as the worker's `stopping` event says. */
export type StopReason = string;

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

/** A listener as the worker's emitter takes it. */
// biome-ignore lint/suspicious/noExplicitAny: the worker's typed overloads must fit this one shape.
type AnyListener = (payload: any) => void;

/** What ops code needs of a worker: its name and its events. */
export interface ObservableWorker {
  /** The worker's instance name. */
  readonly name: string;
  /** Adds a listener for a lifecycle event. */
  on(event: string, listener: AnyListener): unknown;
  /** Removes a listener added with `on`. */
  off(event: string, listener: AnyListener): unknown;
}

/** Subscribes `handlers` to the worker's events; returns the unsubscribe. */
export function subscribe(worker: ObservableWorker, handlers: OpsHandlers): () => void {
  const listeners: Array<[string, AnyListener]> = [];
  const add = (event: string, listener: AnyListener) => {
    listeners.push([event, listener]);
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
  return () => {
    for (const [event, listener] of listeners.splice(0)) worker.off(event, listener);
  };
}

/** What ops code reads of `worker.status()`. */
export interface StatusView {
  readonly state: "idle" | "running" | "stopping" | "stopped";
  readonly paused: boolean;
  /** Jobs in hand, in any phase. */
  readonly jobs: readonly unknown[];
  /** Of those, the results waiting for another delivery attempt. */
  readonly undelivered: number;
  readonly lastAnswerAt: number | undefined;
}
