/**
 * Runs jobs: calls the handler, fixes each job's outcome exactly once (completed,
 * failed, or cancelled: the terminal event and the one log line), and hands the
 * result to the outbox.
 */

import { describeValue } from "../check-options.js";
import { errorMessage } from "../errors.js";
import type { RequestOptions } from "../http/core.js";
import type { Job, JobId } from "../types.js";
import type { JobRecord } from "./ledger.js";
import { callOnError } from "./on-error.js";
import type { Outbox } from "./outbox.js";
import { formatFailure, SHUTDOWN_RESULT, toResult, UNFORMATTED_FAILURE } from "./results.js";
import type { LoopContext } from "./types.js";

/** How long a cancelled job's handler may run on before a warning says it ignores its signal. */
export const IGNORED_CANCEL_WARN_MS = 10_000;

/** How a job ended. */
type Outcome =
  | { kind: "completed"; result: string }
  | { kind: "failed"; error: unknown }
  | { kind: "cancelled"; reason: unknown };

export class Executor {
  readonly #ctx: LoopContext;
  readonly #outbox: Outbox;

  constructor(ctx: LoopContext, outbox: Outbox) {
    this.#ctx = ctx;
    this.#outbox = outbox;
  }

  /**
   * Starts a job that is ours: a claim accepted (its `claiming` record goes on as the job's), or
   * one found running in this worker's name (`adopted`).
   */
  start(job: Job, adopted: boolean, claiming?: JobRecord): void {
    const { ledger, emit } = this.#ctx;
    // In the ledger before the event, so a listener's status() shows the job.
    const record = claiming ? ledger.claimed(claiming, job) : ledger.add(job, "running");
    ledger.count("claimed");
    emit("job:claimed", { job, adopted });
    record.done = this.#execute(record);
  }

  /**
   * Cancels a running job: its `ctx.signal` aborts with `reason`, it ends `cancelled`, and whatever
   * its handler returns is dropped. It holds its slot until the handler returns. Returns whether it was running.
   */
  cancel(id: JobId, reason: unknown): boolean {
    const record = this.#ctx.ledger.find(id);
    if (record?.phase !== "running" || record.settled) return false;
    this.#settle(record, { kind: "cancelled", reason });
    this.#ctx.ledger.move(record, "cancelling");
    record.controller.abort(reason);
    this.#warnIfIgnored(record);
    return true;
  }

  /** A promise cannot be killed: a handler that goes on after its signal aborted is named, once. */
  #warnIfIgnored(record: JobRecord): void {
    const { logger, settings } = this.#ctx;
    const timer = setTimeout(() => {
      if (record.phase !== "cancelling") return;
      logger.warn(
        `job ${record.job.id} was cancelled ${IGNORED_CANCEL_WARN_MS / 1000} s ago and its handler has not returned: it holds one of the ${settings.concurrency} slots until it does; pass ctx.signal on to what the handler awaits`,
      );
    }, IGNORED_CANCEL_WARN_MS);
    timer.unref?.();
    void record.done.finally(() => clearTimeout(timer));
  }

  /** A stop's grace period is over: aborts every running handler's `ctx.signal`. */
  abortRunning(): void {
    for (const record of this.#ctx.ledger.inPhase("running")) record.controller.abort(new Error(SHUTDOWN_RESULT));
  }

  /** Fails a job whose handler did not return in time at a stop, and sends that result within `options`. */
  cutShort(record: JobRecord, options: RequestOptions): Promise<boolean> {
    const reason = record.controller.signal.reason ?? new Error(SHUTDOWN_RESULT);
    this.#settle(record, { kind: "failed", error: reason });
    this.#ctx.ledger.move(record, "delivering");
    return this.#outbox.send(record, SHUTDOWN_RESULT, "failed", options);
  }

  /** Fails a job that cannot be reported (the token was refused): it ends here, the coordinator requeues it. */
  abandon(record: JobRecord): void {
    this.#settle(record, { kind: "failed", error: record.controller.signal.reason ?? new Error(SHUTDOWN_RESULT) });
    this.#ctx.ledger.finish(record);
  }

  async #execute(record: JobRecord): Promise<void> {
    const { job, controller } = record;
    record.startedAt = performance.now();
    this.#ctx.emit("job:started", { job });
    let outcome: Outcome;
    let result: string;
    try {
      try {
        result = toResult(await this.#ctx.worker.handle(job, controller));
        outcome = { kind: "completed", result };
      } catch (error) {
        result = this.#failureResult(error, job);
        outcome = { kind: "failed", error };
      }
      // Cancelled, or cut short by a stop: that outcome stands, this late one is dropped.
      if (record.settled) return;
      this.#settle(record, outcome);
      this.#ctx.ledger.move(record, "delivering");
      await this.#outbox.send(record, result, outcome.kind === "completed" ? "done" : "failed");
      if (outcome.kind === "failed") callOnError(this.#ctx, job, outcome.error);
    } finally {
      // Here, not in a `finally()` on the promise: on the hot path each promise step counts (bench/).
      // A cancelled job leaves once its handler returns; the others leave when their result is delivered.
      if (record.phase === "cancelling") this.#ctx.ledger.finish(record);
      this.#ctx.wake();
    }
  }

  /** What a failed job reports: the `formatFailure` option's text, else the stack trace. */
  #failureResult(error: unknown, job: Job): string {
    const custom = this.#ctx.options.formatFailure;
    if (custom === undefined) return formatFailure(error);
    try {
      const text: unknown = custom(error, job);
      if (typeof text === "string") return text;
      this.#ctx.logger.error(
        `formatFailure returned ${describeValue(text)} for job ${job.id}, not a string; the job fails with a fixed text`,
      );
    } catch (hookError) {
      this.#ctx.logger.error(
        `formatFailure threw for job ${job.id}; the job fails with a fixed text: ${errorMessage(hookError)}`,
      );
    }
    return UNFORMATTED_FAILURE;
  }

  /** Fixes a job's outcome: counted, logged in one line, and its one terminal event. */
  #settle(record: JobRecord, outcome: Outcome): void {
    const { ledger, emit, logger, options } = this.#ctx;
    const { job } = record;
    record.settled = true;
    const durationMs = performance.now() - record.startedAt;
    const took = `${(durationMs / 1000).toFixed(2)} s`;
    ledger.count(outcome.kind);
    switch (outcome.kind) {
      case "completed":
        logger.info(`job ${job.id} done in ${took}`);
        emit("job:completed", { job, result: outcome.result, durationMs });
        break;
      case "failed": {
        // A failure nobody handles (no onError) stays visible at logLevel "warn".
        const line = `job ${job.id} failed in ${took}: ${errorMessage(outcome.error)}`;
        if (options.onError) logger.info(line);
        else logger.warn(line);
        emit("job:failed", { job, error: outcome.error, durationMs });
        break;
      }
      case "cancelled":
        logger.info(`job ${job.id} cancelled after ${took}: ${errorMessage(outcome.reason)}`);
        emit("job:cancelled", { job, reason: outcome.reason, durationMs });
        break;
    }
  }
}
