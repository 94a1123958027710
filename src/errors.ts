/**
 * The error hierarchy. Every failure of a call to the coordinator is a
 * {@link WorkerError}, and so is an answer that takes a running job away
 * ({@link JobCancelledError}); subclasses name the cases callers branch on,
 * each with a static `is()` guard. One function, {@link errorFromResponse},
 * maps a status to its class.
 */
import {
  looksLikeMarkup,
  notACoordinatorHint,
  oneLineExcerpt,
  type Provenance,
  refusedTokenHint,
  saysWrongTokenKind,
  wrongTokenKindHint,
} from "./http/hints.js";
import type { Job, JobId } from "./types.js";

/** What an error knows about the call that failed. */
export interface WorkerErrorInit {
  /** The HTTP status, when the server answered. */
  status?: number | undefined;
  method: string;
  /** The path called, without the base URL or query string. */
  path: string;
  /** The response body: parsed JSON where it was JSON, else text cut to a sane length. */
  body?: unknown;
  /** Response headers, when the server answered. */
  headers?: Headers | undefined;
  /** How many attempts were made, retries included. */
  attempts?: number | undefined;
  cause?: unknown;
}

/**
 * Where an error's class chain is kept, so that `is()` recognises errors of
 * another copy of this package: the ESM and the CommonJS builds loaded in one
 * process have two sets of classes, and `instanceof` fails between them.
 */
const BRAND: unique symbol = Symbol.for("modelreins-worker.WorkerError") as never;

/**
 * A call to the coordinator failed: a non-2xx answer, an answer the SDK cannot
 * use, no answer at all, or a wait that gave up; or its answer took a running
 * job away ({@link JobCancelledError}). Carries `status`, `method`, `path` and
 * `body`.
 *
 * Branch with the static guards, `ConflictError.is(err)`: unlike `instanceof`,
 * they hold when the error comes from the other build of this package (an ESM
 * application with a CommonJS dependency that uses it too).
 *
 * @example
 * ```ts
 * try { await worker.claim(42); }
 * catch (err) { if (ConflictError.is(err)) console.log("taken already"); }
 * ```
 */
export class WorkerError extends Error {
  /** The class's name: its instances' `name`, and what `is()` looks for. Each subclass sets its own. */
  static readonly errorName: string = "WorkerError";

  /**
   * Whether `value` is an error of this class or a subclass, from either
   * build of this package; narrows its type. `WorkerError.is(err)` for any
   * failed call, `ConflictError.is(err)` for a 409.
   */
  static is<T extends WorkerError>(
    this: (abstract new (...args: never) => T) & { readonly errorName: string },
    value: unknown,
  ): value is T {
    // A subclass without its own errorName has no brand of its own: only instanceof can tell it apart.
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class asked, e.g. ConflictError in ConflictError.is().
    if (!Object.hasOwn(this, "errorName")) return value instanceof this;
    const chain = (value as { [BRAND]?: unknown } | null | undefined)?.[BRAND];
    // biome-ignore lint/complexity/noThisInStatic: as above.
    return Array.isArray(chain) && chain.includes(this.errorName);
  }

  override name: string;
  // The call's facts are own properties, but not enumerable: `util.inspect` and Node's report
  // of an uncaught error then show the message and the stack, not a dump ending in `Headers {}`.
  /** The HTTP status; `undefined` when no answer arrived. */
  declare readonly status: number | undefined;
  declare readonly method: string;
  declare readonly path: string;
  /** The response body, parsed when JSON, else text (cut to 2,000 characters). */
  declare readonly body: unknown;
  /** Response headers, when the server answered (the token removed, should the server echo it). */
  declare readonly headers: Headers | undefined;
  /** How many attempts were made before giving up, retries included. */
  declare readonly attempts: number;

  constructor(message: string, init: WorkerErrorInit) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = new.target.errorName;
    Object.defineProperty(this, BRAND, { value: classChain(new.target) });
    hideFields(this, {
      status: init.status,
      method: init.method,
      path: init.path,
      body: init.body,
      headers: init.headers,
      attempts: init.attempts ?? 1,
    });
  }
}

/** Defines read-only, non-enumerable own properties. */
function hideFields(target: object, fields: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(fields)) {
    Object.defineProperty(target, key, { value, enumerable: false, writable: false, configurable: true });
  }
}

