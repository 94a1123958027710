/**
 * Options, resolved once: defaults, environment variables and checks in one
 * place, into a frozen object the rest of the code trusts.
 */
import { hostname } from "node:os";
import { describeValue } from "./check-options.js";
import { HttpCore, type HttpCoreConfig } from "./http/core.js";
import { type ClientKind, missingTokenMessage, TOKEN_ENV } from "./http/hints.js";
import { createConsoleLogger, type Logger, type LogLevel, parseLogLevel } from "./logger.js";
import { type RouteName, resolveRoutes } from "./routes.js";

/** The hosted coordinator, used when neither `url` nor `MODELREINS_URL` is set. */
export const DEFAULT_URL = "https://app.modelreins.com";

/** How to reach the coordinator: shared by `Worker` and `ModelReins`. */
export interface ConnectionOptions {
  /** The bearer token. Never logged, never shown in errors or `util.inspect`. */
  token?: string | undefined;
  /**
   * The coordinator's base URL; trailing slashes are ignored.
   * @default process.env.MODELREINS_URL ?? "https://app.modelreins.com"
   */
  url?: string | undefined;
  /**
   * Timeout of each HTTP attempt, in ms.
   * @default 30000
   */
  timeoutMs?: number | undefined;
  /**
   * Retries of a call that failed to connect, timed out, or got 408, 429 or 5xx.
   * @default 2
   */
  maxRetries?: number | undefined;
  /** A `fetch` to use instead of the global one: a proxy, a test double, `createCoordinator().fetch`. */
  fetch?: typeof globalThis.fetch | undefined;
  /**
   * Corrections to the route table, e.g. `{ claim: "POST /api/v2/jobs/{id}/claim" }`.
   * See `DEFAULT_ROUTES`.
   */
  routes?: Partial<Record<RouteName, string>> | undefined;
  /**
   * Where log lines go. Any object with `debug`, `info`, `warn` and `error`.
   * @default a logger writing to stderr at `logLevel`
   */
  logger?: Logger | undefined;
  /**
   * The default logger's level; ignored when `logger` is given.
   * @default process.env.MODELREINS_LOG_LEVEL ?? "info"
   */
  logLevel?: LogLevel | undefined;
}

/** The keys of {@link ConnectionOptions}, spread into the key lists of `Worker` and `ModelReins` options. */
export const CONNECTION_OPTIONS = {
  token: true,
  url: true,
  timeoutMs: true,
  maxRetries: true,
  fetch: true,
  routes: true,
  logger: true,
  logLevel: true,
} as const satisfies { [K in keyof Required<ConnectionOptions>]: true };

/** Reads options, environment and defaults into the HTTP core's settings; `onCall` observes every call (metrics). */
export function createHttpCore(
  options: ConnectionOptions,
  kind: ClientKind,
  env: NodeJS.ProcessEnv = process.env,
  onCall?: HttpCoreConfig["onCall"],
): HttpCore {
  const logger =
    options.logger ??
    createConsoleLogger(
      options.logLevel !== undefined
        ? parseLogLevel(options.logLevel, "logLevel")
        : env.MODELREINS_LOG_LEVEL
          ? parseLogLevel(env.MODELREINS_LOG_LEVEL, "MODELREINS_LOG_LEVEL")
          : "info",
    );
  // An empty MODELREINS_URL counts as unset, as an empty MODELREINS_TOKEN does.
  const urlFrom = options.url !== undefined ? "option" : env.MODELREINS_URL ? "env" : "default";
  const baseUrl = resolveBaseUrl(options.url ?? (env.MODELREINS_URL || undefined) ?? DEFAULT_URL, logger);
  const token = resolveToken(options.token, kind, env);
  const fetchFn = options.fetch ?? globalThis.fetch;
  if (typeof fetchFn !== "function") {
    throw new TypeError("The fetch option must be a function like the global fetch (Node 20+ has one built in).");
  }
  return new HttpCore({
    baseUrl,
    token,
    timeoutMs: positiveNumber("timeoutMs", options.timeoutMs, 30_000),
    maxRetries: nonNegativeInteger("maxRetries", options.maxRetries, 2),
    fetch: fetchFn,
    routes: resolveRoutes(options.routes),
    logger,
    kind,
    urlFrom,
    onCall,
  });
}

