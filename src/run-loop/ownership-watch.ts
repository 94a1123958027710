/**
 * While handlers run, asks the coordinator at most once per poll interval
 * which jobs are still running in this worker's name, and hands each one
 * that is not to the loop, with the error its `ctx.signal` aborts with.
 * With no handler running it sends nothing: the idle request rate stays put.
 */
import { errorMessage, JobCancelledError, type WorkerErrorInit } from "../errors.js";
import type { RequestOptions } from "../http/core.js";
import { isRetryableError } from "../http/core.js";
import type { Logger } from "../logger.js";
import type { ResolvedRoute } from "../routes.js";
import type { Job, JobId } from "../types.js";
import { type HeldJob, lostJobs, type Seen, whatWasSeen } from "./ownership.js";

/** The lookups of what became of a lost job: short and not retried, as they only word the message. */
const LOOKUP_OPTIONS = { timeoutMs: 2_000, maxRetries: 0 } as const;

/** What the watch needs from the worker and the loop. */
export interface OwnershipWatchDeps {
  /** `GET /my-jobs?status=<status>` for this worker. */
  inbox(status: "pending" | "running" | "cancelled", options: RequestOptions): Promise<Job[]>;
  /** The route of the "running" list, for the error's `method` and `path`. */
  readonly inboxRoute: ResolvedRoute;
  /** The jobs whose handlers run here and whose outcome is not settled yet. */
  held(): HeldJob[];
  /** A stamp on the counter `HeldJob.since` uses. */
  stamp(): number;
  /** A job is no longer this worker's: abort its handler with `error` and settle it cancelled. */
  lose(error: JobCancelledError): void;
  readonly logger: Logger;
  readonly intervalMs: number;
}

export class OwnershipWatch {
  readonly #deps: OwnershipWatchDeps;
  readonly #closed = new AbortController();
  readonly #timer: NodeJS.Timeout;
  #checking = false;
  /** Set while checks fail, so an outage is reported once, not every interval. */
  #failing = false;

  constructor(deps: OwnershipWatchDeps) {
    this.#deps = deps;
    this.#timer = setInterval(() => void this.check(), deps.intervalMs);
    // The loop's heartbeats keep the process alive; this timer alone must not.
    this.#timer.unref?.();
  }

  /** One check, unless one is under way or no handler runs; resolves once its losses are handed over. */
  async check(): Promise<void> {
    if (this.#checking || this.#closed.signal.aborted || this.#deps.held().length === 0) return;
    this.#checking = true;
    try {
      await this.#check();
    } finally {
      this.#checking = false;
    }
  }

  async #check(): Promise<void> {
    const signal = this.#closed.signal;
    const askedAt = this.#deps.stamp();
    let running: Job[];
    try {
      // Not retried: the next interval is the retry.
      running = await this.#deps.inbox("running", { signal, maxRetries: 0 });
    } catch (error) {
      if (signal.aborted) return;
      // An outage is the heartbeats' to report; a refusal of this one call is worth a warning, once.
      const line = `could not ask the coordinator which jobs still run in this worker's name (${errorMessage(error)}); asking again every ${this.#deps.intervalMs} ms`;
      if (isRetryableError(error)) this.#deps.logger.debug(line);
      else if (!this.#failing) this.#deps.logger.warn(line);
      this.#failing = true;
      return;
    }
    if (this.#failing) this.#deps.logger.debug("the check of running jobs works again");
    this.#failing = false;
    const lost = lostJobs(this.#deps.held(), running, askedAt);
    if (lost.length === 0 || signal.aborted) return;
    const lists = [running, ...(await lookUp(this.#deps.inbox, signal))];
    for (const jobId of lost) {
      if (signal.aborted) return;
      this.#deps.lose(this.#error(jobId, whatWasSeen(jobId, lists)));
    }
  }

  #error(jobId: JobId, seen: Seen): JobCancelledError {
    return new JobCancelledError({ ...this.#deps.inboxRoute, status: 200, jobId, ...seen });
  }

  /** Stops the checks; one under way is cut short and hands over nothing. */
  close(): void {
    clearInterval(this.#timer);
    this.#closed.abort();
  }
}

/** The lists that tell what became of jobs no longer ours: this worker's cancelled and pending ones, those that answered. */
async function lookUp(inbox: OwnershipWatchDeps["inbox"], signal?: AbortSignal): Promise<Job[][]> {
  const answers = await Promise.allSettled(
    (["cancelled", "pending"] as const).map((status) => inbox(status, { ...LOOKUP_OPTIONS, signal })),
  );
  return answers.flatMap((answer) => (answer.status === "fulfilled" ? [answer.value] : []));
}

/**
 * What became of `jobId`, whose result the coordinator refused with 409
 * (`call`): the same lookups as a check, for the line that says the result
 * was dropped. Bounded by the lookups' own timeout, so it works at a stop too.
 */
export async function explainRefusal(
  inbox: OwnershipWatchDeps["inbox"],
  jobId: JobId,
  call: Pick<WorkerErrorInit, "method" | "path" | "status">,
): Promise<JobCancelledError> {
  return new JobCancelledError({ ...call, jobId, ...whatWasSeen(jobId, await lookUp(inbox)) });
}