/**
 * Points the stack of an error that ends `run()` at the code that called
 * `run()`: the frames inside the SDK say nothing its message does not, and
 * Node's report of an unhandled rejection then quotes the caller's line.
 */
export function stackFromCaller<T>(error: T, callee: (...args: never[]) => unknown): T {
  if (error instanceof WorkerError && typeof Error.captureStackTrace === "function") {
    Error.captureStackTrace(error, callee);
    // Left: the runtime's microtask frame and the caller's; only the caller's says something.
    const lines = String(error.stack).split("\n");
    error.stack = lines.filter((line, i) => i === 0 || !/\((node|ext):/.test(line)).join("\n");
  }
  return error;
}

/** 400 or 422: the server refused the request's content. Fix the call; retrying will not help. */
export class BadRequestError extends WorkerError {
  static override readonly errorName: string = "BadRequestError";
}

/** 401: the token is missing, wrong or revoked. `Worker.run()` ends on it. */
export class AuthenticationError extends WorkerError {
  static override readonly errorName: string = "AuthenticationError";
}

/** 403: the token is valid but may not do this (a worker token on an admin call, a paused worker). */
export class PermissionDeniedError extends WorkerError {
  static override readonly errorName: string = "PermissionDeniedError";
}

/** 404: no such job, worker or route. */
export class NotFoundError extends WorkerError {
  static override readonly errorName: string = "NotFoundError";
}

/** 409: the job is in another state, e.g. another worker claimed it first. */
export class ConflictError extends WorkerError {
  static override readonly errorName: string = "ConflictError";
}

/** 429: too many requests. `retryAfterMs` is the server's `Retry-After`, when it sent one. */
export class RateLimitError extends WorkerError {
  static override readonly errorName: string = "RateLimitError";
  /** The server's `Retry-After` in milliseconds, if it sent a usable one. */
  declare readonly retryAfterMs: number | undefined;
  constructor(message: string, init: WorkerErrorInit) {
    super(message, init);
    hideFields(this, { retryAfterMs: parseRetryAfter(init.headers?.get("retry-after") ?? null) });
  }
}

/** 5xx: the coordinator failed or is restarting. Retried by the SDK before you see it. */
export class InternalServerError extends WorkerError {
  static override readonly errorName: string = "InternalServerError";
}

/** 503 from `dispatch`: no worker is eligible to take the job. Not a server failure. */
export class NoEligibleWorkerError extends InternalServerError {
  static override readonly errorName: string = "NoEligibleWorkerError";
}

/** No answer: the connection failed or dropped. `status` is `undefined`. */
export class ConnectionError extends WorkerError {
  static override readonly errorName: string = "ConnectionError";
}

/** No answer within `timeoutMs`. */
export class TimeoutError extends ConnectionError {
  static override readonly errorName: string = "TimeoutError";
}

/**
 * A 2xx answer the SDK cannot use: HTML from a proxy, a job list that is not a
 * list, a body too large. The call's effect on the server is unknown.
 */
export class InvalidResponseError extends WorkerError {
  static override readonly errorName: string = "InvalidResponseError";
}

/**
 * What a worker saw of a job it was running that is no longer its own:
 * - `cancelled`: the coordinator lists it as cancelled (an admin's cancel, the killswitch);
 * - `requeued`: it is pending again (taken back, e.g. after missed heartbeats);
 * - `reassigned`: it is in none of this worker's lists: another worker has it, or it finished elsewhere.
 */
export type JobLoss = "cancelled" | "requeued" | "reassigned";

/** What {@link JobCancelledError} is made from. */
export interface JobCancelledInit extends WorkerErrorInit {
  /** The job taken away. */
  jobId: JobId;
  /** What was seen of it. */
  seen: JobLoss;
  /** The coordinator's own reason, when its job record carries one (`cancel_reason`). */
  reason?: string | undefined;
}

/**
 * The coordinator took a running job away from this worker: the reason a
 * handler's `ctx.signal` aborts with, as opposed to a shutdown's. `method`
 * and `path` name the call whose answer showed it (the "running" list, or a
 * result refused with 409).
 *
 * @example
 * ```ts
 * if (JobCancelledError.is(ctx.signal.reason)) console.log(ctx.signal.reason.message);
 * // "job 42 was cancelled on the coordinator (killswitch: runaway costs)"
 * ```
 */
export class JobCancelledError extends WorkerError {
  static override readonly errorName: string = "JobCancelledError";
  /** The job taken away. */
  readonly jobId: JobId;
  /** What was seen: see {@link JobLoss}. */
  readonly seen: JobLoss;
  /** The coordinator's reason, when its job record carries one. */
  readonly reason: string | undefined;

  constructor(init: JobCancelledInit) {
    super(describeLoss(init.jobId, init.seen, init.reason), init);
    this.jobId = init.jobId;
    this.seen = init.seen;
    this.reason = init.reason;
  }
}

function describeLoss(jobId: JobId, seen: JobLoss, reason: string | undefined): string {
  const job = `job ${String(jobId)}`;
  if (seen === "cancelled") return `${job} was cancelled on the coordinator${reason ? ` (${reason})` : ""}`;
  if (seen === "requeued")
    return `${job} was requeued on the coordinator: it is pending again, no longer this worker's`;
  return `${job} is no longer running in this worker's name on the coordinator: another worker has it, or it finished elsewhere`;
}

/**
 * `ModelReins.jobs.wait()` gave up: the job reached none of the awaited states
 * within `maxWaitMs`. The job may still finish; `job` is its last state seen,
 * and `method` and `path` those of the look at it (`GET /api/jobs/<id>`).
 */
export class WaitTimeoutError extends WorkerError {
  static override readonly errorName: string = "WaitTimeoutError";
  /** The job waited for. */
  declare readonly jobId: JobId;
  /** The job as last fetched; `undefined` when no answer arrived in time. */
  declare readonly job: Job | undefined;
  /** The time waited, in ms. */
  declare readonly maxWaitMs: number;

  constructor(jobId: JobId, job: Job | undefined, maxWaitMs: number, call: { method: string; path: string }) {
    super(
      `job ${String(jobId)} did not reach a final state within ${maxWaitMs} ms` +
        (job ? ` (last status: ${String(job.status)})` : " (no answer arrived)"),
      call,
    );
    hideFields(this, { jobId, job, maxWaitMs });
  }
}

/** The names of an error class and its parents up to {@link WorkerError}, each class counted once. */
function classChain(target: abstract new (...args: never) => unknown): readonly string[] {
  const names: string[] = [];
  for (let c: unknown = target; typeof c === "function" && c !== Error; c = Object.getPrototypeOf(c)) {
    if (Object.hasOwn(c, "errorName")) names.push((c as typeof WorkerError).errorName);
  }
  return Object.freeze(names);
}

/** A class the core can throw for an answer: {@link WorkerError} or a subclass. */
export type WorkerErrorClass = new (message: string, init: WorkerErrorInit) => WorkerError;

/** How much of a body an error keeps, and shows in its message. */
export const BODY_EXCERPT_CHARS = 2_000;
const MESSAGE_EXCERPT_CHARS = 300;

/** What the core knows about the client that made a call, for the hints an error ends with. */
export interface ResponseContext extends Provenance {
  baseUrl: string;
}

/**
 * Maps a non-2xx answer to its error class; `errorClass`, when given, is used
 * instead (a status that means something specific on one call). A refused
 * token, or an answer that is not JSON, gets a hint that says what to check.
 */
export function errorFromResponse(
  init: WorkerErrorInit & { status: number },
  context: ResponseContext,
  errorClass?: WorkerErrorClass,
): WorkerError {
  const { status, method, path } = init;
  const page = typeof init.body === "string" && init.body.trim() !== "" ? init.body : undefined;
  const detail = page === undefined ? describeBody(init.body) : oneLineExcerpt(page);
  const message =
    page === undefined
      ? `${method} ${path} failed with HTTP ${status}${detail ? `: ${detail}` : ""}`
      : notJsonMessage(init, detail);
  if (errorClass) return new errorClass(message, init);
  if (status === 401) return new AuthenticationError(withHint(message, refusedTokenHint(context.kind)), init);
  if (status === 403) {
    if (!saysWrongTokenKind(detail)) return new PermissionDeniedError(message, init);
    const error = new PermissionDeniedError(withHint(message, wrongTokenKindHint(context.kind)), init);
    wrongKindOfToken.add(error);
    return error;
  }
  // Retried, and routine from a proxy while the coordinator restarts: no hint, even for a page.
  if (status === 429) return new RateLimitError(message, init);
  if (status >= 500) return new InternalServerError(message, init);
  // A web page, or a "not found" that is not JSON: a web server or a proxy answered, not a coordinator.
  if (page !== undefined && (looksLikeMarkup(page) || status === 404)) return notACoordinator(message, init, context);
  if (status === 400 || status === 422) return new BadRequestError(message, init);
  if (status === 404) return new NotFoundError(message, init);
  if (status === 409) return new ConflictError(message, init);
  return new WorkerError(message, init);
}

/** 403s that said the token is of the wrong kind (see {@link isTokenRefused}). */
const wrongKindOfToken = new WeakSet<Error>();

/**
 * Whether the coordinator refused the token itself, for good: a 401, or a 403
 * that says the token is of the wrong kind (an admin token on a worker call).
 * Retrying with the same token can never succeed, so `Worker.run()` ends on
 * either. Any other 403 (a paused worker) may pass, and is retried.
 */
export function isTokenRefused(error: unknown): boolean {
  return error instanceof AuthenticationError || (error instanceof Error && wrongKindOfToken.has(error));
}

/** A 2xx answer whose body is not JSON: most likely a web page, not a coordinator. */
export function notJsonAnswerError(
  init: WorkerErrorInit & { status: number; body: string },
  context: ResponseContext,
): InvalidResponseError {
  return notACoordinator(notJsonMessage(init, oneLineExcerpt(init.body)), init, context);
}

/** An answer that is not a coordinator's: its message, with the hint that says what to check. */
function notACoordinator(message: string, init: WorkerErrorInit, context: ResponseContext): InvalidResponseError {
  return new InvalidResponseError(withHint(message, notACoordinatorHint(context)), init);
}

/** `GET /x answered HTTP 404 with text/html that is not JSON: "File not found"`: `excerpt`, the body as one line. */
function notJsonMessage(init: WorkerErrorInit & { status: number }, excerpt: string): string {
  const type = init.headers?.get("content-type")?.split(";")[0]?.trim() || "no content type";
  return `${init.method} ${init.path} answered HTTP ${init.status} with ${type} that is not JSON${excerpt ? `: "${excerpt}"` : ""}`;
}

/**
 * A message followed by a clause about what happens next (`; retrying in 500 ms`),
 * without the `.;` of a message that ends with a full stop.
 */
/** An error's message for a log line or another error's message (not its stack); anything else thrown, as a string. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function followedBy(message: string, clause: string): string {
  return `${message.replace(/[\s.;:,]+$/, "")}; ${clause}`;
}

/** A message, ended with one full stop whatever the server's text ended with, then a hint. */
function withHint(message: string, hint: string): string {
  return `${message.replace(/[\s.;:,]+$/, "")}. ${hint}`;
}

/** A short, single-line account of a response body for an error message. */
function describeBody(body: unknown): string {
  if (body === undefined || body === null || body === "") return "";
  let text: string;
  if (typeof body === "string") text = body;
  else if (typeof body === "object" && body !== null && typeof (body as { error?: unknown }).error === "string") {
    text = (body as { error: string }).error;
  } else if (typeof body === "object" && body !== null && typeof (body as { message?: unknown }).message === "string") {
    text = (body as { message: string }).message;
  } else text = JSON.stringify(body);
  text = text.replace(/\s+/g, " ").trim();
  return text.length > MESSAGE_EXCERPT_CHARS ? `${text.slice(0, MESSAGE_EXCERPT_CHARS)}…` : text;
}

/** The longest `Retry-After` the SDK will wait for; a larger one is treated as this. */
export const MAX_RETRY_AFTER_MS = 60_000;

/**
 * Reads `Retry-After` as seconds or an HTTP date, in milliseconds from now,
 * clamped to [0, {@link MAX_RETRY_AFTER_MS}]; `undefined` when absent or unreadable.
 */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  const trimmed = value.trim();
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(trimmed)) ms = Number(trimmed) * 1000;
  else {
    const date = Date.parse(trimmed);
    if (Number.isNaN(date)) return undefined;
    ms = date - now;
  }
  return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
}
