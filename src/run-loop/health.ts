/**
 * Whether the coordinator answers: when it last did, how many calls of the loop
 * failed in a row, and the one place that says so when it stops and starts
 * answering (a log line and an event each).
 */
import type { Logger } from "../logger.js";
import type { EmitEvent } from "../worker-events.js";
import { describe } from "./results.js";

export class CoordinatorHealth {
  readonly #logger: Logger;
  readonly #emit: EmitEvent;
  #lastHeartbeatAt: number | undefined;
  #lastAnswerAt: number | undefined;
  #failures = 0;
  #downSince = 0;
  /** Whether a call of the loop (an inbox, a claim) was answered since the last failure. */
  #answeredSinceFailure = false;

  constructor(logger: Logger, emit: EmitEvent) {
    this.#logger = logger;
    this.#emit = emit;
  }

  /** The coordinator answered a call: `loopCall` for the inbox and claims, whose answers end an outage. */
  answered(loopCall: boolean): void {
    this.#lastAnswerAt = Date.now();
    if (loopCall) this.#answeredSinceFailure = true;
  }

  heartbeatAnswered(): void {
    this.answered(false);
    this.#lastHeartbeatAt = this.#lastAnswerAt;
  }

  /** A call of the loop failed; it waits `retryInMs` before the next. */
  unreachable(error: unknown, retryInMs: number): void {
    if (this.#failures === 0) this.#downSince = Date.now();
    this.#failures++;
    this.#answeredSinceFailure = false;
    this.#logger.warn(`${describe(error)}; trying again in ${retryInMs} ms`);
    this.#emit("coordinator:unreachable", { error, retryInMs, failures: this.#failures });
  }

  /**
   * After a fill: the coordinator is back if it answered since the last failure, or if the fill
   * sent nothing (it needed no answer, and none failed). Claims sent by the fill are not answered yet.
   * Returns whether it was down.
   */
  recovered(sentNothing: boolean): boolean {
    if (this.#failures === 0 || !(this.#answeredSinceFailure || sentNothing)) return false;
    this.#logger.info("the coordinator answers again; resuming");
    this.#emit("coordinator:reachable", { failures: this.#failures, downMs: Date.now() - this.#downSince });
    this.#failures = 0;
    return true;
  }

  /** Calls of the loop that failed in a row. */
  get failures(): number {
    return this.#failures;
  }

  snapshot(): { lastHeartbeatAt: number | undefined; lastAnswerAt: number | undefined; consecutiveFailures: number } {
    return {
      lastHeartbeatAt: this.#lastHeartbeatAt,
      lastAnswerAt: this.#lastAnswerAt,
      consecutiveFailures: this.#failures,
    };
  }
}
