/**
 * The one HTTP core under everything that talks to the coordinator: URL and
 * header building, the token, timeouts, retries with back-off, redirects,
 * bounded body reading and the mapping of failures to error classes.
 */
import {
  BODY_EXCERPT_CHARS,
  ConnectionError,
  errorFromResponse,
  followedBy,
  InvalidResponseError,
  notJsonAnswerError,
  parseRetryAfter,
  type ResponseContext,
  TimeoutError,
  WorkerError,
  type WorkerErrorClass,
} from "../errors.js";
import type { Logger } from "../logger.js";
import { buildRoute, type ResolvedRoute, type RouteName, type Routes } from "../routes.js";
import { isPermissionRefusal, runtimeProduct } from "../runtime.js";
import { VERSION } from "../version.js";
import { backoffDelay, RETRY_BACKOFF, sleep } from "./backoff.js";
import { BodyTooLargeError, MAX_BODY_BYTES, MAX_ERROR_BODY_BYTES, parseMaybeJson, readBodyText } from "./body.js";
import { type ClientKind, type Provenance, unreachableHint } from "./hints.js";
import { type RequestWithHeaders, streamForm } from "./multipart.js";

/**
 * The request options of one call, overriding the client's own: the last
 * argument of every method of `Worker` and `ModelReins`, and nothing else
 * goes there (an unknown key is a `TypeError`).
 */
export interface RequestOptions {
  /** Aborts the call at once, retries included. */
  signal?: AbortSignal | undefined;
  /** This call's timeout per attempt, in ms. */
  timeoutMs?: number | undefined;
  /** This call's retry count. */
  maxRetries?: number | undefined;
}

/** No request options: what a call made without any gets, shared (bench/: a spread of even an empty object costs on the hot path). */
export const NO_REQUEST_OPTIONS: RequestOptions = Object.freeze({});

/** What one call sends. */
export interface CallSpec {
  params?: Record<string, string | number>;
  query?: Record<string, string | number | boolean | undefined>;
  json?: unknown;
  form?: FormData;
  /** Send the token; `false` only for the calls the docs say need none. */
  auth?: boolean;
  /**
   * Statuses that mean something specific on this call, each with the error
   * class it becomes. Such an answer is final, never retried: dispatch's 503
   * means "no eligible worker", not an outage.
   */
  errorMap?: Readonly<Partial<Record<number, WorkerErrorClass>>>;
}

/** The settings the core runs with. */
export interface HttpCoreConfig {
  baseUrl: string;
  token: string;
  timeoutMs: number;
  maxRetries: number;
  fetch: typeof globalThis.fetch;
  routes: Routes;
  logger: Logger;
  /** Which API the client speaks, for the hints of its errors. @default "worker" */
  kind?: ClientKind | undefined;
  /** Where `baseUrl` came from, for the hints of its errors. @default "option" */
  urlFrom?: Provenance["urlFrom"] | undefined;
  /** For tests: the jitter source. */
  random?: () => number;
  /** Told of every call as it ends, retries included (metrics); when unset, calls pay nothing for it. */
  onCall?: ((call: CallObservation) => void) | undefined;
}

