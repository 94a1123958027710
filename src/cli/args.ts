/**
 * Checks of command-line values shared by the commands. Each failure is a
 * {@link UsageError}: the command exits 2 with its message and a pointer to
 * `--help`.
 */

/** Bad flags or arguments: exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Runs `parseArgs` (or any parse), turning its errors into {@link UsageError}. */
export function parseFlags<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
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
