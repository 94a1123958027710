/**
 * Results on their way to the coordinator: the first attempt of each, the ones
 * kept after a failure (retried in the background on their own schedule, side
 * by side, so a coordinator that stops answering never stalls claiming), and
 * the last flush of a stop, under one deadline.
 */
import type { ConflictError } from "../errors.js";
import { errorMessage } from "../errors.js";
import { NO_REQUEST_OPTIONS, type RequestOptions } from "../http/core.js";
import { classifyDeliveryFailure, redeliveryDelay } from "./classify.js";
import type { Delivery, JobRecord } from "./ledger.js";
import { callOnError } from "./on-error.js";
import { explainRefusal } from "./ownership-watch.js";
import { excerpt } from "./results.js";
import type { CompletionStatus, LoopContext } from "./types.js";
import { FINAL_CALL_TIMEOUT_MS, until } from "./wait.js";

export class Outbox {
  readonly #ctx: LoopContext;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Retries under way in the background. */
  readonly #retrying = new Set<Promise<void>>();
  /** Aborted when the last flush begins: background retries give way to it. */
  readonly #cutoff = new AbortController();

  constructor(ctx: LoopContext) {
    this.#ctx = ctx;
  }

  /** Sends a job's result; what fails for now is kept and retried. Resolves `true` once delivered. */
  send(
    record: JobRecord,
    result: string,
    status: CompletionStatus,
    options: RequestOptions = NO_REQUEST_OPTIONS,
  ): Promise<boolean> {
    record.delivery = { result, status, failures: 0, nextAt: 0, sending: false };
    return this.#attempt(record, record.delivery, options);
  }

  /**
   * The last chance of a stop: stops the background retries and sends every kept result
   * side by side within `deadline`, so a stop's length grows with neither their number nor a silent coordinator.
   */
  async flush(deadline: AbortSignal): Promise<void> {
    clearTimeout(this.#timer);
    this.#cutoff.abort();
    // A retry that ignores the cutoff still gets the deadline; one result is never sent twice at once.
    await until(Promise.allSettled(this.#retrying), deadline);
    const left = this.#ctx.ledger.inPhase("undelivered").filter((record) => !record.delivery?.sending);
    await Promise.all(
      left.map((record) =>
        this.#attempt(record, record.delivery as Delivery, { timeoutMs: FINAL_CALL_TIMEOUT_MS, signal: deadline }),
      ),
    );
  }

  /** Stops the retry timer (the run is over without a flush). */
  close(): void {
    clearTimeout(this.#timer);
    this.#cutoff.abort();
  }

  /** Logs (and reports) the results a stop could not deliver. */
  giveUpLeftovers(): void {
    const { ledger, logger, emit } = this.#ctx;
    for (const record of ledger.inPhase("undelivered")) {
      const { result, status } = record.delivery as Delivery;
      logger.error(
        `job ${record.job.id}'s result was never delivered; the coordinator will requeue the job. ${status} result: ${excerpt(result)}`,
      );
      emit("job:delivery-given-up", {
        job: record.job,
        error: new Error("the worker stopped before the result was delivered"),
      });
    }
  }

  async #attempt(record: JobRecord, delivery: Delivery, options: RequestOptions): Promise<boolean> {
    const { worker, ledger, logger, emit, health } = this.#ctx;
    const { job } = record;
    delivery.sending = true;
    let error: unknown;
    try {
      await worker.complete(job.id, delivery.result, delivery.status, options);
    } catch (failure) {
      error = failure ?? new Error("the result could not be delivered");
    } finally {
      delivery.sending = false;
    }
    if (error === undefined) {
      health.answered(false);
      this.#delivered(record, delivery);
      logger.debug(`job ${job.id} reported ${delivery.status}`);
      return true;
    }
    const keptBefore = record.phase === "undelivered";
    const verdict = classifyDeliveryFailure(error, { keptBefore, outOfTime: options.signal?.aborted === true });
    switch (verdict.action) {
      case "out-of-time":
        ledger.move(record, "undelivered");
        return false;
      case "delivered":
        this.#delivered(record, delivery);
        if (verdict.why === "took-it") {
          logger.warn(`job ${job.id}'s result counts as delivered (the coordinator took it): ${errorMessage(error)}`);
        } else if (verdict.why === "sent-again") {
          logger.info(
            `job ${job.id}'s result, sent again, was refused (${errorMessage(error)}): an earlier attempt whose answer was lost most likely landed; if the job was requeued instead, it is claimed again`,
          );
        }
        return true;
      case "retry":
        delivery.nextAt = Date.now() + redeliveryDelay(delivery.failures);
        delivery.failures++;
        ledger.move(record, "undelivered");
        logger.warn(`job ${job.id}'s result is not delivered yet (${errorMessage(error)}); it is kept and retried`);
        emit("job:delivery-retrying", { job, error, attempt: delivery.failures, nextAttemptAt: delivery.nextAt });
        this.#schedule();
        return false;
      case "dropped": {
        ledger.finish(record);
        // What became of the job words the line; the result itself is not logged.
        const { method, path, status } = error as ConflictError;
        const lost = await explainRefusal(worker.inbox, job.id, { method, path, status });
        logger.info(`${lost.message}; its result was dropped`);
        emit("job:delivery-given-up", { job, error: lost });
        return false;
      }
      case "give-up":
        ledger.finish(record);
        logger.error(
          `job ${job.id}'s result could not be delivered and is given up (${errorMessage(error)}). ${delivery.status} result: ${excerpt(delivery.result)}`,
        );
        if (verdict.fatal) this.#ctx.fail(error);
        emit("job:delivery-given-up", { job, error });
        callOnError(this.#ctx, job, error);
        return false;
    }
  }

  #delivered(record: JobRecord, delivery: Delivery): void {
    this.#ctx.ledger.finish(record);
    this.#ctx.emit("job:delivered", { job: record.job, status: delivery.status, attempts: delivery.failures + 1 });
  }

  /** Arms the timer for the earliest kept result that is not being sent. */
  #schedule(): void {
    if (this.#cutoff.signal.aborted) return;
    clearTimeout(this.#timer);
    let due = Number.POSITIVE_INFINITY;
    for (const record of this.#ctx.ledger.inPhase("undelivered")) {
      const delivery = record.delivery as Delivery;
      if (!delivery.sending) due = Math.min(due, delivery.nextAt);
    }
    if (Number.isFinite(due)) this.#timer = setTimeout(() => this.#retryDue(), Math.max(0, due - Date.now()));
  }

  #retryDue(): void {
    const now = Date.now();
    for (const record of this.#ctx.ledger.inPhase("undelivered")) {
      const delivery = record.delivery as Delivery;
      if (delivery.sending || delivery.nextAt > now) continue;
      const retry = this.#attempt(record, delivery, { signal: this.#cutoff.signal }).then(() => {
        this.#retrying.delete(retry);
      });
      this.#retrying.add(retry);
    }
    this.#schedule();
  }
}
