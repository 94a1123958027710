/**
 * The parsing of command lines shared by the commands: flags, `--help`, and
 * checks of values. Each failure is a {@link UsageError}: the command exits 2
 * with its message and a pointer to `--help`.
 */
import { type ParseArgsConfig, parseArgs } from "node:util";
import { errorMessage } from "../errors.js";
import { didYouMean } from "../suggest.js";
import type { CommandIO } from "./command.js";

/** Bad flags or arguments: exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

type FlagConfig = NonNullable<ParseArgsConfig["options"]>;

/**
 * Parses a command's arguments against its flags. Prints `help` and returns
 * `undefined` for `--help`/`-h`. An unknown flag, a flag without its value or
 * a value given to a switch is a {@link UsageError} in our words, with the
 * closest flag when one is close, rather than Node's parser text.
 */
export function parseCommandLine<const T extends FlagConfig>(
  args: string[],
  flags: T,
  help: string,
  io: CommandIO,
  { positionals = true }: { positionals?: boolean } = {},
) {
  checkFlags(args, flags, positionals);
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: boolean; strict: true }>>;
  try {
    parsed = parseArgs({ args, options: flags, allowPositionals: positionals, strict: true });
  } catch (error) {
    // checkFlags found what the parser refuses; this is a safety net for what it did not foresee.
    throw new UsageError(errorMessage(error));
  }
  if ((parsed.values as { help?: unknown }).help === true) {
    io.out(help);
    return undefined;
  }
  return parsed;
}

/** Walks the arguments as the parser will, and refuses what it would refuse, in words of our own. */
function checkFlags(args: string[], flags: FlagConfig, positionals: boolean): void {
  const { tokens } = parseArgs({ args, options: flags, allowPositionals: true, strict: false, tokens: true });
  const known = Object.keys(flags).map((name) => `--${name}`);
  for (const token of tokens) {
    if (token.kind === "positional" && !positionals) {
      throw new UsageError(`unexpected argument ${JSON.stringify(token.value)}: this command takes options only.`);
    }
    if (token.kind !== "option") continue;
    // The parser names a known short flag (-h) by its long name, an unknown one by its letter.
    const flag = Object.hasOwn(flags, token.name) ? flags[token.name] : undefined;
    if (flag === undefined) {
      throw new UsageError(`unknown option ${token.rawName}${didYouMean(token.rawName, known) || "."}`);
    }
    if (flag.type === "string" && token.value === undefined) {
      throw new UsageError(`${token.rawName} needs a value after it.`);
    }
    if (flag.type === "boolean" && token.inlineValue) {
      throw new UsageError(`${token.rawName} is a switch and takes no value; write ${token.rawName} alone.`);
    }
  }
}

/** A word that is not one of `known` (a command or a subcommand): the closest, and the list. */
export function unknownWord(what: string, word: string, known: readonly string[]): UsageError {
  const suggestion = didYouMean(word, known);
  const list = `${known.slice(0, -1).join(", ")} or ${known.at(-1)}`;
  return new UsageError(`unknown ${what} ${JSON.stringify(word)}${suggestion || "."} Use ${list}.`);
}

/** `500ms`, `30s`, `2m`, `1h`; a bare number is seconds. In ms. */
export function parseDuration(raw: string, flag: string): number {
  const match = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)?$/.exec(raw.trim());
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match?.[2] ?? "s"] ?? 1000;
  const ms = match ? Number(match[1]) * unit : Number.NaN;
  if (!(ms > 0) || ms > 2_147_483_647) {
    throw new UsageError(`${flag} must be a duration such as 500ms, 30s, 10m or 1h; got ${JSON.stringify(raw)}.`);
  }
  return ms;
}

/** A whole number from `min` to `max`. */
export function parseInteger(raw: string, flag: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const value = /^[0-9]+$/.test(raw.trim()) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `${min} or more` : `from ${min} to ${max}`;
    throw new UsageError(`${flag} must be a whole number ${range}; got ${JSON.stringify(raw)}.`);
  }
  return value;
}

/** One of a few words. */
export function parseChoice<const T extends string>(raw: string, flag: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new UsageError(`${flag} must be one of ${allowed.join(", ")}; got ${JSON.stringify(raw)}.`);
  }
  return raw as T;
}

/** Exactly `names.length` positional arguments, named for the message. */
export function expectPositionals(positionals: readonly string[], names: readonly string[], usage: string): string[] {
  if (positionals.length < names.length) {
    throw new UsageError(`missing ${names.slice(positionals.length).join(" and ")}; usage: ${usage}`);
  }
  if (positionals.length > names.length) {
    const extra = positionals.slice(names.length).map((p) => JSON.stringify(p.length > 40 ? `${p.slice(0, 40)}…` : p));
    throw new UsageError(`unexpected argument${extra.length > 1 ? "s" : ""} ${extra.join(" ")}; usage: ${usage}`);
  }
  return [...positionals];
}

/** Refuses options given to a subcommand they do not apply to. */
export function refuseOptions(values: Record<string, unknown>, allowed: readonly string[], subcommand: string): void {
  const wrong = Object.keys(values).filter((name) => values[name] !== undefined && !allowed.includes(name));
  if (wrong.length > 0) {
    throw new UsageError(`${wrong.map((n) => `--${n}`).join(", ")} does not apply to \`${subcommand}\`.`);
  }
}
