/**
 * `Worker`: the Python SDK's seven methods, in TypeScript. The calls are thin:
 * they build a request, send it through the shared HTTP core and check the
 * answer's shape. The run loop lives in `run-loop/`; it reaches the worker
 * through the adapter `#loopWorker` builds, and reports through the events.
 */
import { checkId, checkString, definedFields } from "./args.js";
import { type ArtifactData, type ArtifactParams, buildArtifactForm } from "./artifact.js";
import { checkOptions, describeValue, describeValueHidingStrings, optionKeys } from "./check-options.js";
import { TypedEmitter } from "./emitter.js";
import { errorMessage, stackFromCaller } from "./errors.js";
import type { CallObservation, HttpCore, RequestOptions } from "./http/core.js";
import { checkParams, isAbortSignal, requestOptions } from "./http/request-options.js";
import type { Logger } from "./logger.js";
import { type ProbeOptions, resolveProbeOptions } from "./ops/probe-server.js";
import { WorkerOps } from "./ops/worker-ops.js";
import {
  CONNECTION_OPTIONS,
  type ConnectionOptions,
  createHttpCore,
  defaultWorkerName,
  positiveInteger,
  positiveNumber,
  tagList,
} from "./options.js";
import { presenceBody } from "./presence.js";
import { RunLoop } from "./run-loop/loop.js";
import type { CompletionStatus, LoopSettings, LoopWorker, RunOptions } from "./run-loop/types.js";
import { didYouMean } from "./suggest.js";
import type {
  ArtifactResponse,
  CompletionResponse,
  Job,
  JobId,
  JsonObject,
  PresenceResponse,
  PresenceStatus,
  ReviewResponse,
} from "./types.js";
import { expectJob, expectJobList, expectObject, expectObjectWith } from "./validate.js";
import { VERSION } from "./version.js";
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
  /**
   * Serve probes and metrics while `run()` is active: `GET /healthz`, `/readyz` and
   * `/metrics` on a small HTTP server (`true` for the defaults). Off unless set.
   * See the README's "Running in production".
   * @default undefined (no server)
   * @example { port: 8001, host: "0.0.0.0" }
   */
  probes?: boolean | ProbeOptions | undefined;
}

/** The keys of {@link WorkerOptions}; `name` first: the example shown when the options are not an object. */
const WORKER_OPTION_KEYS = optionKeys<WorkerOptions>({
  name: true,
  ...CONNECTION_OPTIONS,
  pollIntervalMs: true,
  heartbeatIntervalMs: true,
  concurrency: true,
  tags: true,
  shutdownGraceMs: true,
  probes: true,
});

/** The keys of {@link RunOptions}. */
const RUN_OPTION_KEYS = optionKeys<RunOptions>({
  onError: true,
  signal: true,
  handleSignals: true,
  formatFailure: true,
});

/** The optional fields of {@link Worker.heartbeat} (Python's keyword arguments). */
export interface HeartbeatParams {
  /** Free-form details; left out of the request when not given. */
  details?: JsonObject | undefined;
  /** @default the worker's `tags` option */
  tags?: readonly string[] | undefined;
}

const HEARTBEAT_PARAM_KEYS = optionKeys<HeartbeatParams>({ details: true, tags: true });

/** The optional fields of {@link Worker.submitReview}; those not given are left out of the request. */
export interface ReviewParams {
  /** A URL shown to the reviewer, e.g. an artifact's absolute URL. */
  preview?: string | undefined;
  target?: string | undefined;
  /** The job the review belongs to. */
  job_id?: JobId | undefined;
}