function resolveToken(given: string | undefined, kind: ClientKind, env: NodeJS.ProcessEnv): string {
  // The environment is read only for a token not given, and no further than the first name set: a
  // runtime that grants variables one by one (`deno run --allow-env=MODELREINS_TOKEN`) is asked for no other.
  const token = given ?? tokenFromEnv(kind, env);
  const names = TOKEN_ENV[kind].join(" or ");
  if (token === undefined || token === "") throw new TypeError(missingTokenMessage(kind));
  // Printable ASCII only: anything else would be refused by fetch in a message that quotes the header.
  if (typeof token !== "string" || !/^[\x21-\x7e]+$/.test(token)) {
    // The token's value stays out of the message, even when it is wrong.
    throw new TypeError(
      `The ModelReins token (token option or ${names}) must be a string of printable ASCII characters with no spaces or line breaks.`,
    );
  }
  return token;
}

/** The token in the first of `kind`'s variables ({@link TOKEN_ENV}) that is set and not empty, reading no further. */
export function tokenFromEnv(kind: ClientKind, env: NodeJS.ProcessEnv): string | undefined {
  for (const name of TOKEN_ENV[kind]) {
    const value = env[name];
    if (value !== undefined && value !== "") return value;
  }
  return undefined;
}

function resolveBaseUrl(raw: string, logger: Logger): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TypeError(
      `The coordinator URL (url option or MODELREINS_URL) must be an absolute http(s) URL such as ${DEFAULT_URL}; got ${JSON.stringify(raw)}.`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TypeError(`The coordinator URL must use http or https; got ${url.protocol.slice(0, -1)}.`);
  }
  if (url.username || url.password) {
    throw new TypeError("The coordinator URL must not carry a user name or password; pass the token option instead.");
  }
  if (url.search || url.hash) {
    throw new TypeError("The coordinator URL must not carry a query string or fragment.");
  }
  if (url.protocol === "http:" && !isLoopback(url.hostname)) {
    logger.warn(
      `The coordinator URL ${url.origin} uses plain http to a host that is not this machine: the token travels unencrypted. Use https.`,
    );
  }
  return url.href.replace(/\/+$/, "");
}

/** Hosts that never leave this machine. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h.endsWith(".localhost") || h === "::1" || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** `${hostname}-${pid}`, the Python SDK's default worker name. */
export function defaultWorkerName(): string {
  return `${hostname()}-${process.pid}`;
}

/** The longest delay a Node.js timer holds; a longer one fires after 1 ms instead. */
const MAX_TIMER_MS = 2_147_483_647;

/** Checks a duration option, in ms; `undefined` takes the default. */
export function positiveNumber(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || Number.isNaN(value)) {
    throw new TypeError(`${name} must be a number of milliseconds; got ${describeValue(value)}.`);
  }
  if (value <= 0) throw new TypeError(`${name} must be more than 0 ms; got ${describeValue(value)}.`);
  if (value > MAX_TIMER_MS) {
    throw new TypeError(`${name} must be at most ${MAX_TIMER_MS} ms (about 24.8 days); got ${describeValue(value)}.`);
  }
  return value;
}

/**
 * Checks a whole number from `min` (to `max`, when given); `undefined` takes
 * the default. The message says which of the two checks failed.
 */
export function wholeNumber(
  name: string,
  value: number | undefined,
  fallback: number,
  min: number,
  max?: number,
): number {
  if (value === undefined) return fallback;
  const inRange = typeof value === "number" && value >= min && (max === undefined || value <= max);
  if (max !== undefined && (!Number.isInteger(value) || !inRange)) {
    throw new TypeError(`${name} must be a whole number from ${min} to ${max}; got ${describeValue(value)}.`);
  }
  if (!Number.isInteger(value)) throw new TypeError(`${name} must be a whole number; got ${describeValue(value)}.`);
  if (!inRange) {
    throw new TypeError(`${name} must be ${min === 0 ? "0 or more" : `at least ${min}`}; got ${describeValue(value)}.`);
  }
  return value;
}

/** Checks a count, 0 or more; `undefined` takes the default. */
export function nonNegativeInteger(name: string, value: number | undefined, fallback: number): number {
  return wholeNumber(name, value, fallback, 0);
}

/** Checks a count that must be at least 1; `undefined` takes the default. */
export function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  return wholeNumber(name, value, fallback, 1);
}

/** Checks a list of tags; each a non-empty string without commas (they travel comma-joined). */
export function tagList(name: string, value: readonly string[] | undefined): readonly string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((tag) => typeof tag !== "string" || tag === "" || tag.includes(","))) {
    throw new TypeError(
      `${name} must be an array of non-empty strings without commas; got ${Array.isArray(value) ? JSON.stringify(value) : describeValue(value)}.`,
    );
  }
  return Object.freeze([...value]);
}
