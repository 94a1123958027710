/**
 * Checks of the admin client's arguments, so a wrong call fails at once with
 * a TypeError that names the field, before anything reaches the server.
 */
import type { HttpCore, RequestOptions } from "../http/core.js";
import { buildRoute, type RouteName } from "../routes.js";
import type { JsonObject } from "../types.js";
import { type CallInfo, isObject } from "../validate.js";

/** Only the per-call options the core knows, so nothing else in the object reaches the request. */
export function requestOptions(options: RequestOptions | undefined): RequestOptions {
  if (options === undefined) return {};
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new TypeError(`The request options must be an object; got ${describe(options)}.`);
  }
  const { signal, timeoutMs, maxRetries } = options;
  return { signal, timeoutMs, maxRetries };
}

/** An id for a path: a finite number or a non-empty string. */
export function checkId(what: string, value: unknown): string {
  if ((typeof value === "number" && Number.isFinite(value)) || (typeof value === "string" && value !== "")) {
    return String(value);
  }
  throw new TypeError(`A ${what} id must be a number or a non-empty string; got ${describe(value)}.`);
}

/** The argument object of a call, checked to be an object. */
export function checkObject(name: string, value: unknown): JsonObject {
  if (!isObject(value)) throw new TypeError(`${name} must be an object; got ${describe(value)}.`);
  return value;
}

/** A string field. */
export function checkString(name: string, value: unknown, { nonEmpty = false } = {}): string {
  if (typeof value !== "string" || (nonEmpty && value.trim() === "")) {
    throw new TypeError(`${name} must be a ${nonEmpty ? "non-empty " : ""}string; got ${describe(value)}.`);
  }
  return value;
}

/** An optional field that is a string or null when given. */
export function checkNullableString(name: string, value: unknown): void {
  if (value !== undefined && value !== null && typeof value !== "string") {
    throw new TypeError(`${name} must be a string or null; got ${describe(value)}.`);
  }
}

/** A field that must be one of a few strings; `undefined` passes when optional. */
export function checkOneOf<const T extends string>(
  name: string,
  value: unknown,
  allowed: readonly T[],
  optional: boolean,
): T | undefined {
  if (value === undefined && optional) return undefined;
  if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
    throw new TypeError(`${name} must be one of ${allowed.join(", ")}; got ${describe(value)}.`);
  }
  return value as T;
}

/** An optional array of strings. */
export function checkStringArray(name: string, value: unknown): void {
  if (value !== undefined && (!Array.isArray(value) || value.some((item) => typeof item !== "string"))) {
    throw new TypeError(`${name} must be an array of strings; got ${describe(value)}.`);
  }
}

/** An optional whole number within bounds. */
export function checkInteger(
  name: string,
  value: unknown,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `${min} or more` : `from ${min} to ${max}`;
    throw new TypeError(`${name} must be a whole number ${range}; got ${describe(value)}.`);
  }
  return value;
}

/** A short account of a value for messages; strings are cut, objects only named. */
function describe(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "nothing";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  if (typeof value === "object") return "an object";
  return `${typeof value} ${String(value)}`;
}

/** The method and path of a route, for the messages of answer checks. */
export function callInfo(http: HttpCore, route: RouteName, params?: Record<string, string>): CallInfo {
  return buildRoute(http.routes, route, params);
}

/** A copy of an argument object without its `undefined` fields: what goes on the wire. */
export function definedFields(object: JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined));
}
