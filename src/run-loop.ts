/**
 * The run loop behind `Worker.run()`: heartbeats on their own timer, claims
 * only what it has room for, runs handlers concurrently, delivers every
 * result, rides out outages, and shuts down in three steps (stop claiming,
 * wait for the grace period, abort and fail what is left).
 */
import { AuthenticationError, ConflictError, followedBy, InvalidResponseError, WorkerError } from "./errors.js";
import { backoffDelay, LOOP_BACKOFF, sleep } from "./http/backoff.js";
import { isRetryableError } from "./http/core.js";
import type { Logger } from "./logger.js";
import { exitBySignal, onShutdownSignals } from "./signals.js";
import type { Job, JobId } from "./types.js";
import type { CompletionStatus, LoopSettings, Worker } from "./worker.js";

/** What a handler gets besides the job. */
export interface JobContext {
  /** Aborted when the worker shuts down past its grace period: stop work and return or throw. */
  readonly signal: AbortSignal;
  /** The worker running this job: upload artifacts and submit reviews through it. */
  readonly worker: Worker;
  /** The worker's logger. */
  readonly logger: Logger;
}

/**
 * Handles one job. A string return is the result, `undefined` means `""`,
 * anything else is sent JSON-encoded. A throw fails the job with its stack trace.
 */
export type JobHandler = (job: Job, ctx: JobContext) => unknown;

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
}

/** The result of a job that a stop cut short. */
export const SHUTDOWN_RESULT = "worker shutting down: the job was stopped before it finished";
/** How long aborted handlers get to return before their jobs are failed anyway. */
const ABORT_WAIT_MS = 1_000;
/** Time left for the last completions and heartbeat when the grace period is spent. */
const FINAL_CALL_TIMEOUT_MS = 5_000;
/** The most the last results of a stop may take, retries included: a stop ends in bounded time. */
const FINAL_RESULTS_MS = 10_000;
/** Claim answers that concern the one job, not the worker or the coordinator. */
const JOB_REFUSALS = new Set([400, 404, 410, 422]);
/** Job ids finished lately, so a stale "running" list does not bring one back. */
const RECENT_LIMIT = 1_000;

interface Execution {
  job: Job;
  controller: AbortController;
  /** Set once an outcome is fixed; a handler that returns later is ignored. */
  settled: boolean;
  done: Promise<void>;
}

interface Undelivered {
  job: Job;
  result: string;
  status: CompletionStatus;
  failures: number;
  nextAt: number;
}

const keyOf = (id: JobId) => String(id);

/** One run of a worker; `Worker.run()` makes a new one each time. */
export class RunLoop {
  readonly #worker: Worker;
  readonly #settings: LoopSettings;
  readonly #handler: JobHandler;
  readonly #options: RunOptions;
  readonly #logger: Logger;
  readonly #inFlight = new Map<string, Execution>();
  readonly #undelivered = new Map<string, Undelivered>();
  readonly #recent = new Set<string>();
  /** Aborted when a stop is asked for: wakes every wait of the loop. */
  readonly #stopping = new AbortController();
  /** When the stop was asked for: the grace period counts from then, not from when the loop noticed. */
  #stopRequestedAt = 0;
  #candidates: Job[] = [];
  /** Claims sent and not answered yet, by job id: each holds a slot, as a job in flight does. */
  readonly #claims = new Map<string, Promise<void>>();
  /** The first claim that failed since the loop last looked: the loop backs off on it. */
  #claimFailure: { error: unknown } | undefined;
  /** Set when the coordinator answers a call of the loop (an inbox, a claim); cleared by a failure. */
  #answered = false;
  /** Jobs whose claim was refused (409) since the last poll sleep: claimed again after it, not at once. */
  readonly #refused = new Set<string>();
  #wake: (() => void) | undefined;
  #fatal: unknown;
  #lookForOrphans = true;
  #heartbeatBusy = false;
  /** Set when the final ("offline") heartbeat starts: no periodic one may follow it. */
  #heartbeatsOver = false;
  /** Aborted when the final heartbeat starts or the run ends: a periodic heartbeat still in flight must not outlive the run. */
  readonly #periodicHeartbeats = new AbortController();
  #finished: Promise<void> | undefined;

