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
import { streamForm } from "./multipart.js";

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

/** What one call sends. */
export interface CallSpec extends RequestOptions {
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

/** The network error fetch gives for a redirect answer to a request sent with `redirect: "error"`. */
function isUnexpectedRedirect(error: unknown): boolean {
  return (error as { cause?: { message?: unknown } } | undefined)?.cause?.message === "unexpected redirect";
}

/** Whether the call's `errorMap` claims this error's status: then it is final. */
function isMapped(error: unknown, spec: CallSpec): boolean {
  return error instanceof WorkerError && error.status !== undefined && spec.errorMap?.[error.status] !== undefined;
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
  readonly #context: ResponseContext;

  constructor(config: HttpCoreConfig) {
    this.baseUrl = config.baseUrl;
    this.routes = config.routes;
    this.logger = config.logger;
    this.timeoutMs = config.timeoutMs;
    this.#token = config.token;
    this.#config = config;
    this.#context = { kind: config.kind ?? "worker", urlFrom: config.urlFrom ?? "option", baseUrl: config.baseUrl };
  }

  /** The method and path a call to `route` goes to: what answer checks name in their messages. */
  callInfo(route: RouteName, params?: Record<string, string | number>): ResolvedRoute {
    return buildRoute(this.routes, route, params);
  }

  /**
   * Calls a route and returns its parsed JSON body (`undefined` when empty).
   * Retries connection failures, timeouts, 408, 429 and 5xx; throws a
   * {@link WorkerError} subclass for everything else.
   */
  request(route: RouteName, spec: CallSpec = {}): Promise<unknown> {
    const onCall = this.#config.onCall;
    if (onCall === undefined) return this.#request(route, spec);
    const started = performance.now();
    return this.#request(route, spec).then(
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

  async #request(route: RouteName, spec: CallSpec): Promise<unknown> {
    const { method, path } = buildRoute(this.routes, route, spec.params);
    const maxRetries = spec.maxRetries ?? this.#config.maxRetries;
    // One key for all attempts of this call, so a server that honours it acts once.
    const idempotencyKey = method === "POST" ? globalThis.crypto.randomUUID() : undefined;
    for (let attempt = 0; ; attempt++) {
      spec.signal?.throwIfAborted();
      try {
        return await this.#attempt(method, path, spec, idempotencyKey, attempt + 1);
      } catch (error) {
        if (spec.signal?.aborted) throw spec.signal.reason;
        if (attempt >= maxRetries || !isRetryableError(error) || isMapped(error, spec)) throw error;
        const retryAfter = (error as WorkerError).headers?.get("retry-after") ?? null;
        const delay = parseRetryAfter(retryAfter) ?? backoffDelay(attempt, RETRY_BACKOFF, this.#config.random);
        this.logger.debug(
          followedBy((error as Error).message, `retrying in ${delay} ms (retry ${attempt + 1} of ${maxRetries})`),
        );
        await sleep(delay, spec.signal);
      }
    }
  }

  async #attempt(
    method: string,
    path: string,
    spec: CallSpec,
    idempotencyKey: string | undefined,
    attempts: number,
  ): Promise<unknown> {
    const timeoutMs = spec.timeoutMs ?? this.#config.timeoutMs;
    const controller = new AbortController();
    const onCallerAbort = () => controller.abort(spec.signal?.reason);
    spec.signal?.addEventListener("abort", onCallerAbort, { once: true });
    const timer = setTimeout(() => controller.abort(new Error("timeout")), timeoutMs);
    const info = { method, path, attempts };
    try {
      const response = await this.#fetchFollowingRedirects(method, path, spec, idempotencyKey, controller.signal);
      if (response.ok) return await this.#readSuccess(response, info);
      const text = this.#redact(await readBodyText(response, MAX_ERROR_BODY_BYTES, true));
      const parsed = parseMaybeJson(text);
      throw errorFromResponse(
        {
          ...info,
          status: response.status,
          headers: this.#redactHeaders(response.headers),
          body: typeof parsed === "string" ? parsed.slice(0, BODY_EXCERPT_CHARS) : parsed,
        },
        this.#context,
        spec.errorMap?.[response.status],
      );
    } catch (error) {
      if (error instanceof WorkerError) throw error;
      if (spec.signal?.aborted) throw spec.signal.reason;
      if (controller.signal.aborted) {
        throw new TimeoutError(`${method} ${path} got no answer within ${timeoutMs} ms`, { ...info, cause: error });
      }
      const reason = (error as { cause?: { code?: string; message?: string } } | undefined)?.cause;
      const detail = reason?.code ?? reason?.message ?? (error as Error | undefined)?.message ?? String(error);
      throw new ConnectionError(
        `${method} ${path} could not reach the coordinator at ${this.baseUrl} (${detail}). ${unreachableHint(this.#context, this.baseUrl, reason?.code)}`,
        { ...info, cause: error },
      );
    } finally {
      clearTimeout(timer);
      spec.signal?.removeEventListener("abort", onCallerAbort);
    }
  }

  async #fetchFollowingRedirects(
    method: string,
    path: string,
    spec: CallSpec,
    idempotencyKey: string | undefined,
    signal: AbortSignal,
  ): Promise<Response> {
    let url = new URL(this.baseUrl + path);
    for (const [key, value] of Object.entries(spec.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const origin = url.origin;
    let currentMethod = method;
    let body: BodyInit | undefined = spec.form ?? (spec.json === undefined ? undefined : JSON.stringify(spec.json));
    for (let hops = 0; ; hops++) {
      const headers: Record<string, string> = { accept: "application/json", "user-agent": USER_AGENT };
      // The token goes only to the coordinator's own origin, never after a redirect elsewhere.
      if (spec.auth !== false && url.origin === origin) headers.authorization = `Bearer ${this.#token}`;
      if (body !== undefined && spec.json !== undefined) headers["content-type"] = "application/json";
      if (idempotencyKey) headers["idempotency-key"] = idempotencyKey;
      const init: RequestInit = { method: currentMethod, headers, ...(body === undefined ? {} : { body }), signal };
      let response: Response;
      if (body instanceof FormData) {
        // An upload goes out with redirect "error": in any other mode undici clones the request and
        // tees its body, and the branch nobody reads keeps a copy of every byte sent (nodejs/undici#4058):
        // a 1 GiB file from fs.openAsBlob would end up whole in memory. If the coordinator does
        // redirect, this hop is sent again in "manual" mode to learn where to. Each send streams the
        // form afresh (streamForm).
        try {
          response = await this.#config.fetch(url, streamForm({ ...init, headers, redirect: "error" }));
        } catch (error) {
          if (signal.aborted || !isUnexpectedRedirect(error)) throw error;
          response = await this.#config.fetch(url, streamForm({ ...init, headers, redirect: "manual" }));
        }
      } else {
        response = await this.#config.fetch(url, { ...init, redirect: "manual" });
      }
      const location = response.headers.get("location");
      if (!REDIRECT_STATUSES.has(response.status) || location === null) return response;
      response.body?.cancel().catch(() => {});
      if (hops >= MAX_REDIRECTS) {
        throw new InvalidResponseError(`${method} ${path} was redirected more than ${MAX_REDIRECTS} times`, {
          method,
          path,
          status: response.status,
        });
      }
      url = new URL(location, url);
      if (
        response.status === 303 ||
        ((response.status === 301 || response.status === 302) && currentMethod === "POST")
      ) {
        currentMethod = "GET";
        body = undefined;
      }
    }
  }

  async #readSuccess(response: Response, info: { method: string; path: string; attempts: number }): Promise<unknown> {
    let text: string;
    try {
      text = await readBodyText(response, MAX_BODY_BYTES, false);
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      throw new InvalidResponseError(`${info.method} ${info.path} answered with a body over ${error.limit} bytes`, {
        ...info,
        status: response.status,
        headers: this.#redactHeaders(response.headers),
      });
    }
    if (text.trim() === "") return undefined;
    // An answer that echoes the token would carry it into InvalidResponseError messages and bodies.
    text = this.#redact(text);
    try {
      return JSON.parse(text);
    } catch {
      const init = { ...info, status: response.status, headers: this.#redactHeaders(response.headers) };
      throw notJsonAnswerError({ ...init, body: text.slice(0, BODY_EXCERPT_CHARS) }, this.#context);
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
