/**
 * `Worker`: the Python SDK's seven methods, in TypeScript. The calls are thin:
 * they build a request, send it through the shared HTTP core and check the
 * answer's shape. The run loop lives in `run-loop/`; it reaches the worker
 * through the adapter `#loopWorker` builds, and reports through the events.
 */
import { type ArtifactData, type ArtifactFields, buildArtifactForm } from "./artifact.js";
import { TypedEmitter } from "./emitter.js";
import { stackFromCaller } from "./errors.js";
import type { HttpCore, RequestOptions } from "./http/core.js";
import type { Logger } from "./logger.js";
import {
  type ConnectionOptions,
  createHttpCore,
  defaultWorkerName,
  positiveInteger,
  positiveNumber,
  tagList,
} from "./options.js";
import { buildRoute, type RouteName } from "./routes.js";
import { RunLoop } from "./run-loop/loop.js";
import type { CompletionStatus, LoopSettings, LoopWorker, RunOptions } from "./run-loop/types.js";
import { didYouMean } from "./suggest.js";
import type { ArtifactResponse, Job, JobId, JsonObject, PresenceStatus, ReviewResponse } from "./types.js";
import { expectJob, expectJobList, expectObject, expectObjectWith } from "./validate.js";
import { WORKER_EVENT_NAMES, type WorkerEventName, type WorkerEvents } from "./worker-events.js";
import type { WorkerStatus } from "./worker-status.js";

export type { CompletionStatus };

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

/** A listener of the worker event `K`. */
export type WorkerListener<K extends WorkerEventName> = (payload: WorkerEvents[K]) => unknown;

const EVENT_NAMES: ReadonlySet<string> = new Set(WORKER_EVENT_NAMES);

/** Options of {@link Worker}. Every one is optional when the environment has the token. */
export interface WorkerOptions extends ConnectionOptions {
  /**
   * The worker token.
   * @default process.env.MODELREINS_TOKEN
   */
  token?: string | undefined;
  /**
   * This worker's instance name: jobs assigned to it are its own. Keep it unique per process.
   * @default `${os.hostname()}-${process.pid}`
   */
  name?: string | undefined;
  /**
   * How long the loop waits before asking again when the inbox is empty, in ms.
   * @default 5000
   */
  pollIntervalMs?: number | undefined;
  /**
   * Time between heartbeats while `run()` is active, in ms; heartbeats go on during long jobs.
   * @default 5000
   */
  heartbeatIntervalMs?: number | undefined;
  /**
   * How many jobs `run()` handles at once.
   * @default 1
   */
  concurrency?: number | undefined;
  /** Tags sent with the loop's heartbeats (and `heartbeat()` calls that give none). */
  tags?: readonly string[] | undefined;
  /**
   * On stop, how long in-flight jobs may run on before their `ctx.signal` is aborted, in ms.
   * @default 30000
   */
  shutdownGraceMs?: number | undefined;
}

/** Arguments of {@link Worker.heartbeat}. */
export interface HeartbeatOptions extends RequestOptions {
  /** @default "active" */
  status?: PresenceStatus | undefined;
  /** Free-form details; left out of the request when not given. */
  details?: JsonObject | undefined;
  /** @default the worker's `tags` option */
  tags?: readonly string[] | undefined;
}

/** Arguments of {@link Worker.submitReview}; fields not given are left out of the request. */
export interface ReviewInput {
  type: string;
  title: string;
  content: string;
  /** A URL shown to the reviewer, e.g. an artifact's absolute URL. */
  preview?: string | undefined;
  target?: string | undefined;
  jobId?: JobId | undefined;
}

/**
 * A ModelReins silicon worker: heartbeats its presence, polls its inbox,
 * claims jobs, runs your handler and reports the result.
 *
 * @example
 * ```ts
 * const worker = new Worker({ name: "echo-bot" }); // token from MODELREINS_TOKEN
 * await worker.run(async (job) => `echo: ${job.prompt}`);
 * ```
 */
