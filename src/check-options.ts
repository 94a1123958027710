/**
 * The one check every options object the package takes goes through: it must
 * be a plain object (or absent), and every key must be one the receiver
 * knows. From JavaScript a misspelt key would otherwise be ignored in silence
 * (`concurency: 4` running with concurrency 1).
 */
import { didYouMean } from "./suggest.js";

/**
 * A value as a message shows it, with its type: `the string "1000"`,
 * `the number 2.5`, `null`, `an array`, `a function`.
 */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (Array.isArray(value)) return "an array";
  switch (typeof value) {
    case "string":
      return `the string ${JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value)}`;
    case "number":
    case "bigint":
    case "boolean":
      return `the ${typeof value} ${String(value)}`;
    case "function":
      return "a function";
    case "symbol":
      return "a symbol";
    default:
      return "an object";
  }
}

/**
 * Throws a `TypeError` unless `value` is `undefined` or a plain object whose
 * keys are all in `known`. `where` names the receiver in the message, e.g.
 * `"Worker options"` or `"run() options"`.
 *
 * @returns `value` as an object (`{}` when it was `undefined`).
 */
export function checkOptions<T extends object>(value: T | undefined, known: readonly string[], where: string): T {
  if (value === undefined) return {} as T;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(`${where} must be an object such as { ${known[0] ?? ""}: ... }; got ${describeValue(value)}.`);
  }
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const suggestion = didYouMean(key, known);
    throw new TypeError(`unknown option \`${key}\` in ${where}${suggestion || ` (known: ${known.join(", ")}).`}`);
  }
  return value;
}
