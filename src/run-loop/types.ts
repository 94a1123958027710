/**
 * What the run loop needs from outside, and what it shares between its parts:
 * the narrow set of worker calls it makes (so it does not depend on `Worker`),
 * its settings, and the options of `Worker.run()`.
 */
import type { RequestOptions } from "../http/core.js";
import type { Logger } from "../logger.js";
import type { ResolvedRoute } from "../routes.js";
import type { Job, JobId } from "../types.js";
import type { EmitEvent } from "../worker-events.js";
import type { CoordinatorHealth } from "./health.js";
import type { JobLedger } from "./ledger.js";

/** The outcome a completion reports. */
export type CompletionStatus = "done" | "failed";

/** Options of `Worker.run()`. */
export interface RunOptions {
  /** Called after a job failed (its handler threw, or its result could not be delivered). Its own errors are logged, never fatal. */
  onError?: ((job: Job, error: unknown) => unknown) | undefined;
  /** Aborting it stops the worker as `stop()` does. */
  signal?: AbortSignal | undefined;
  /**
   * Stop cleanly on SIGINT/SIGTERM while running; a second signal forces exit.
   * Set `false` in services that handle signals themselves.
   * @default true
   */
  handleSignals?: boolean | undefined;
  /**
   * What a failed job reports to the coordinator as its result, from what its handler threw.
   * The default sends the error's stack trace, which shows file paths and the message (that
   * may quote the job's data) to whoever reads the job: return less to keep them on this
   * machine, e.g. `(error) => "failed"`. A throw or a non-string return is logged, and the
   * job fails with a fixed text that says so.
   * @default (error) => error.stack
   */
  formatFailure?: ((error: unknown, job: Job) => string) | undefined;
}

/** The run loop's settings, resolved from the worker's options. */
export interface LoopSettings {
  readonly concurrency: number;
  readonly pollIntervalMs: number;
  readonly heartbeatIntervalMs: number;
  readonly shutdownGraceMs: number;
  readonly tags: readonly string[];
}

/**
 * The worker calls the loop makes, and nothing else: `Worker` hands the loop
 * an adapter of this shape, so a change of a method's signature touches that
 * adapter alone.
 */
export interface LoopWorker {
  readonly name: string;
  readonly url: string;
  readonly logger: Logger;
  inbox(status: "pending" | "running" | "cancelled", options: RequestOptions): Promise<Job[]>;
  /** The route of `inbox`, for errors that name the call whose answer showed them. */
  readonly inboxRoute: ResolvedRoute;
  claim(jobId: JobId): Promise<Job>;
  complete(jobId: JobId, result: string, status: CompletionStatus, options: RequestOptions): Promise<unknown>;
  heartbeat(
    status: string,
    details: { in_flight: JobId[]; concurrency: number },
    options: RequestOptions,
  ): Promise<unknown>;
  /**
   * Runs the user's handler for a job, with the context the worker builds. `abort.signal` is read
   * only when the handler reads `ctx.signal`: an AbortSignal costs microseconds to make, and most
   * handlers never look at it.
   */
  handle(job: Job, abort: { readonly signal: AbortSignal }): unknown;
}

/** What every part of the loop shares. */
export interface LoopContext {
  readonly worker: LoopWorker;
  readonly settings: LoopSettings;
  readonly options: RunOptions;
  readonly logger: Logger;
  readonly ledger: JobLedger;
  readonly health: CoordinatorHealth;
  readonly emit: EmitEvent;
  /** Ends the run with a fatal error (a refused token, a permission the runtime refuses). */
  fail(error: unknown): void;
  /** Wakes the loop when it waits for a change (a slot freed, a stop). */
  wake(): void;
}