/** One finished call, as {@link HttpCoreConfig.onCall} sees it. */
export interface CallObservation {
  route: RouteName;
  /** From the call's start to its answer or its last failure, retries and waits included. */
  durationMs: number;
  /** What the call threw; absent when it succeeded. */
  error?: unknown;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;
const USER_AGENT = `modelreins-worker-ts/${VERSION} ${runtimeProduct()}`;

/** Statuses worth another attempt: the request may succeed unchanged. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** Errors worth another attempt, whether from the core or a loop above it. */
export function isRetryableError(error: unknown): boolean {
  // A runtime's permission refusal (a `deno run` without --allow-net) looks like a network error, and never heals.
  if (error instanceof ConnectionError) return !isPermissionRefusal(error);
  const status = (error as WorkerError | undefined)?.status;
  return typeof status === "number" && isRetryableStatus(status);
}

/**
 * The network error a fetch gives for a redirect answer to a request sent with
 * `redirect: "error"`: Node's (undici: the cause "unexpected redirect"; msw
 * the same as a string), Bun's (code "UnexpectedRedirect") and Deno's (the message).
 */
export function isUnexpectedRedirect(error: unknown): boolean {
  const e = error as { cause?: unknown; code?: unknown; message?: unknown } | undefined;
  const cause = (e?.cause as { message?: unknown } | undefined)?.message ?? e?.cause;
  return (
    (typeof cause === "string" && cause.toLowerCase() === "unexpected redirect") ||
    e?.code === "UnexpectedRedirect" ||
    (typeof e?.message === "string" && e.message.includes("redirect mode is set to 'error'"))
  );
}

function abortForTimeout(controller: AbortController): void {
  controller.abort(new Error("timeout"));
}

/** A redirect the core follows by hand: a 3xx with somewhere to go. */
function isRedirect(response: Response): boolean {
  return REDIRECT_STATUSES.has(response.status) && response.headers.has("location");
}

/** Whether the call's `errorMap` claims this error's status: then it is final. */
function isMapped(error: unknown, spec: CallSpec): boolean {
  return error instanceof WorkerError && error.status !== undefined && spec.errorMap?.[error.status] !== undefined;
}

/** The init of a call's first hop: a form body as its multipart stream, made afresh for each send. */
function hop(call: Call, signal: AbortSignal, redirect: RequestRedirect): RequestWithHeaders {
  const init: RequestWithHeaders = { method: call.method, headers: call.headers, body: call.body, signal, redirect };
  return call.body instanceof FormData ? streamForm(init) : init;
}

/** Which attempt of which call, for errors: made only when an error is. */
function attemptInfo(call: Call, attempts: number): AttemptInfo {
  return { method: call.method, path: call.path, attempts };
}

/** Which attempt of which call, for errors. */
interface AttemptInfo {
  method: string;
  path: string;
  attempts: number;
}

/** One call, prepared once for all its attempts. */
interface Call {
  spec: CallSpec;
  /** The caller's signal: aborts the call, retries included. */
  signal: AbortSignal | undefined;
  method: string;
  path: string;
  /** The first hop's URL: base URL, path and query. */
  url: string;
  headers: Record<string, string>;
  body: BodyInit | null;
  timeoutMs: number;
  route: RouteName;
}

/** Sends requests to one coordinator with one token. */
export class HttpCore {
  readonly baseUrl: string;
  readonly routes: Routes;
  readonly logger: Logger;
  /** The timeout of each attempt, in ms, unless a call gives its own. */
  readonly timeoutMs: number;
  #token: string;
  #config: HttpCoreConfig;
  /** The coordinator's origin: the token goes nowhere else. */
  readonly #origin: string;
  /** Routes the coordinator has redirected: sent in "manual" mode from then on (see #attempt). */
  readonly #redirected = new Set<RouteName>();
  readonly #context: ResponseContext;

  constructor(config: HttpCoreConfig) {
    this.baseUrl = config.baseUrl;
    this.routes = config.routes;
    this.logger = config.logger;
    this.timeoutMs = config.timeoutMs;
    this.#token = config.token;
    this.#config = config;
    this.#origin = new URL(config.baseUrl).origin;
    this.#context = { kind: config.kind ?? "worker", urlFrom: config.urlFrom ?? "option", baseUrl: config.baseUrl };
  }

  /** The method and path a call to `route` goes to: what answer checks name in their messages. */
  callInfo(route: RouteName, params?: Record<string, string | number>): ResolvedRoute {
    return buildRoute(this.routes, route, params);
  }

  /**
   * Calls a route and returns its parsed JSON body (`undefined` when empty).
   * Retries connection failures, timeouts, 408, 429 and 5xx; throws a
   * {@link WorkerError} subclass for everything else. `options` are the
   * caller's, checked (see requestOptions): they override the client's own.
   */
  request(route: RouteName, spec: CallSpec = {}, options: RequestOptions = NO_REQUEST_OPTIONS): Promise<unknown> {
    const onCall = this.#config.onCall;
    if (onCall === undefined) return this.#request(route, spec, options);
    const started = performance.now();
    return this.#request(route, spec, options).then(
      (body) => {
        onCall({ route, durationMs: performance.now() - started });
        return body;
      },
      (error: unknown) => {
        onCall({ route, durationMs: performance.now() - started, error });
        throw error;
      },
    );
  }

