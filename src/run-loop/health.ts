/**
 * Whether the coordinator answers: when it last did, how many calls of the loop
 * failed in a row, and the one place that says so when it stops and starts
 * answering (a log line and an event each).
 */
import { errorMessage, followedBy, InvalidResponseError } from "../errors.js";
import { FailureLog, failureCause, networkCode, shortFailure } from "../failure-log.js";
import type { Logger } from "../logger.js";
import type { EmitEvent } from "../worker-events.js";

/** Network codes that say the URL is wrong (nothing listens, the name does not resolve), not that a call was unlucky. */
const SET_UP_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN"]);

export class CoordinatorHealth {
  readonly #logger: Logger;
  readonly #emit: EmitEvent;
  /** Says a failure in full once, then briefly while the same cause goes on. */
  readonly #failureLog: FailureLog;
  #lastHeartbeatAt: number | undefined;
  #lastAnswerAt: number | undefined;
  #failures = 0;
  #downSince = 0;
  /** The message of the failure going on, for `status()`. */
  #lastFailure: string | undefined;
  /** Whether a call of the loop (an inbox, a claim) was answered since the last failure. */
  #answeredSinceFailure = false;

  constructor(logger: Logger, emit: EmitEvent) {
    this.#logger = logger;
    this.#emit = emit;
    this.#failureLog = new FailureLog(logger);
  }

  /** The coordinator answered a call: `loopCall` for the inbox and claims, whose answers end an outage. */
  answered(loopCall: boolean): void {
    this.#lastAnswerAt = Date.now();
    if (loopCall) this.#answeredSinceFailure = true;
  }

  heartbeatAnswered(): void {
    this.answered(false);
    this.#lastHeartbeatAt = this.#lastAnswerAt;
    // Heartbeats that failed alone are over; an outage of the loop's calls ends in recovered().
    if (this.#failures === 0 && this.#failureLog.recovered()) this.#lastFailure = undefined;
  }

  /** A call of the loop failed; it waits `retryInMs` before the next. */
  unreachable(error: unknown, retryInMs: number): void {
    const starting = this.#failures === 0;
    if (starting) this.#downSince = Date.now();
    this.#failures++;
    this.#answeredSinceFailure = false;
    // A heartbeat may have named this cause already: then one short line says the loop backs off too.
    const namedAlready = starting && this.#failureLog.isOngoing(failureCause(error));
    const level = this.#report(error, followedBy(errorMessage(error), `trying again in ${retryInMs} ms`));
    if (namedAlready) this.#logger[level](followedBy(shortFailure(error), `trying again in ${retryInMs} ms`));
    this.#emit("coordinator:unreachable", { error, retryInMs, failures: this.#failures });
  }

  /**
   * After a fill: the coordinator is back if it answered since the last failure, or if the fill
   * sent nothing (it needed no answer, and none failed). Claims sent by the fill are not answered yet.
   * Returns whether it was down.
   */
  recovered(sentNothing: boolean): boolean {
    if (this.#failures === 0 || !(this.#answeredSinceFailure || sentNothing)) return false;
    this.#failureLog.recovered();
    this.#lastFailure = undefined;
    this.#logger.info("the coordinator answers again; resuming");
    this.#emit("coordinator:reachable", { failures: this.#failures, downMs: Date.now() - this.#downSince });
    this.#failures = 0;
    return true;
  }

  /** A periodic heartbeat failed; the next one is its retry. */
  heartbeatFailed(error: unknown): void {
    this.#report(error, `heartbeat failed: ${errorMessage(error)}`);
  }

  /**
   * Logs a failure through the failure log: at error level when it is most likely a mistake
   * of set-up rather than an outage (no answer, or no coordinator's answer, from a coordinator
   * that has not answered once in this run), else warn.
   */
  /** The run ends on `error` (a refused token): `status()` keeps saying why. */
  fatal(error: unknown): void {
    this.#lastFailure = errorMessage(error);
  }

  #report(error: unknown, full: string): "warn" | "error" {
    this.#lastFailure = errorMessage(error);
    const setUp =
      this.#lastAnswerAt === undefined &&
      (SET_UP_CODES.has(networkCode(error) ?? "") || error instanceof InvalidResponseError);
    const level = setUp ? "error" : "warn";
    this.#failureLog.failed(failureCause(error), level, full, shortFailure(error));
    return level;
  }

  /** Calls of the loop that failed in a row. */
  get failures(): number {
    return this.#failures;
  }

  snapshot(): {
    lastHeartbeatAt: number | undefined;
    lastAnswerAt: number | undefined;
    consecutiveFailures: number;
    lastFailure: string | undefined;
  } {
    return {
      lastHeartbeatAt: this.#lastHeartbeatAt,
      lastAnswerAt: this.#lastAnswerAt,
      consecutiveFailures: this.#failures,
      lastFailure: this.#lastFailure,
    };
  }
}
