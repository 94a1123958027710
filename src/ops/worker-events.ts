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
  /** A result delivery failed for now; it is kept and tried again in `retryInMs`. */
  retrying?(job: Job, error: unknown, retryInMs: number): void;
  /** A result was delivered. */
  delivered?(job: Job): void;
  /** A result could not be delivered and was given up. */
  givenUp?(job: Job, error: unknown): void;
  /** A heartbeat was answered (`error` undefined) or failed. */
  heartbeat?(error: unknown): void;
  /** The inbox was asked. */
  polled?(): void;
  /** A call of the loop failed and it backs off, or the coordinator answered again. */
  reachable?(reachable: boolean): void;
  /** A stop began; `fatal` is the error that forced it, if any. */
  stopping?(reason: StopReason, fatal: unknown): void;
  /** `run()` ended. */
  stopped?(): void;
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
    add("job:cancelled", (e) => h.finished?.(e.job, "cancelled", e.durationMs ?? 0));
  }
  if (h.retrying) add("result:retrying", (e) => h.retrying?.(e.job, e.error, e.retryInMs));
  if (h.delivered) add("result:delivered", (e) => h.delivered?.(e.job));
  if (h.givenUp) add("result:givenUp", (e) => h.givenUp?.(e.job, e.error));
  if (h.heartbeat) {
    add("heartbeat:sent", () => h.heartbeat?.(undefined));
    add("heartbeat:failed", (e) => h.heartbeat?.(e.error));
  }
  if (h.polled) add("polled", () => h.polled?.());
  if (h.reachable) {
    add("coordinator:unreachable", () => h.reachable?.(false));
    add("coordinator:reachable", () => h.reachable?.(true));
  }
  if (h.stopping) add("stopping", (e) => h.stopping?.(e.reason, e.error));
  if (h.stopped) add("stopped", () => h.stopped?.());
  return () => {
    for (const [event, listener] of listeners.splice(0)) worker.off(event, listener);
  };
}
