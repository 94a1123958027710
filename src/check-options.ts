/**
 * The one check every options object the package takes goes through: it must
 * be a plain object (or absent), and every key must be one the receiver
 * knows. From JavaScript a misspelt key would otherwise be ignored in silence
 * (`concurency: 4` running with concurrency 1).
 */
import { didYouMean } from "./suggest.js";
import { isObject } from "./validate.js";

/**
 * A value as a message shows it, with its type: `the string "1000"`,
 * `the number 2.5`, `null`, `nothing` (undefined), `an array`, `a function`,
 * `an object`, or the class of another object (`a ReadStream`).
 */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "nothing";
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
      return describeObject(value as object);
  }
}

/** `an object` for a plain object, else its class: what was passed instead of bytes or options. */
function describeObject(value: object): string {
  const proto: unknown = Object.getPrototypeOf(value);
  const name =
    proto === null || proto === Object.prototype ? undefined : (value.constructor as { name?: unknown })?.name;
  if (typeof name !== "string" || name === "" || name === "Object") return "an object";
  return `${/^[AEIOU]/.test(name) ? "an" : "a"} ${name}`;
}

/**
 * The known keys of an options type, from an object that names each one once:
 * `optionKeys<RunOptions>({ onError: true, signal: true, handleSignals: true })`.
 * The compiler refuses a missing key and an unknown one, so an option is added
 * in one line beside its type, and the runtime check cannot fall behind.
 */
export function optionKeys<T extends object>(keys: { [K in keyof Required<T>]: true }): readonly (keyof T & string)[] {
  return Object.freeze(Object.keys(keys)) as readonly (keyof T & string)[];
}

/**
 * {@link describeValue}, but a string is not shown: where a token may be
 * passed by mistake (`new Worker(process.env.MODELREINS_TOKEN)`), a message
 * must not repeat it.
 */
export function describeValueHidingStrings(value: unknown): string {
  return typeof value === "string" ? "a string (not shown, in case it is the token)" : describeValue(value);
}

/**
 * Throws a `TypeError` unless `value` is `undefined` or a plain object whose
 * keys are all in `known`. `where` names the receiver in the message, e.g.
 * `"Worker options"` or `"run() options"`; `describe` shows a value that is
 * not an object.
 *
 * @returns `value` as an object (`{}` when it was `undefined`).
 */
export function checkOptions<T extends object>(
  value: T | undefined,
  known: readonly string[],
  where: string,
  describe: (value: unknown) => string = describeValue,
): T {
  if (value === undefined) return {} as T;
  if (!isObject(value)) {
    throw new TypeError(`${where} must be an object such as { ${known[0] ?? ""}: ... }; got ${describe(value)}.`);
  }
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const suggestion = didYouMean(key, known);
    throw new TypeError(`unknown option \`${key}\` in ${where}${suggestion || ` (known: ${known.join(", ")}).`}`);
  }
  return value;
}
