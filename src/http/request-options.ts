/**
 * The per-call request options (`signal`, `timeoutMs`, `maxRetries`), checked
 * once for every method of `Worker` and `ModelReins`: only these reach the
 * HTTP core, so nothing else given from JavaScript (`query`, `auth`, `form`)
 * can change what a call sends.
 */
import { checkOptions, describeValue, optionKeys } from "../check-options.js";
import { nonNegativeInteger, positiveNumber } from "../options.js";
import { isObject } from "../validate.js";
import { NO_REQUEST_OPTIONS, type RequestOptions } from "./core.js";

/** The keys a call's last argument may hold. */
export const REQUEST_OPTION_KEYS = optionKeys<RequestOptions>({ signal: true, timeoutMs: true, maxRetries: true });

/**
 * Checks a call's request options and returns a copy with only those three.
 * `method` names the call in messages, e.g. `"worker.claim()"`.
 */
export function requestOptions(options: RequestOptions | undefined, method: string): RequestOptions {
  // The run loop's calls pass none: nothing to check, and one shared answer (bench/).
  if (options === undefined || options === NO_REQUEST_OPTIONS) return NO_REQUEST_OPTIONS;
  const { signal, timeoutMs, maxRetries } = checkOptions(options, REQUEST_OPTION_KEYS, `the options of ${method}`);
  if (signal !== undefined && !isAbortSignal(signal)) {
    throw new TypeError(`${method}: signal must be an AbortSignal; got ${describeValue(signal)}.`);
  }
  return {
    signal,
    timeoutMs: timeoutMs === undefined ? undefined : positiveNumber(`${method}: timeoutMs`, timeoutMs, 0),
    maxRetries: maxRetries === undefined ? undefined : nonNegativeInteger(`${method}: maxRetries`, maxRetries, 0),
  };
}

/**
 * Checks a call's params object as {@link checkOptions} does; a request
 * option put there (the 0.1 shape, `heartbeat({ maxRetries: 0 })`) gets a
 * message that says where it goes instead. `where` reads e.g.
 * `"the params of jobs.cancel()"`.
 */
export function checkParams<T extends object>(params: T | undefined, known: readonly string[], where: string): T {
  const misplaced = isObject(params)
    ? Object.keys(params).find(
        (key) => !known.includes(key) && (REQUEST_OPTION_KEYS as readonly string[]).includes(key),
      )
    : undefined;
  if (misplaced !== undefined) {
    throw new TypeError(
      `\`${misplaced}\` is a request option, not one of ${where} (${known.join(", ")}): pass it in the call's last argument, { ${misplaced}: ... }.`,
    );
  }
  return checkOptions(params, known, where);
}

/** Duck-typed: a signal from another realm or a polyfill is not an `instanceof AbortSignal`. */
export function isAbortSignal(value: unknown): value is AbortSignal {
  const signal = value as AbortSignal;
  return (
    typeof value === "object" &&
    value !== null &&
    typeof signal.aborted === "boolean" &&
    typeof signal.addEventListener === "function"
  );
}
