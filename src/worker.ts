/**
 * `Worker`: the Python SDK's seven methods, in TypeScript. The calls are thin:
 * they build a request, send it through the shared HTTP core and check the
 * answer's shape. The run loop lives in `run-loop.ts`.
 */
import { checkId, checkString, definedFields } from "./args.js";
import { type ArtifactData, type ArtifactParams, buildArtifactForm } from "./artifact.js";
import { checkOptions, describeValue, describeValueHidingStrings, optionKeys } from "./check-options.js";
import type { HttpCore, RequestOptions } from "./http/core.js";
import { checkParams, isAbortSignal, requestOptions } from "./http/request-options.js";
import type { Logger } from "./logger.js";
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
import { type JobHandler, RunLoop, type RunOptions } from "./run-loop.js";
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

/** The keys of {@link WorkerOptions}; `name` first, as the example a wrong options value is shown. */
const WORKER_OPTION_KEYS = optionKeys<WorkerOptions>({
  name: true,
  ...CONNECTION_OPTIONS,
  pollIntervalMs: true,
  heartbeatIntervalMs: true,
  concurrency: true,
  tags: true,
  shutdownGraceMs: true,
});

/** The keys of {@link RunOptions}. */
const RUN_OPTION_KEYS = optionKeys<RunOptions>({ onError: true, signal: true, handleSignals: true });

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

/** The outcome a completion reports. */
export type CompletionStatus = "done" | "failed";

/** The run loop's settings, resolved from {@link WorkerOptions}. */
export interface LoopSettings {
  readonly concurrency: number;
  readonly pollIntervalMs: number;
  readonly heartbeatIntervalMs: number;
  readonly shutdownGraceMs: number;
  readonly tags: readonly string[];
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
  #loop: RunLoop | undefined;

  /** @throws TypeError when no token is given or set in `MODELREINS_TOKEN`, or an option is invalid. */
  constructor(options?: WorkerOptions) {
    checkOptions(options, WORKER_OPTION_KEYS, "Worker options", describeValueHidingStrings);
    options ??= {};
    this.#http = createHttpCore(options, ["MODELREINS_TOKEN"]);
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
    const body = await this.#http.request("heartbeat", { ...requestOptions(options, "worker.heartbeat()"), json });
    return expectObject<PresenceResponse>(body, this.#http.callInfo("heartbeat"));
  }

  /** The jobs assigned to this worker in a state: `GET /my-jobs`. Items without a usable id or prompt are logged and left out. */
  async inbox(status: string = "pending", options?: RequestOptions): Promise<Job[]> {
    checkString("worker.inbox: status", status, { nonEmpty: true });
    const body = await this.#http.request("inbox", {
      ...requestOptions(options, "worker.inbox()"),
      query: { worker: this.name, status },
    });
    return expectJobList(body, this.#http.callInfo("inbox"), this.logger).jobs;
  }

  /**
   * Takes a job: `POST /api/jobs/<id>/claim`.
   * @throws ConflictError (409) when another worker has it already.
   */
  async claim(jobId: JobId, options?: RequestOptions): Promise<Job> {
    const params = { id: checkId("job", jobId) };
    const body = await this.#http.request("claim", {
      ...requestOptions(options, "worker.claim()"),
      params,
      json: { worker: this.name },
    });
    return expectJob(body, this.#http.callInfo("claim", params));
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
    const body = await this.#http.request("complete", {
      ...requestOptions(options, "worker.complete()"),
      params,
      json: { worker: this.name, status, result },
    });
    return expectObject<CompletionResponse>(body, this.#http.callInfo("complete", params));
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
    const body = await this.#http.request("uploadArtifact", {
      ...requestOptions(options, "worker.uploadArtifact()"),
      form,
    });
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
    const body = await this.#http.request("submitReview", {
      ...requestOptions(options, `${method}()`),
      json,
    });
    return expectObject<ReviewResponse>(body, this.#http.callInfo("submitReview"));
  }

  /**
   * Runs the worker until {@link Worker.stop}, `options.signal`, SIGINT or
   * SIGTERM: heartbeats on their own timer, claims up to `concurrency` jobs
   * at once, runs `handler` on each and reports the result. A thrown error
   * fails the job with its stack trace, then calls `onError`.
   *
   * @returns once the worker has stopped and reported its in-flight jobs.
   * @throws AuthenticationError when the coordinator refuses the token (401).
   */
  async run(handler: JobHandler, options?: RunOptions): Promise<void> {
    if (typeof handler !== "function") {
      throw new TypeError(`run() needs a handler function: (job, ctx) => result; got ${describeValue(handler)}.`);
    }
    const { onError, signal, handleSignals } = checkOptions(options, RUN_OPTION_KEYS, "run() options");
    if (onError !== undefined && typeof onError !== "function") {
      throw new TypeError(`run(): onError must be a function (job, error) => void; got ${describeValue(onError)}.`);
    }
    if (signal !== undefined && !isAbortSignal(signal)) {
      throw new TypeError(`run(): signal must be an AbortSignal; got ${describeValue(signal)}.`);
    }
    if (handleSignals !== undefined && typeof handleSignals !== "boolean") {
      throw new TypeError(`run(): handleSignals must be true or false; got ${describeValue(handleSignals)}.`);
    }
    if (this.#loop) throw new Error(`Worker "${this.name}" is running already; call stop() before run() again.`);
    const loop = new RunLoop(this, this.#settings, handler, options ?? {});
    this.#loop = loop;
    try {
      await loop.run();
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

  /** `await using worker = new Worker(...)` stops the worker at the end of the block. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
