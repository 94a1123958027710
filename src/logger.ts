/**
 * The SDK's log output. A console-like object is enough to plug in pino,
 * winston or a test spy; the default writes one line per event to stderr.
 */

/** Where the SDK writes what it does. Any object with these four methods fits (`console`, pino, ...). */
export interface Logger {
  /** Detail for debugging: each retry, each report. */
  debug(message: string, ...rest: unknown[]): void;
  /** The worker's life: started, stopping, stopped. */
  info(message: string, ...rest: unknown[]): void;
  /** Something failed and will be tried again: the coordinator is down, a result is not delivered yet. */
  warn(message: string, ...rest: unknown[]): void;
  /** Something failed for good: a refused token, a result given up. */
  error(message: string, ...rest: unknown[]): void;
}

/** How much the default logger prints. */
export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** A logger that writes `[modelreins-worker] message` lines to stderr from `level` up. */
export function createConsoleLogger(level: LogLevel = "info", prefix = "[modelreins-worker]"): Logger {
  const threshold = LEVELS[level];
  const at =
    (lvl: Exclude<LogLevel, "silent">, write: (...args: unknown[]) => void) =>
    (message: string, ...rest: unknown[]) => {
      if (LEVELS[lvl] >= threshold) write(`${prefix} ${message}`, ...rest);
    };
  return {
    debug: at("debug", console.error),
    info: at("info", console.error),
    warn: at("warn", console.warn),
    error: at("error", console.error),
  };
}

/** Checks a log level name, so a typo fails loudly instead of silencing the logs. */
export function parseLogLevel(value: string, source: string): LogLevel {
  if (value in LEVELS) return value as LogLevel;
  throw new TypeError(`${source} must be one of ${Object.keys(LEVELS).join(", ")}; got ${JSON.stringify(value)}.`);
}