  constructor(worker: Worker, settings: LoopSettings, handler: JobHandler, options: RunOptions) {
    this.#worker = worker;
    this.#settings = settings;
    this.#handler = handler;
    this.#options = options;
    this.#logger = worker.logger;
  }

  /** Runs until stopped; rejects only with a fatal error (a refused token). */
  run(): Promise<void> {
    this.#finished ??= this.#run();
    return this.#finished;
  }

  /** Asks for a stop and waits for the run to end; never rejects. */
  async stop(): Promise<void> {
    this.#requestStop();
    await this.#finished?.catch(() => {});
  }

  async #run(): Promise<void> {
    const { signal, handleSignals = true } = this.#options;
    if (signal?.aborted) return;
    const onAbort = () => this.#requestStop();
    signal?.addEventListener("abort", onAbort, { once: true });
    const removeSignalHandlers = handleSignals
      ? onShutdownSignals(
          (name) => {
            this.#logger.info(`${name} received: finishing in-flight jobs (send it again to exit at once)`);
            this.#requestStop();
          },
          (name) => {
            this.#logger.warn(`${name} received again: exiting now; the coordinator will requeue unfinished jobs`);
            exitBySignal(name);
          },
        )
      : () => {};
    const timer = setInterval(() => void this.#heartbeat(), this.#settings.heartbeatIntervalMs);
    try {
      this.#logger.info(
        `worker "${this.#worker.name}" started against ${this.#worker.url} (concurrency ${this.#settings.concurrency})`,
      );
      await this.#heartbeat();
      await this.#loop();
      await this.#shutdown();
    } finally {
      clearInterval(timer);
      this.#periodicHeartbeats.abort();
      signal?.removeEventListener("abort", onAbort);
      removeSignalHandlers();
    }
    if (this.#fatal !== undefined) throw this.#fatal;
    this.#logger.info(`worker "${this.#worker.name}" stopped`);
  }