const REVIEW_PARAM_KEYS = optionKeys<ReviewParams>({ preview: true, target: true, job_id: true });

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
  /** Probes and metrics, when the `probes` option asks for them. */
  readonly #ops: WorkerOps | undefined;
  readonly #events = new TypedEmitter<WorkerEvents>((event, error) =>
    this.logger.error(`a listener of "${String(event)}" threw; the worker goes on: ${errorMessage(error)}`),
  );

  /** @throws TypeError when no token is given or set in `MODELREINS_TOKEN`, or an option is invalid. */
  constructor(options?: WorkerOptions) {
    options = checkOptions(options, WORKER_OPTION_KEYS, "Worker options", describeValueHidingStrings);
    const probes =
      options.probes === undefined || options.probes === false ? undefined : resolveProbeOptions(options.probes);
    // Without probes the HTTP core gets no observer, and its calls pay nothing for metrics.
    const onCall = probes && ((call: CallObservation) => this.#ops?.observeCall(call));
    this.#http = createHttpCore(options, "worker", process.env, onCall);
    this.url = this.#http.baseUrl;
    const name = options.name ?? defaultWorkerName();
    if (typeof name !== "string" || name.trim() === "") {
      throw new TypeError(`name must be a non-empty string; got ${describeValue(name)}.`);
    }
    this.name = name;
    this.#settings = Object.freeze({
      concurrency: positiveInteger("concurrency", options.concurrency, 1),
      pollIntervalMs: positiveNumber("pollIntervalMs", options.pollIntervalMs, 5_000),
      heartbeatIntervalMs: positiveNumber("heartbeatIntervalMs", options.heartbeatIntervalMs, 5_000),
      shutdownGraceMs: positiveNumber("shutdownGraceMs", options.shutdownGraceMs, 30_000),
      tags: tagList("tags", options.tags),
    });
    if (probes) {
      const settings = { ...this.#settings, ...probes, timeoutMs: this.#http.timeoutMs };
      this.#ops = new WorkerOps(this, () => this.status(), settings, VERSION, this.logger);
    }
  }

  /** The probe server's address (`http://127.0.0.1:8001`) while it listens; see the `probes` option. */
  get probeUrl(): string | undefined {
    return this.#ops?.url;
  }

  /** The logger this worker writes to. */
  get logger(): Logger {
    return this.#http.logger;
  }

  /** Whether `run()` is active. */
  get running(): boolean {
    return this.#loop !== undefined;
  }

  /**
   * Announces this worker's presence: `PUT /presence` with `instance`,
   * `status`, `tags` (comma-joined) and `details` (only when given).
   */
  async heartbeat(
    status: PresenceStatus = "active",
    params?: HeartbeatParams,
    options?: RequestOptions,
  ): Promise<PresenceResponse> {
    const { details, tags } = checkParams(params, HEARTBEAT_PARAM_KEYS, "the params of worker.heartbeat()");
    const json = presenceBody(
      { instance: this.name, status, tags: tags ?? this.#settings.tags, details },
      "worker.heartbeat",
    );
    const body = await this.#http.request("heartbeat", { json }, requestOptions(options, "worker.heartbeat()"));
    return expectObject<PresenceResponse>(body, this.#http.callInfo("heartbeat"));
  }

  /** The jobs assigned to this worker in a state: `GET /my-jobs`. Items without a usable id or prompt are logged and left out. */
  async inbox(status: string = "pending", options?: RequestOptions): Promise<Job[]> {
    checkString("worker.inbox: status", status, { nonEmpty: true });
    const body = await this.#http.request(
      "inbox",
      { query: { worker: this.name, status } },
      requestOptions(options, "worker.inbox()"),
    );
    return expectJobList(body, this.#http.callInfo("inbox"), this.logger).jobs;
  }

  /**
   * Takes a job: `POST /api/jobs/<id>/claim`.
   * @throws ConflictError (409) when another worker has it already.
   */
  async claim(jobId: JobId, options?: RequestOptions): Promise<Job> {
    const params = { id: checkId("job", jobId) };
    const body = await this.#http.request(
      "claim",
      { params, json: { worker: this.name } },
      requestOptions(options, "worker.claim()"),
    );
    return expectJob(body, () => this.#http.callInfo("claim", params));
  }

  /** Reports a job's outcome: `POST /api/jobs/<id>/complete`. */
  async complete(
    jobId: JobId,
    result: string = "",
    status: CompletionStatus = "done",
    options?: RequestOptions,
  ): Promise<CompletionResponse> {
    const params = { id: checkId("job", jobId) };
    if (typeof result !== "string") {
      throw new TypeError(`result must be a string (JSON.stringify other values); got ${describeValue(result)}.`);
    }
    if (status !== "done" && status !== "failed") {
      throw new TypeError(`status must be "done" or "failed"; got ${describeValue(status)}.`);
    }
    const body = await this.#http.request(
      "complete",
      { params, json: { worker: this.name, status, result } },
      requestOptions(options, "worker.complete()"),
    );
    return expectObject<CompletionResponse>(body, () => this.#http.callInfo("complete", params));
  }

  /**
   * Uploads a file: `POST /api/artifacts`. A `Blob` from `fs.openAsBlob` is
   * streamed, never read whole into memory. The answer's `url` is a path; see
   * {@link Worker.artifactUrl}.
   */
  async uploadArtifact(
    data: ArtifactData,
    contentType: string,
    params?: ArtifactParams,
    options?: RequestOptions,
  ): Promise<ArtifactResponse> {
    const form = buildArtifactForm(data, contentType, params);
    const body = await this.#http.request(
      "uploadArtifact",
      { form },
      requestOptions(options, "worker.uploadArtifact()"),
    );
    return expectObjectWith<ArtifactResponse>(body, this.#http.callInfo("uploadArtifact"), ["url", "slug"]);
  }

  /** The absolute URL of an artifact: the base URL plus its `url` path (an absolute `url` is kept). */
  artifactUrl(artifact: Pick<ArtifactResponse, "url"> | string): string {
    const path = typeof artifact === "string" ? artifact : artifact.url;
    if (/^[a-z][a-z\d+.-]*:/i.test(path)) return new URL(path).href;
    // Appended, not resolved: `/s/x` must keep a base URL's path prefix, as request paths do.
    return new URL(`${this.url}${path.startsWith("/") ? "" : "/"}${path}`).href;
  }

  /** Puts an item in the human review queue: `POST /api/reviews`. */
  async submitReview(
    type: string,
    title: string,
    content: string,
    params?: ReviewParams,
    options?: RequestOptions,
  ): Promise<ReviewResponse> {
    const method = "worker.submitReview";
    const { preview, target, job_id } = checkParams(params, REVIEW_PARAM_KEYS, `the params of ${method}()`);
    checkString(`${method}: type`, type);
    checkString(`${method}: title`, title);
    checkString(`${method}: content`, content);
    if (preview !== undefined) checkString(`${method}: preview`, preview);
    if (target !== undefined) checkString(`${method}: target`, target);
    if (job_id !== undefined) checkId("job", job_id);
    const json = definedFields({ type, title, content, preview, target, job_id });
    const body = await this.#http.request("submitReview", { json }, requestOptions(options, `${method}()`));
    return expectObject<ReviewResponse>(body, this.#http.callInfo("submitReview"));
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
   * @throws ConnectionError when the runtime refuses the network for good (Deno without `--allow-net`).
   */
  async run(handler: JobHandler, options?: RunOptions): Promise<void> {
    if (typeof handler !== "function") {
      throw new TypeError(`run() needs a handler function: (job, ctx) => result; got ${describeValue(handler)}.`);
    }
    const { onError, signal, handleSignals, formatFailure } = checkOptions(options, RUN_OPTION_KEYS, "run() options");
    if (onError !== undefined && typeof onError !== "function") {
      throw new TypeError(`run(): onError must be a function (job, error) => void; got ${describeValue(onError)}.`);
    }
    if (signal !== undefined && !isAbortSignal(signal)) {
      throw new TypeError(`run(): signal must be an AbortSignal; got ${describeValue(signal)}.`);
    }
    if (handleSignals !== undefined && typeof handleSignals !== "boolean") {
      throw new TypeError(`run(): handleSignals must be true or false; got ${describeValue(handleSignals)}.`);
    }
    if (formatFailure !== undefined && typeof formatFailure !== "function") {
      throw new TypeError(
        `run(): formatFailure must be a function (error, job) => string; got ${describeValue(formatFailure)}.`,
      );
    }
    if (this.#loop) throw new Error(`Worker "${this.name}" is running already; call stop() before run() again.`);
    const emit = (event: WorkerEventName, payload: WorkerEvents[WorkerEventName]) => this.#events.emit(event, payload);
    const loop = new RunLoop(this.#loopWorker(handler), this.#settings, options ?? {}, emit);
    this.#loop = loop;
    this.#lastLoop = loop;
    if (this.#ops) {
      // Before the loop starts: a probe port in use fails run() at once, naming the port.
      try {
        await this.#ops.starting();
      } catch (error) {
        this.#loop = undefined;
        throw error;
      }
    }
    let fatal: unknown;
    try {
      await loop.run();
    } catch (error) {
      fatal = error;
      throw stackFromCaller(error, Worker.prototype.run);
    } finally {
      this.#loop = undefined;
      await this.#ops?.ended(fatal);
    }
  }

  /**
   * Stops claiming, lets in-flight jobs finish (up to `shutdownGraceMs`) and
   * reports them. Resolves once `run()` has ended; at once when it is not running.
   * Inside a handler, call it without `await` (`void worker.stop()`): it waits for that handler too.
   */
  async stop(): Promise<void> {
    await this.#loop?.stop();
    // After a fatal error the probe server stayed up to answer 503: a stop ends it.
    await this.#ops?.close();
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
      inboxRoute: this.#http.callInfo("inbox"),
      claim: (jobId) => this.claim(jobId),
      complete: (jobId, result, status, options) => this.complete(jobId, result, status, options),
      heartbeat: (status, details, options) => this.heartbeat(status, { details }, options),
      handle: (job, abort) =>
        handler(job, {
          // An own getter, not a prototype one, so `{ ...ctx }` still carries the signal.
          get signal() {
            return abort.signal;
          },
          worker: this,
          logger: this.logger,
        }),
    };
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
