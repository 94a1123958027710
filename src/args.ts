/**
 * Checks of the arguments of `Worker` and `ModelReins` calls, so a wrong call
 * fails at once with a TypeError that names the field and what it got, before
 * anything reaches the server.
 */
import { describeValue } from "./check-options.js";
import { wholeNumber } from "./options.js";
import type { JsonObject } from "./types.js";
import { isId, isObject } from "./validate.js";

/** An id for a path (`what` is `"job"` or `"worker"`), as a string. */
export function checkId(what: string, value: unknown): string {
  if (isId(value)) return String(value);
  throw new TypeError(`A ${what} id must be a number or a non-empty string; got ${describeValue(value)}.`);
}

/** The argument object of a call, checked to be an object. */
export function checkObject(name: string, value: unknown): JsonObject {
  if (!isObject(value)) throw new TypeError(`${name} must be an object; got ${describeValue(value)}.`);
  return value;
}

/** A string field. */
export function checkString(name: string, value: unknown, { nonEmpty = false } = {}): string {
  if (typeof value !== "string" || (nonEmpty && value.trim() === "")) {
    throw new TypeError(`${name} must be a ${nonEmpty ? "non-empty " : ""}string; got ${describeValue(value)}.`);
  }
  return value;
}

/** An optional field that is a string or null when given. */
export function checkNullableString(name: string, value: unknown): void {
  if (value !== undefined && value !== null && typeof value !== "string") {
    throw new TypeError(`${name} must be a string or null; got ${describeValue(value)}.`);
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
    throw new TypeError(`${name} must be one of ${allowed.join(", ")}; got ${describeValue(value)}.`);
  }
  return value as T;
}

/** An optional array of strings. */
export function checkStringArray(name: string, value: unknown): void {
  if (value !== undefined && (!Array.isArray(value) || value.some((item) => typeof item !== "string"))) {
    throw new TypeError(`${name} must be an array of strings; got ${describeValue(value)}.`);
  }
}

/** An optional whole number from `min` (to `max`). */
export function checkInteger(name: string, value: unknown, min: number, max?: number): number | undefined {
  return value === undefined ? undefined : wholeNumber(name, value as number, 0, min, max);
}

/** A copy of an argument object without its `undefined` fields: what goes on the wire. */
export function definedFields(object: JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined));
}