  #requestStop(): void {
    if (!this.#stopping.signal.aborted) {
      this.#stopRequestedAt = Date.now();
      this.#stopping.abort();
    }
    this.#wake?.();
  }

  #fail(error: unknown): void {
    this.#fatal ??= error;
    this.#requestStop();
  }

  get #stopRequested(): boolean {
    return this.#stopping.signal.aborted;
  }

  async #loop(): Promise<void> {
    let failures = 0;
    while (!this.#stopRequested) {
      await this.#retryUndelivered();
      const room = this.#settings.concurrency - this.#inFlight.size - this.#claims.size;
      if (room <= 0) {
        await this.#waitForChange();
        continue;
      }
      try {
        const started = await this.#fill(room);
        // Claims sent by this fill are not answered yet: only an answer says the coordinator is back.
        if (failures > 0 && (this.#answered || started === 0)) {
          this.#logger.info("the coordinator answers again; resuming");
          failures = 0;
          this.#lookForOrphans = true;
        }
        if (started === 0 && this.#candidates.length === 0) {
          this.#refused.clear();
          await sleep(this.#settings.pollIntervalMs, this.#stopping.signal);
        }
      } catch (error) {
        if (this.#stopRequested && !(error instanceof WorkerError)) break;
        if (error instanceof AuthenticationError) {
          this.#logger.error(`${error.message} Stopping the worker.`);
          this.#fail(error);
          break;
        }
        const ceiling = Math.min(LOOP_BACKOFF.capMs, LOOP_BACKOFF.baseMs * 2 ** failures);
        // Half fixed, half jittered: the wait always grows, and workers do not return in step.
        const delay = Math.round(ceiling / 2 + backoffDelay(failures, LOOP_BACKOFF) / 2);
        failures++;
        this.#answered = false;
        this.#logger.warn(followedBy(describe(error), `trying again in ${delay} ms`));
        await sleep(delay, this.#stopping.signal);
      }
    }
  }

  /** Takes up to `room` jobs: orphans started, claims sent; returns how many. */
  async #fill(room: number): Promise<number> {
    if (this.#claimFailure) {
      const { error } = this.#claimFailure;
      this.#claimFailure = undefined;
      throw error;
    }
    let started = 0;
    if (this.#lookForOrphans) {
      this.#lookForOrphans = false;
      started += await this.#adoptOrphans(room);
    }
    if (this.#candidates.length === 0 && started < room) {
      const jobs = await this.#worker.inbox("pending", { signal: this.#stopping.signal });
      this.#answered = true;
      this.#candidates = jobs.filter((job) => this.#isClaimable(job));
    }
    while (started < room && this.#candidates.length > 0 && !this.#stopRequested) {
      const job = this.#candidates.shift() as Job;
      if (!this.#isClaimable(job)) continue;
      this.#claimInBackground(job);
      started++;
    }
    return started;
  }

  /**
   * Claims a job without waiting for the answer, so the next free slot is filled at once: one
   * claim at a time, or a batch awaited whole, held concurrency 8 and 32 to a fraction of the
   * requests in flight that a hand-written loop keeps (bench/). The claim holds a slot until
   * answered; the job starts when it is ours; a failure reaches the loop at its next fill.
   */
  #claimInBackground(job: Job): void {
    const key = keyOf(job.id);
    const claim = this.#claim(job)
      .then(
        (claimed) => {
          this.#answered = true;
          if (claimed) this.#start(claimed);
        },
        (error: unknown) => {
          this.#claimFailure ??= { error };
        },
      )
      .finally(() => {
        this.#claims.delete(key);
        this.#wake?.();
      });
    this.#claims.set(key, claim);
  }

  async #claim(job: Job): Promise<Job | undefined> {
    try {
      // Not tied to the stop signal: a claim cut off mid-flight could leave the job ours without our knowing.
      return await this.#worker.claim(job.id);
    } catch (error) {
      if (error instanceof ConflictError) {
        // After a retry, 409 may mean our own first attempt won: look for it among our running jobs.
        if (error.attempts > 1) this.#lookForOrphans = true;
        if (this.#refused.size >= RECENT_LIMIT) this.#refused.clear(); // a loop that never sleeps
        this.#refused.add(keyOf(job.id));
        this.#logger.debug(`job ${job.id} was taken by another worker; skipping it`);
        return undefined;
      }
      if (error instanceof WorkerError && JOB_REFUSALS.has(error.status ?? 0)) {
        // Refused for this job alone (gone, malformed): skip it rather than back off for every job.
        if (this.#refused.size >= RECENT_LIMIT) this.#refused.clear();
        this.#refused.add(keyOf(job.id));
        this.#logger.warn(`job ${job.id} cannot be claimed (${describe(error)}); skipping it`);
        return undefined;
      }
      // No answer, or a 2xx answer the SDK cannot read: the claim may have landed.
      if (isRetryableError(error) || error instanceof InvalidResponseError) this.#lookForOrphans = true;
      throw error;
    }
  }

  /**
   * Takes up jobs that are `running` in this worker's name but not being worked
   * on here: claims whose answer was lost, or a previous process of the same name.
   */
  async #adoptOrphans(room: number): Promise<number> {
    const running = await this.#worker.inbox("running", { signal: this.#stopping.signal });
    // Only jobs the answer shows as running in this worker's name: a coordinator that ignores the
    // `status` query (or lists other workers' jobs) must not make us run a job nobody claimed.
    const orphans = running.filter(
      (job) =>
        job.status === "running" &&
        (job.assigned_to == null || job.assigned_to === this.#worker.name) &&
        !this.#isKnown(job.id),
    );
    for (const job of orphans.slice(0, room)) {
      this.#logger.info(
        `job ${job.id} is running in this worker's name but not here (a lost claim answer?): taking it up`,
      );
      this.#start(job);
    }
    if (orphans.length > room) this.#lookForOrphans = true;
    return Math.min(orphans.length, room);
  }

  /** For `running` lists: jobs in hand, or finished lately (a stale list must not bring one back). */
  #isKnown(id: JobId): boolean {
    return this.#isBusyWith(id) || this.#recent.has(keyOf(id));
  }

  /** Jobs in hand: being claimed, running here, or with a result waiting to be delivered. */
  #isBusyWith(id: JobId): boolean {
    const key = keyOf(id);
    return this.#inFlight.has(key) || this.#claims.has(key) || this.#undelivered.has(key);
  }

  /**
   * For `pending` lists. A job finished here lately that the answer shows as `pending` again was
   * requeued or retried: it is claimed again (a stale list costs one 409). A job in another state
   * (a coordinator that ignores the status query) is claimed only if not finished here lately.
   */
  #isClaimable(job: Job): boolean {
    if (this.#isBusyWith(job.id) || this.#refused.has(keyOf(job.id))) return false;
    return job.status === "pending" || !this.#recent.has(keyOf(job.id));
  }

  #start(job: Job): void {
    const key = keyOf(job.id);
    const execution: Execution = {
      job,
      controller: new AbortController(),
      settled: false,
      done: Promise.resolve(),
    };
    this.#inFlight.set(key, execution);
    execution.done = this.#execute(execution).finally(() => {
      this.#inFlight.delete(key);
      this.#wake?.();
    });
  }

  async #execute(execution: Execution): Promise<void> {
    const { job, controller } = execution;
    let result: string;
    let status: CompletionStatus = "done";
    let failure: unknown;
    try {
      const ctx: JobContext = { signal: controller.signal, worker: this.#worker, logger: this.#logger };
      result = toResult(await this.#handler(job, ctx));
    } catch (error) {
      status = "failed";
      failure = error;
      result = formatFailure(error);
    }
    if (execution.settled) return;
    execution.settled = true;
    await this.#deliver(job, result, status);
    if (failure !== undefined) this.#notifyError(job, failure, true);
  }

  /** Reports an outcome; what fails for now is kept and retried by the loop. */
  async #deliver(
    job: Job,
    result: string,
    status: CompletionStatus,
    timeoutMs?: number,
    deadline?: AbortSignal,
  ): Promise<boolean> {
    const key = keyOf(job.id);
    try {
      await this.#worker.complete(job.id, result, status, { timeoutMs, signal: deadline });
      this.#undelivered.delete(key);
      this.#remember(key);
      this.#logger.debug(`job ${job.id} reported ${status}`);
      return true;
    } catch (error) {
      if (deadline?.aborted) {
        // Out of time at a stop: not refused, just not delivered (logged as such with its result).
        if (!this.#undelivered.has(key)) this.#undelivered.set(key, { job, result, status, failures: 0, nextAt: 0 });
        return false;
      }
      // 409 after earlier attempts whose answers were lost (of this call, or of an earlier call
      // for this kept result): one of them most likely landed. A 2xx whose body is unreadable landed.
      const landedBefore = error instanceof ConflictError && (error.attempts > 1 || this.#undelivered.has(key));
      if (landedBefore || (error instanceof InvalidResponseError && isSuccess(error.status))) {
        this.#undelivered.delete(key);
        this.#remember(key);
        if (error instanceof InvalidResponseError) {
          this.#logger.warn(`job ${job.id}'s result counts as delivered (the coordinator took it): ${describe(error)}`);
        } else if (error.attempts === 1) {
          this.#logger.info(
            `job ${job.id}'s result, sent again, was refused (${describe(error)}): an earlier attempt whose answer was lost most likely landed; if the job was requeued instead, it is claimed again`,
          );
        }
        return true;
      }
      if (isRetryableError(error)) {
        const entry = this.#undelivered.get(key) ?? { job, result, status, failures: 0, nextAt: 0 };
        entry.nextAt = Date.now() + backoffDelay(entry.failures, LOOP_BACKOFF) + LOOP_BACKOFF.baseMs;
        entry.failures++;
        this.#undelivered.set(key, entry);
        this.#logger.warn(`job ${job.id}'s result is not delivered yet (${describe(error)}); it is kept and retried`);
        return false;
      }
      this.#undelivered.delete(key);
      this.#remember(key);
      this.#logger.error(
        `job ${job.id}'s result could not be delivered and is given up (${describe(error)}). ${status} result: ${excerpt(result)}`,
      );
      if (error instanceof AuthenticationError) this.#fail(error);
      this.#notifyError(job, error, false);
      return false;
    }
  }

  async #retryUndelivered(): Promise<void> {
    const now = Date.now();
    for (const entry of [...this.#undelivered.values()]) {
      if (entry.nextAt <= now && !this.#stopRequested) await this.#deliver(entry.job, entry.result, entry.status);
    }
  }

  #remember(key: string): void {
    this.#recent.add(key);
    if (this.#recent.size > RECENT_LIMIT) this.#recent.delete(this.#recent.values().next().value as string);
  }

  /** Hands a failure to `onError`; without one, a handler's failure is logged (a delivery's is already). */
  #notifyError(job: Job, error: unknown, fromHandler: boolean): void {
    const { onError } = this.#options;
    if (!onError) {
      if (fromHandler) this.#logger.warn(`job ${job.id} failed: ${describe(error)}`);
      return;
    }
    try {
      Promise.resolve(onError(job, error)).catch((hookError: unknown) => this.#hookFailed(job, hookError));
    } catch (hookError) {
      this.#hookFailed(job, hookError);
    }
  }

  #hookFailed(job: Job, error: unknown): void {
    this.#logger.error(`onError threw for job ${job.id}; the worker goes on: ${describe(error)}`);
  }

  async #heartbeat(status?: string): Promise<void> {
    if (status === undefined && (this.#heartbeatBusy || this.#heartbeatsOver)) return;
    // A periodic heartbeat still in flight resets #heartbeatBusy when it ends; without this
    // flag the next tick could send "idle" after "offline".
    if (status !== undefined) {
      this.#heartbeatsOver = true;
      this.#periodicHeartbeats.abort();
    }
    this.#heartbeatBusy = true;
    const inFlight = [...this.#inFlight.values()].map((execution) => execution.job.id);
    try {
      await this.#worker.heartbeat({
        status: status ?? (inFlight.length > 0 ? "busy" : "idle"),
        details: { in_flight: inFlight, concurrency: this.#settings.concurrency },
        // Heartbeats are periodic: the next one is the retry.
        maxRetries: 0,
        timeoutMs: status === undefined ? undefined : FINAL_CALL_TIMEOUT_MS,
        signal: status === undefined ? this.#periodicHeartbeats.signal : undefined,
      });
    } catch (error) {
      if (status === undefined && this.#periodicHeartbeats.signal.aborted) return;
      if (error instanceof AuthenticationError) {
        this.#logger.error(`${error.message} Stopping the worker.`);
        this.#fail(error);
      } else this.#logger.warn(`heartbeat failed: ${describe(error)}`);
    } finally {
      this.#heartbeatBusy = false;
    }
  }

  /** Waits until a job ends, a kept result is due for another try, or a stop is asked for. */
  #waitForChange(): Promise<void> {
    if (this.#stopRequested) return Promise.resolve();
    const due = Math.min(...[...this.#undelivered.values()].map((entry) => entry.nextAt));
    return new Promise((resolve) => {
      const timer = Number.isFinite(due) ? setTimeout(() => this.#wake?.(), Math.max(0, due - Date.now())) : undefined;
      this.#wake = () => {
        this.#wake = undefined;
        clearTimeout(timer);
        resolve();
      };
    });
  }

  async #shutdown(): Promise<void> {
    // Claims still out may yet make jobs ours: let them land (and start) first, so the grace
    // period covers those jobs too and none is left claimed but never run.
    await Promise.allSettled([...this.#claims.values()]);
    if (this.#claimFailure) {
      // The loop is gone and will not back off on it: say so, and a refused token is still fatal.
      const { error } = this.#claimFailure;
      this.#claimFailure = undefined;
      if (error instanceof AuthenticationError) this.#fail(error);
      this.#logger.warn(`a claim failed as the worker was stopping: ${describe(error)}`);
    }
    const executions = () => [...this.#inFlight.values()];
    const allDone = () => Promise.allSettled(executions().map((execution) => execution.done));
    if (this.#fatal === undefined && this.#inFlight.size > 0) {
      this.#logger.info(
        `stopping: waiting up to ${this.#settings.shutdownGraceMs} ms for ${this.#inFlight.size} job(s)`,
      );
      const graceLeft = this.#settings.shutdownGraceMs - (Date.now() - this.#stopRequestedAt);
      await within(allDone(), Math.max(0, graceLeft));
    }
    if (this.#inFlight.size > 0) {
      for (const execution of executions()) execution.controller.abort(new Error(SHUTDOWN_RESULT));
      await within(allDone(), ABORT_WAIT_MS);
    }
    const canReport = !(this.#fatal instanceof AuthenticationError);
    // Handlers that returned in time may still be delivering their results: wait for those too
    // (bounded), or a result could fail after run() resolved, with nobody left to retry it.
    const delivering = executions().filter((execution) => execution.settled);
    const unsettled = executions().filter((execution) => !execution.settled);
    for (const execution of unsettled) execution.settled = true;
    // The last calls go out side by side, within one deadline: how long a stop takes does not
    // grow with the number of jobs, nor with a coordinator that does not answer.
    if (canReport) {
      const deadline = AbortSignal.timeout(FINAL_RESULTS_MS);
      await Promise.all([
        within(Promise.allSettled(delivering.map((execution) => execution.done)), FINAL_CALL_TIMEOUT_MS),
        ...unsettled.map((execution) =>
          this.#deliver(execution.job, SHUTDOWN_RESULT, "failed", FINAL_CALL_TIMEOUT_MS, deadline),
        ),
      ]);
      await Promise.all(
        [...this.#undelivered.values()].map((entry) =>
          this.#deliver(entry.job, entry.result, entry.status, FINAL_CALL_TIMEOUT_MS, deadline),
        ),
      );
      await this.#heartbeat("offline");
    }
    for (const execution of delivering) {
      if (this.#inFlight.has(keyOf(execution.job.id))) {
        this.#logger.warn(`job ${execution.job.id}'s result is still being delivered as the worker stops`);
      }
    }
    for (const entry of this.#undelivered.values()) {
      this.#logger.error(
        `job ${entry.job.id}'s result was never delivered; the coordinator will requeue the job. ${entry.status} result: ${excerpt(entry.result)}`,
      );
    }
  }
}

/** Waits for `promise`, or `ms` at most, leaving no timer behind. */
async function within(promise: Promise<unknown>, ms: number): Promise<void> {
  const cancel = new AbortController();
  await Promise.race([promise, sleep(ms, cancel.signal)]);
  cancel.abort();
}

/** A handler's return value as the job's result. */
export function toResult(value: unknown): string {
  if (value === undefined) return "";
  if (typeof value === "string") return value;
  const json = JSON.stringify(value);
  if (json === undefined)
    throw new TypeError(`the handler returned a ${typeof value}, which cannot be sent as a result`);
  return json;
}

/** A thrown value as a failed job's result: the stack trace where there is one. */
export function formatFailure(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return typeof error === "string" ? error : `non-Error thrown: ${safeStringify(error)}`;
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function isSuccess(status: number | undefined): boolean {
  return status !== undefined && status >= 200 && status < 300;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function excerpt(text: string): string {
  return text.length > 2_000 ? `${text.slice(0, 2_000)}…` : text;
}