  async #request(route: RouteName, spec: CallSpec, options: RequestOptions): Promise<unknown> {
    const call = this.#prepare(route, spec, options);
    const { signal } = options;
    const maxRetries = options.maxRetries ?? this.#config.maxRetries;
    for (let attempt = 0; ; attempt++) {
      signal?.throwIfAborted();
      try {
        return await this.#attempt(call, attempt + 1);
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        if (attempt >= maxRetries || !isRetryableError(error) || isMapped(error, spec)) throw error;
        const retryAfter = (error as WorkerError).headers?.get("retry-after") ?? null;
        const delay = parseRetryAfter(retryAfter) ?? backoffDelay(attempt, RETRY_BACKOFF, this.#config.random);
        this.logger.debug(
          followedBy((error as Error).message, `retrying in ${delay} ms (retry ${attempt + 1} of ${maxRetries})`),
        );
        await sleep(delay, signal);
      }
    }
  }

  /** What every attempt of a call sends: built once, not per attempt. */
  #prepare(route: RouteName, spec: CallSpec, options: RequestOptions): Call {
    const { method, path } = buildRoute(this.routes, route, spec.params);
    let url = this.baseUrl + path;
    if (spec.query !== undefined) {
      const query = new URLSearchParams();
      for (const key in spec.query) {
        const value = spec.query[key];
        if (value !== undefined) query.set(key, String(value));
      }
      if (query.size > 0) url += `?${query}`;
    }
    const body = spec.form ?? (spec.json === undefined ? null : JSON.stringify(spec.json));
    const headers: Record<string, string> = { accept: "application/json", "user-agent": USER_AGENT };
    if (spec.auth !== false) headers.authorization = `Bearer ${this.#token}`;
    if (spec.json !== undefined) headers["content-type"] = "application/json";
    // One key for all attempts of this call, so a server that honours it acts once.
    if (method === "POST") headers["idempotency-key"] = globalThis.crypto.randomUUID();
    const timeoutMs = options.timeoutMs ?? this.#config.timeoutMs;
    return { spec, signal: options.signal, method, path, url, headers, body, timeoutMs, route };
  }

  /**
   * One attempt: the send, its timeout, and the answer read and checked, in one async step (on
   * the hot path each promise counts: bench/). Every first hop goes out with `redirect: "error"`:
   * in any other mode undici clones the request and tees its body, for every request (bench/:
   * about 50 µs of CPU each), and for an upload the branch nobody reads keeps a copy of every byte
   * sent (nodejs/undici#4058). A redirect is rare: when one comes back, the hop is sent again in
   * "manual" mode to learn where to (same idempotency key), and the route's JSON calls go in
   * "manual" mode from then on.
   */
  async #attempt(call: Call, attempts: number): Promise<unknown> {
    const { method, path, timeoutMs } = call;
    const controller = new AbortController();
    const { signal } = controller;
    const caller = call.signal;
    const onCallerAbort = caller && (() => controller.abort(caller.reason));
    if (onCallerAbort) caller.addEventListener("abort", onCallerAbort, { once: true });
    // A timer per attempt: Node keeps timers of one duration in one list on one OS timer already.
    const timer = setTimeout(abortForTimeout, timeoutMs, controller);
    try {
      const manual = this.#redirected.has(call.route) && !(call.body instanceof FormData);
      let response: Response;
      try {
        response = await this.#config.fetch(call.url, hop(call, signal, manual ? "manual" : "error"));
      } catch (error) {
        if (signal.aborted || !isUnexpectedRedirect(error)) throw error;
        response = await this.#config.fetch(call.url, hop(call, signal, "manual"));
      }
      if (isRedirect(response)) {
        this.#redirected.add(call.route);
        response = await this.#followRedirects(call, signal, response);
      }
      if (!response.ok) throw await this.#errorFromAnswer(response, call, attempts);
      let text: string;
      try {
        text = await readBodyText(response, MAX_BODY_BYTES, false);
      } catch (error) {
        if (!(error instanceof BodyTooLargeError)) throw error;
        throw new InvalidResponseError(`${method} ${path} answered with a body over ${error.limit} bytes`, {
          ...attemptInfo(call, attempts),
          status: response.status,
          headers: this.#redactHeaders(response.headers),
        });
      }
      return this.#parseSuccess(text, response, call, attempts);
    } catch (error) {
      if (error instanceof WorkerError) throw error;
      if (caller?.aborted) throw caller.reason;
      const info = attemptInfo(call, attempts);
      if (signal.aborted) {
        throw new TimeoutError(`${method} ${path} got no answer within ${timeoutMs} ms`, { ...info, cause: error });
      }
      const reason = (error as { cause?: { code?: string; message?: string } } | undefined)?.cause;
      const detail = reason?.code ?? reason?.message ?? (error as Error | undefined)?.message ?? String(error);
      throw new ConnectionError(
        `${method} ${path} could not reach the coordinator at ${this.baseUrl} (${detail}). ${unreachableHint(this.#context, reason?.code)}`,
        { ...info, cause: error },
      );
    } finally {
      clearTimeout(timer);
      if (onCallerAbort) caller.removeEventListener("abort", onCallerAbort);
    }
  }

  /** A non-2xx answer as the error it is, its body bounded and the token redacted. */
  async #errorFromAnswer(response: Response, call: Call, attempts: number): Promise<WorkerError> {
    const text = this.#redact(await readBodyText(response, MAX_ERROR_BODY_BYTES, true));
    const parsed = parseMaybeJson(text);
    return errorFromResponse(
      {
        ...attemptInfo(call, attempts),
        status: response.status,
        headers: this.#redactHeaders(response.headers),
        body: typeof parsed === "string" ? parsed.slice(0, BODY_EXCERPT_CHARS) : parsed,
      },
      this.#context,
      call.spec.errorMap?.[response.status],
    );
  }

  /**
   * A hop of a redirect in "error" mode; if it meets a redirect, sent again in "manual" mode to
   * learn where to. A form body goes out as its multipart stream, made afresh for each send (streamForm).
   */
  #sendHop(url: string | URL, init: RequestWithHeaders): Promise<Response> {
    return this.#config.fetch(url, streamForm({ ...init, redirect: "error" })).catch((error: unknown) => {
      if (init.signal?.aborted || !isUnexpectedRedirect(error)) throw error;
      return this.#config.fetch(url, streamForm({ ...init, redirect: "manual" }));
    });
  }

  /** Follows redirects by hand from the first answer, so the token goes to the coordinator's origin only. */
  async #followRedirects(call: Call, signal: AbortSignal, first: Response): Promise<Response> {
    const { method, path } = call;
    let url = new URL(call.url);
    let currentMethod = method;
    let body = call.body;
    let response = first;
    for (let hops = 0; isRedirect(response); hops++) {
      response.body?.cancel().catch(() => {});
      if (hops >= MAX_REDIRECTS) {
        throw new InvalidResponseError(`${method} ${path} was redirected more than ${MAX_REDIRECTS} times`, {
          method,
          path,
          status: response.status,
        });
      }
      url = new URL(response.headers.get("location") as string, url);
      if (
        response.status === 303 ||
        ((response.status === 301 || response.status === 302) && currentMethod === "POST")
      ) {
        currentMethod = "GET";
        body = null;
      }
      const headers: Record<string, string> = { ...call.headers };
      // The token goes only to the coordinator's own origin, never after a redirect elsewhere.
      if (url.origin !== this.#origin) delete headers.authorization;
      if (body === null) delete headers["content-type"];
      const init: RequestWithHeaders = { method: currentMethod, headers, body, signal };
      // An upload keeps its no-copy guarantee on every hop.
      response =
        body instanceof FormData
          ? await this.#sendHop(url, init)
          : await this.#config.fetch(url, { ...init, redirect: "manual" });
    }
    return response;
  }

  #parseSuccess(text: string, response: Response, call: Call, attempts: number): unknown {
    if (text.trim() === "") return undefined;
    // An answer that echoes the token would carry it into InvalidResponseError messages and bodies.
    const redacted = this.#redact(text);
    try {
      return JSON.parse(redacted);
    } catch {
      const init = {
        ...attemptInfo(call, attempts),
        status: response.status,
        headers: this.#redactHeaders(response.headers),
      };
      throw notJsonAnswerError({ ...init, body: redacted.slice(0, BODY_EXCERPT_CHARS) }, this.#context);
    }
  }

  /** Removes the token from text the server sent back, in case it echoes it. */
  #redact(text: string): string {
    return this.#token.length >= 4 && text.includes(this.#token) ? text.split(this.#token).join("[redacted]") : text;
  }

  /** A copy of response headers for an error, without the token should the server echo it in one. */
  #redactHeaders(headers: Headers): Headers {
    const copy = new Headers();
    headers.forEach((value, name) => {
      copy.append(name, this.#redact(value));
    });
    return copy;
  }
}
