/**
 * Strict checks of request bodies and queries: each failure is a 400 whose
 * message names the field and says what was expected and what came.
 */
import { describeValue } from "../check-options.js";
import { isObject } from "../validate.js";
import { CoordinatorError } from "./reply.js";

type Obj = Record<string, unknown>;

export function badRequest(message: string): CoordinatorError {
  return new CoordinatorError(400, message);
}

/**
 * Reads the fields of one JSON object, then refuses any field it did not read
 * (`end()`), so a misspelt field name is an error and not silently ignored.
 */
export class Fields {
  readonly #obj: Obj;
  readonly #where: string;
  readonly #read = new Set<string>();

  constructor(value: unknown, where = "body") {
    if (!isObject(value)) throw badRequest(`${where} must be a JSON object; got ${describeValue(value)}.`);
    this.#obj = value;
    this.#where = where;
  }

  #name(key: string): string {
    return this.#where === "body" ? `"${key}"` : `"${this.#where}.${key}"`;
  }

  #get(key: string): unknown {
    this.#read.add(key);
    return this.#obj[key];
  }

  has(key: string): boolean {
    return this.#obj[key] !== undefined;
  }

  string(key: string): string {
    const value = this.#get(key);
    if (typeof value !== "string") {
      throw badRequest(`${this.#name(key)} is required and must be a string; got ${describeValue(value)}.`);
    }
    return value;
  }

  nonEmptyString(key: string): string {
    const value = this.string(key);
    if (value.trim() === "") throw badRequest(`${this.#name(key)} must not be empty.`);
    return value;
  }

  optionalString(key: string): string | undefined {
    if (!this.has(key)) return this.#get(key) as undefined;
    return this.string(key);
  }

  /** A string, null, or absent (undefined). */
  nullableString(key: string): string | null | undefined {
    const value = this.#get(key);
    if (value === undefined || value === null) return value;
    if (typeof value !== "string")
      throw badRequest(`${this.#name(key)} must be a string or null; got ${describeValue(value)}.`);
    return value;
  }

  oneOf<const T extends string>(key: string, values: readonly T[], required: boolean): T | undefined {
    const value = this.#get(key);
    if (value === undefined && !required) return undefined;
    if (typeof value !== "string" || !(values as readonly string[]).includes(value)) {
      throw badRequest(`${this.#name(key)} must be one of ${values.join(", ")}; got ${describeValue(value)}.`);
    }
    return value as T;
  }

  optionalStringArray(key: string): string[] | undefined {
    const value = this.#get(key);
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || value.some((item) => typeof item !== "string")) {
      throw badRequest(`${this.#name(key)} must be an array of strings; got ${describeValue(value)}.`);
    }
    return [...(value as string[])];
  }

  integer(key: string, min: number, max: number, required: true): number;
  integer(key: string, min: number, max: number, required: false): number | undefined;
  integer(key: string, min: number, max: number, required: boolean): number | undefined {
    const value = this.#get(key);
    if (value === undefined && !required) return undefined;
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
      throw badRequest(`${this.#name(key)} must be an integer from ${min} to ${max}; got ${describeValue(value)}.`);
    }
    return value;
  }

  /** An integer id; a string of digits is accepted too (PROTOCOL: ids may travel as strings). */
  optionalId(key: string): number | undefined {
    const value = this.#get(key);
    if (value === undefined || value === null) return undefined;
    const id = parseId(value);
    if (id === undefined) throw badRequest(`${this.#name(key)} must be an integer id; got ${describeValue(value)}.`);
    return id;
  }

  optionalObject(key: string): Obj | undefined {
    const value = this.#get(key);
    if (value === undefined) return undefined;
    if (!isObject(value)) throw badRequest(`${this.#name(key)} must be a JSON object; got ${describeValue(value)}.`);
    return value;
  }

  array(key: string): unknown[] {
    const value = this.#get(key);
    if (!Array.isArray(value)) {
      throw badRequest(`${this.#name(key)} is required and must be an array; got ${describeValue(value)}.`);
    }
    return value;
  }

  /** Any JSON value, or undefined when absent. */
  any(key: string): unknown {
    return this.#get(key);
  }

  /** Refuses the fields that were not read. */
  end(): void {
    const unknown = Object.keys(this.#obj).filter((key) => !this.#read.has(key));
    if (unknown.length > 0) {
      throw badRequest(
        `unknown field${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => this.#name(k)).join(", ")} in ${this.#where}; allowed: ${[...this.#read].join(", ") || "none"}.`,
      );
    }
  }
}

/** A positive integer id from a number or a string of digits, else undefined. */
export function parseId(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isSafeInteger(value) && value > 0) return value;
  if (typeof value === "string" && /^[1-9][0-9]{0,15}$/.test(value)) {
    const id = Number(value);
    if (Number.isSafeInteger(id)) return id;
  }
  return undefined;
}

/** Reads an integer query parameter within bounds, or the default when absent. */
export function queryInt(params: URLSearchParams, key: string, fallback: number, min: number, max: number): number {
  const raw = params.get(key);
  if (raw === null || raw === "") return fallback;
  if (!/^-?[0-9]+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw badRequest(`query "${key}" must be an integer from ${min} to ${max}; got ${JSON.stringify(raw)}.`);
  }
  return Number(raw);
}

/** Refuses query parameters other than the allowed ones. */
export function allowQuery(params: URLSearchParams, allowed: readonly string[]): void {
  for (const key of params.keys()) {
    if (!allowed.includes(key)) {
      throw badRequest(
        `unknown query parameter "${key}"; allowed: ${allowed.length > 0 ? allowed.join(", ") : "none"}.`,
      );
    }
  }
}
