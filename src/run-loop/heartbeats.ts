/**
 * The loop's heartbeats: a periodic one on its own timer (skipped while one is
 * in flight), and the final `offline` one, after which no periodic one is sent.
 */
import { isTokenRefused } from "../errors.js";
import type { RequestOptions } from "../http/core.js";
import type { LoopContext } from "./types.js";
import { FINAL_CALL_TIMEOUT_MS } from "./wait.js";

export class Heartbeats {
  readonly #ctx: LoopContext;
  #timer: ReturnType<typeof setInterval> | undefined;
  #busy = false;
  /** Aborted when the final heartbeat starts or the run ends: a periodic heartbeat still in flight must not outlive the run. */
  readonly #periodic = new AbortController();

  constructor(ctx: LoopContext) {
    this.#ctx = ctx;
  }

  /** Starts the timer and sends the first beat. */
  async start(): Promise<void> {
    this.#timer = setInterval(() => void this.beat(), this.#ctx.settings.heartbeatIntervalMs);
    await this.beat();
  }

  /** A periodic beat: `busy` with the jobs in flight, or `idle`. Not retried: the next one is the retry. */
  async beat(): Promise<void> {
    // Once the final beat started, none may follow: the next tick could send "idle" after "offline".
    if (this.#busy || this.#periodic.signal.aborted) return;
    this.#busy = true;
    try {
      await this.#send(undefined, { signal: this.#periodic.signal });
    } finally {
      this.#busy = false;
    }
  }

  /** The final beat: `offline`, with a bounded wait. */
  async offline(): Promise<void> {
    this.stop();
    await this.#send("offline", { timeoutMs: FINAL_CALL_TIMEOUT_MS });
  }

  /** Stops the timer and cuts off a periodic beat in flight. */
  stop(): void {
    clearInterval(this.#timer);
    this.#periodic.abort();
  }

  async #send(final: "offline" | undefined, options: RequestOptions): Promise<void> {
    const { worker, ledger, settings, health, emit, logger } = this.#ctx;
    const inFlight = ledger.inPhase("running", "delivering", "cancelling").map((record) => record.job.id);
    const status = final ?? (inFlight.length > 0 ? "busy" : "idle");
    try {
      await worker.heartbeat(
        status,
        { in_flight: inFlight, concurrency: settings.concurrency },
        { ...options, maxRetries: 0 },
      );
      health.heartbeatAnswered();
      emit("heartbeat:sent", { status, inFlight: inFlight.length });
    } catch (error) {
      if (final === undefined && this.#periodic.signal.aborted) return;
      if (isTokenRefused(error)) {
        logger.error(`${(error as Error).message} Stopping the worker.`);
        this.#ctx.fail(error);
      } else health.heartbeatFailed(error);
      emit("heartbeat:failed", { status, error });
    }
  }
}
