/**
 * Checks that a 2xx answer has the shape the call needs, so a proxy's HTML or
 * a malformed job fails that one call with a clear message instead of
 * crashing something later.
 */
import { InvalidResponseError } from "./errors.js";
import type { Logger } from "./logger.js";
import type { Job, JobId, JsonObject } from "./types.js";

/** Which call an answer belongs to, for error messages. */
export interface CallInfo {
  method: string;
  path: string;
}

/** A call's info, or how to make it: only an answer that fails its check needs it (bench/: not built per call). */
export type CallRef = CallInfo | (() => CallInfo);

function callOf(ref: CallRef): CallInfo {
  return typeof ref === "function" ? ref() : ref;
}

function invalid(ref: CallRef, what: string, body: unknown): InvalidResponseError {
  const call = callOf(ref);
  const shown = preview(body);
  return new InvalidResponseError(`${call.method} ${call.path} answered ${what}: ${shown}`, {
    ...call,
    status: 200,
    body,
  });
}

/** The start of a value as JSON, for a message; never throws (deeply nested JSON overflows JSON.stringify). */
function preview(body: unknown): string {
  try {
    return JSON.stringify(body)?.slice(0, 200) ?? String(body);
  } catch {
    return "(too deeply nested to show)";
  }
}

/** Whether a value is a JSON object: not null, not an array. */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Whether a value can be a job's or a worker's id: a finite number or a non-empty string. */
export function isId(value: unknown): value is JobId {
  return (typeof value === "number" && Number.isFinite(value)) || (typeof value === "string" && value !== "");
}

/** Why a value is not a usable job, or `undefined` when it is one. */
export function jobProblem(value: unknown): string | undefined {
  if (!isObject(value)) return "is not an object";
  const { id, prompt, status } = value;
  if (!isId(id)) {
    return "has no usable id (a number or a non-empty string)";
  }
  if (typeof prompt !== "string") return `(id ${String(id)}) has no prompt string`;
  if (status !== undefined && typeof status !== "string") return `(id ${String(id)}) has a status that is not a string`;
  return undefined;
}

/** The job in an answer: a bare job object, or one wrapped as `{ job: {...} }`. */
export function expectJob(body: unknown, call: CallRef): Job {
  const candidate = isObject(body) && isObject(body.job) && body.id === undefined ? body.job : body;
  const problem = jobProblem(candidate);
  if (problem) throw invalid(call, `a job that ${problem}`, body);
  return candidate as Job;
}

/** The list in an answer: a bare array or one under `key` (`{ jobs: [...] }`). */
export function expectList(body: unknown, call: CallRef, key: string): unknown[] {
  if (Array.isArray(body)) return body;
  if (isObject(body)) {
    const wrapped = body[key] ?? body.data ?? body.items;
    if (Array.isArray(wrapped)) return wrapped;
  }
  throw invalid(call, `something that is not a list (expected an array or { "${key}": [...] })`, body);
}

/**
 * The usable jobs of a job list; the items that are not jobs are left out,
 * with one warning that says why. `count` is the number of items, both kinds.
 */
export function expectJobList(body: unknown, call: CallRef, logger: Logger): { jobs: Job[]; count: number } {
  const jobs: Job[] = [];
  const rejected: string[] = [];
  const items = expectList(body, call, "jobs");
  items.forEach((item, index) => {
    const problem = jobProblem(item);
    if (problem) rejected.push(`item ${index} ${problem}`);
    else jobs.push(item as Job);
  });
  if (rejected.length > 0) {
    const { method, path } = callOf(call);
    logger.warn(
      `${method} ${path} answered ${rejected.length} job(s) the SDK cannot use, left out: ${rejected.join("; ")}`,
    );
  }
  return { jobs, count: items.length };
}

/** A JSON object answer; an empty body counts as `{}`. */
export function expectObject<T extends JsonObject = JsonObject>(body: unknown, call: CallRef): T {
  if (body === undefined) return {} as T;
  if (!isObject(body)) throw invalid(call, "something that is not a JSON object", body);
  return body as T;
}

/** A JSON object answer that must carry these string fields. */
export function expectObjectWith<T extends JsonObject>(body: unknown, call: CallRef, fields: readonly string[]): T {
  const object = expectObject<T>(body, call);
  const missing = fields.filter((field) => typeof object[field] !== "string");
  if (missing.length > 0) throw invalid(call, `an object without ${missing.join(" and ")}`, body);
  return object;
}

/** Why an object is not usable, or `undefined` when it is. */
export type ObjectCheck = (value: JsonObject) => string | undefined;

/**
 * A JSON object answer, bare or wrapped as `{ [key]: {...} }` (`{ worker: {...} }`),
 * that passes `check`; an empty body counts as `{}`.
 */
export function expectWrapped<T extends JsonObject>(body: unknown, call: CallRef, key: string, check?: ObjectCheck): T {
  const object = expectObject(body, call);
  const candidate = isObject(object[key]) && object.id === undefined ? (object[key] as JsonObject) : object;
  const problem = check?.(candidate);
  if (problem) throw invalid(call, `an object that ${problem}`, body);
  return candidate as T;
}

/** The list in an answer (see {@link expectList}), each item an object that passes `check`. */
export function expectObjectList<T extends JsonObject>(
  body: unknown,
  call: CallRef,
  key: string,
  check?: ObjectCheck,
): T[] {
  const list = expectList(body, call, key);
  list.forEach((item, index) => {
    const problem = isObject(item) ? check?.(item) : "is not an object";
    if (problem) throw invalid(call, `a list whose item ${index} ${problem}`, body);
  });
  return list as T[];
}