export class Worker implements AsyncDisposable {
  /** This worker's instance name. */
  readonly name: string;
  /** The coordinator's base URL, without a trailing slash. */
  readonly url: string;
  readonly #http: HttpCore;
  readonly #settings: LoopSettings;
  /** The run under way, if any. */
  #loop: RunLoop | undefined;
  /** The last run, kept for `status()` after it ended. */
  #lastLoop: RunLoop | undefined;
  readonly #events = new TypedEmitter<WorkerEvents>((event, error) =>
    this.logger.error(
      `a listener of "${String(event)}" threw; the worker goes on: ${error instanceof Error ? error.message : String(error)}`,
    ),
  );

  /** @throws TypeError when no token is given or set in `MODELREINS_TOKEN`, or an option is invalid. */
  constructor(options: WorkerOptions = {}) {
    this.#http = createHttpCore(options, "worker");
    this.url = this.#http.baseUrl;
    const name = options.name ?? defaultWorkerName();
    if (typeof name !== "string" || name.trim() === "") {
      throw new TypeError(`name must be a non-empty string; got ${JSON.stringify(name)}.`);
    }
    this.name = name;
    this.#settings = Object.freeze({
      concurrency: positiveInteger("concurrency", options.concurrency, 1),
      pollIntervalMs: positiveNumber("pollIntervalMs", options.pollIntervalMs, 5_000),
      heartbeatIntervalMs: positiveNumber("heartbeatIntervalMs", options.heartbeatIntervalMs, 5_000),
      shutdownGraceMs: positiveNumber("shutdownGraceMs", options.shutdownGraceMs, 30_000),
      tags: tagList("tags", options.tags),
    });
  }

  /** The logger this worker writes to. */
  get logger(): Logger {
    return this.#http.logger;
  }

  /** Whether `run()` is active. */
  get running(): boolean {
    return this.#loop !== undefined;
  }

  /** Announces this worker's presence: `PUT /presence`. */
  async heartbeat(options: HeartbeatOptions = {}): Promise<JsonObject> {
    const { status = "active", details, tags } = options;
    const body: JsonObject = {
      instance: this.name,
      status,
      tags: (tags === undefined ? this.#settings.tags : tagList("tags", tags)).join(","),
    };
    if (details !== undefined) body.details = details;
    return this.#object("heartbeat", await this.#http.request("heartbeat", { ...options, json: body }));
  }

  /** The jobs assigned to this worker in a state: `GET /my-jobs`. Items without a usable id or prompt are logged and left out. */
  async inbox(status: string = "pending", options: RequestOptions = {}): Promise<Job[]> {
    const body = await this.#http.request("inbox", { ...options, query: { worker: this.name, status } });
    const { jobs, rejected } = expectJobList(body, this.#call("inbox"));
    if (rejected.length > 0) {
      this.logger.warn(`The inbox held ${rejected.length} job(s) the SDK cannot use, left out: ${rejected.join("; ")}`);
    }
    return jobs;
  }

  /**
   * Takes a job: `POST /api/jobs/<id>/claim`.
   * @throws ConflictError (409) when another worker has it already.
   */
  async claim(jobId: JobId, options: RequestOptions = {}): Promise<Job> {
    const params = { id: checkJobId(jobId) };
    const body = await this.#http.request("claim", { ...options, params, json: { worker: this.name } });
    return expectJob(body, this.#call("claim", params));
  }

  /** Reports a job's outcome: `POST /api/jobs/<id>/complete`. */
  async complete(
    jobId: JobId,
    result: string = "",
    status: CompletionStatus = "done",
    options: RequestOptions = {},
  ): Promise<JsonObject> {
    const params = { id: checkJobId(jobId) };
    if (typeof result !== "string") {
      throw new TypeError(`result must be a string (JSON.stringify other values); got ${typeof result}.`);
    }
    if (status !== "done" && status !== "failed") {
      throw new TypeError(`status must be "done" or "failed"; got ${JSON.stringify(status)}.`);
    }
    const body = await this.#http.request("complete", {
      ...options,
      params,
      json: { worker: this.name, status, result },
    });
    return this.#object("complete", body, params);
  }

  /**
   * Uploads a file: `POST /api/artifacts`. A `Blob` from `fs.openAsBlob` is
   * streamed, never read whole into memory. The answer's `url` is a path; see
   * {@link Worker.artifactUrl}.
   */
  async uploadArtifact(
    data: ArtifactData,
    contentType: string,
    fields: ArtifactFields & RequestOptions = {},
  ): Promise<ArtifactResponse> {
    const form = buildArtifactForm(data, contentType, fields);
    const body = await this.#http.request("uploadArtifact", { ...fields, form });
    return expectObjectWith<ArtifactResponse>(body, this.#call("uploadArtifact"), ["url", "slug"]);
  }

  /** The absolute URL of an artifact: the base URL plus its `url` path (an absolute `url` is kept). */
  artifactUrl(artifact: Pick<ArtifactResponse, "url"> | string): string {
    const path = typeof artifact === "string" ? artifact : artifact.url;
    if (/^[a-z][a-z\d+.-]*:/i.test(path)) return new URL(path).href;
    // Appended, not resolved: `/s/x` must keep a base URL's path prefix, as request paths do.
    return new URL(`${this.url}${path.startsWith("/") ? "" : "/"}${path}`).href;
  }

  /** Puts an item in the human review queue: `POST /api/reviews`. */
  async submitReview(review: ReviewInput, options: RequestOptions = {}): Promise<ReviewResponse> {
    for (const field of ["type", "title", "content"] as const) {
      if (typeof review?.[field] !== "string") {
        throw new TypeError(`submitReview needs ${field} as a string; got ${typeof review?.[field]}.`);
      }
    }
    const json: JsonObject = { type: review.type, title: review.title, content: review.content };
    if (review.preview !== undefined) json.preview = review.preview;
    if (review.target !== undefined) json.target = review.target;
    if (review.jobId !== undefined) json.job_id = review.jobId;
    const body = await this.#http.request("submitReview", { ...options, json });
    return this.#object("submitReview", body) as ReviewResponse;
  }

  /**
   * Runs the worker until {@link Worker.stop}, `options.signal`, SIGINT or
   * SIGTERM: heartbeats on their own timer, claims up to `concurrency` jobs
   * at once, runs `handler` on each and reports the result. A thrown error
   * fails the job with its stack trace (or what `options.formatFailure`
   * returns), then calls `onError`.
   *
   * @returns once the worker has stopped and reported its in-flight jobs.
   * @throws AuthenticationError when the coordinator refuses the token (401).
   * @throws PermissionDeniedError when a 403 says the token is of the wrong kind (an admin token).
   */
  async run(handler: JobHandler, options: RunOptions = {}): Promise<void> {
    if (typeof handler !== "function") throw new TypeError("run() needs a handler function: (job, ctx) => result.");
    if (this.#loop) throw new Error(`Worker "${this.name}" is running already; call stop() before run() again.`);
    const emit = (event: WorkerEventName, payload: WorkerEvents[WorkerEventName]) => this.#events.emit(event, payload);
    const loop = new RunLoop(this.#loopWorker(handler), this.#settings, options, emit);
    this.#loop = loop;
    this.#lastLoop = loop;
    try {
      await loop.run();
    } catch (error) {
      throw stackFromCaller(error, Worker.prototype.run);
    } finally {
      this.#loop = undefined;
    }
  }

  /**
   * Stops claiming, lets in-flight jobs finish (up to `shutdownGraceMs`) and
   * reports them. Resolves once `run()` has ended; at once when it is not running.
   * Inside a handler, call it without `await` (`void worker.stop()`): it waits for that handler too.
   */
  async stop(): Promise<void> {
    await this.#loop?.stop();
  }

  /**
   * Calls `listener` on each `event` while `run()` is active (see {@link WorkerEvents}), as
   * EventEmitter's `on` does: added twice, called twice. A listener that throws or rejects is
   * logged and never affects the worker.
   *
   * @example
   * ```ts
   * worker.on("job:failed", ({ job, error }) => console.log(`job ${job.id} failed`, error));
   * ```
   * @throws TypeError for an unknown event name or a listener that is not a function.
   */
  on<K extends WorkerEventName>(event: K, listener: WorkerListener<K>): this {
    this.#events.on(checkEventName(event), listener);
    return this;
  }

  /** Like {@link Worker.on}, for the next `event` only. */
  once<K extends WorkerEventName>(event: K, listener: WorkerListener<K>): this {
    this.#events.once(checkEventName(event), listener);
    return this;
  }

  /** Removes the most recently added instance of `listener` (added by `on` or `once`); nothing when it is not there. */
  off<K extends WorkerEventName>(event: K, listener: WorkerListener<K>): this {
    this.#events.off(checkEventName(event), listener);
    return this;
  }

  /** How many listeners `event` has. */
  listenerCount(event: WorkerEventName): number {
    return this.#events.listenerCount(checkEventName(event));
  }

  /**
   * A snapshot of the worker: its state, the jobs in hand with their phase, results waiting,
   * counts since `run()` started, and when the coordinator last answered. Plain data, cheap to
   * take: for probes, metrics and dashboards.
   */
  status(): WorkerStatus {
    return this.#lastLoop?.status(this.#loop === undefined) ?? idleStatus();
  }

  /** `await using worker = new Worker(...)` stops the worker at the end of the block. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /** The calls the run loop makes: one adapter, so a change of a method's signature is met here. */
  #loopWorker(handler: JobHandler): LoopWorker {
    return {
      name: this.name,
      url: this.url,
      logger: this.logger,
      inbox: (status, options) => this.inbox(status, options),
      claim: (jobId) => this.claim(jobId),
      complete: (jobId, result, status, options) => this.complete(jobId, result, status, options),
      heartbeat: (status, details, options) => this.heartbeat({ ...options, status, details }),
      handle: (job, signal) => handler(job, { signal, worker: this, logger: this.logger }),
    };
  }

  #call(route: RouteName, params?: Record<string, string>) {
    return buildRoute(this.#http.routes, route, params);
  }

  #object(route: RouteName, body: unknown, params?: Record<string, string>): JsonObject {
    return expectObject(body, this.#call(route, params));
  }
}

function checkEventName<K extends WorkerEventName>(event: K): K {
  if (typeof event === "string" && EVENT_NAMES.has(event)) return event;
  const hint = typeof event === "string" ? didYouMean(event, EVENT_NAMES) : "";
  throw new TypeError(
    `${JSON.stringify(event)} is not a worker event${hint || `; the events are ${WORKER_EVENT_NAMES.join(", ")}.`}`,
  );
}

function idleStatus(): WorkerStatus {
  return {
    state: "idle",
    paused: false,
    startedAt: undefined,
    jobs: [],
    undelivered: 0,
    counts: { claimed: 0, completed: 0, failed: 0, cancelled: 0 },
    lastHeartbeatAt: undefined,
    lastAnswerAt: undefined,
    consecutiveFailures: 0,
    lastFailure: undefined,
  };
}

function checkJobId(jobId: JobId): string {
  if ((typeof jobId === "number" && Number.isFinite(jobId)) || (typeof jobId === "string" && jobId !== "")) {
    return String(jobId);
  }
  throw new TypeError(`A job id must be a number or a non-empty string; got ${JSON.stringify(jobId)}.`);
}
