/**
 * What a failed call of the loop means, decided in one place each and free
 * of side effects: the parts act on the verdict (log, skip, keep, back off).
 */
import { ConflictError, InvalidResponseError, isTokenRefused, WorkerError } from "../errors.js";
import { backoffDelay, LOOP_BACKOFF } from "../http/backoff.js";
import { isRetryableError } from "../http/core.js";
import { isPermissionRefusal } from "../runtime.js";

/** Claim answers that concern the one job, not the worker or the coordinator. */
const JOB_REFUSALS = new Set([400, 404, 410, 422]);

/** What a failed claim means. */
export type ClaimVerdict =
  /** The job is another worker's (409), or refused for this job alone (gone, malformed): skip it. */
  | { action: "skip"; why: "taken" | "refused"; lookForOrphans: boolean }
  /** The coordinator or the worker has a problem: the loop backs off. */
  | { action: "back-off"; lookForOrphans: boolean };

export function classifyClaimFailure(error: unknown): ClaimVerdict {
  // After a retry, 409 may mean our own first attempt won: look for it among our running jobs.
  if (error instanceof ConflictError) return { action: "skip", why: "taken", lookForOrphans: error.attempts > 1 };
  if (error instanceof WorkerError && JOB_REFUSALS.has(error.status ?? 0)) {
    return { action: "skip", why: "refused", lookForOrphans: false };
  }
  // No answer, or a 2xx answer the SDK cannot read: the claim may have landed.
  return { action: "back-off", lookForOrphans: isRetryableError(error) || error instanceof InvalidResponseError };
}

/** What a failed delivery of a result means. */
export type DeliveryVerdict =
  /**
   * The coordinator has it: a 2xx whose body is unreadable (`took-it`), or a 409 after earlier
   * attempts whose answers were lost, of this call or of an earlier one (`sent-again` when
   * this call made one attempt, `retried` when it made several).
   */
  | { action: "delivered"; why: "took-it" | "sent-again" | "retried" }
  /** Not delivered for now: keep it and try again. */
  | { action: "retry" }
  /** A stop's deadline passed: not refused, just not delivered. */
  | { action: "out-of-time" }
  /**
   * 409 at the first attempt: the job is no longer this worker's (cancelled, requeued or
   * reassigned on the coordinator), so the result is not wanted. Expected, not a failure.
   */
  | { action: "dropped" }
  /** Refused for good. `fatal` when the token was refused: the worker stops. */
  | { action: "give-up"; fatal: boolean };

export function classifyDeliveryFailure(
  error: unknown,
  attempt: { keptBefore: boolean; outOfTime: boolean },
): DeliveryVerdict {
  if (attempt.outOfTime) return { action: "out-of-time" };
  if (error instanceof InvalidResponseError && isSuccess(error.status)) return { action: "delivered", why: "took-it" };
  if (error instanceof ConflictError && (error.attempts > 1 || attempt.keptBefore)) {
    return { action: "delivered", why: error.attempts > 1 ? "retried" : "sent-again" };
  }
  if (error instanceof ConflictError) return { action: "dropped" };
  if (isRetryableError(error)) return { action: "retry" };
  return { action: "give-up", fatal: isTokenRefused(error) };
}

/** What a failed inbox or claim means to the loop: stop (it is stopping anyway), fatal, or back off. */
export function classifyLoopFailure(error: unknown, stopRequested: boolean): "stop" | "fatal" | "back-off" {
  // A call cut off by the stop is not a failure; an answer (a WorkerError) still counts.
  if (stopRequested && !(error instanceof WorkerError)) return "stop";
  // A refused token, or a runtime permission refused (Deno without --allow-net), stays refused.
  return isTokenRefused(error) || isPermissionRefusal(error) ? "fatal" : "back-off";
}

/**
 * The loop's wait after `failures` failed calls in a row: half fixed, half jittered, so
 * the wait always grows and workers do not return in step.
 */
export function outageDelay(failures: number, random: () => number = Math.random): number {
  const ceiling = Math.min(LOOP_BACKOFF.capMs, LOOP_BACKOFF.baseMs * 2 ** failures);
  return Math.round(ceiling / 2 + backoffDelay(failures, LOOP_BACKOFF, random) / 2);
}

/** When a kept result is tried again after `failures` failed calls: a second at least, growing. */
export function redeliveryDelay(failures: number, random: () => number = Math.random): number {
  return backoffDelay(failures, LOOP_BACKOFF, random) + LOOP_BACKOFF.baseMs;
}

function isSuccess(status: number | undefined): boolean {
  return status !== undefined && status >= 200 && status < 300;
}
