/**
 * Logs failures that repeat without flooding the log. The first failure of a
 * cause is logged in full, with what to do; while the same cause goes on, one
 * short line comes at growing intervals (30 s, then 1, 2, 4 … minutes, at most
 * every 10), saying how often it recurred. A worker pointed at the wrong URL
 * thus writes a couple of lines a minute, then fewer, instead of a page each
 * retry.
 */
import { ConnectionError, WorkerError } from "./errors.js";
import type { Logger } from "./logger.js";

/** How a {@link FailureLog} spaces the short lines of a cause that goes on. */
export interface FailureLogOptions {
  /** The wait before the first short line after the full one. @default 30000 */
  firstRepeatMs?: number;
  /** The longest wait between short lines; each wait doubles up to it. @default 600000 */
  maxRepeatMs?: number;
}

interface Ongoing {
  /** Failures since the full line, the first included. */
  count: number;
  since: number;
  lastLine: number;
  wait: number;
}

/** One log of repeated failures: see the file's comment. Clocked by `Date.now()` (fake timers move it). */
export class FailureLog {
  readonly #logger: Logger;
  readonly #firstRepeatMs: number;
  readonly #maxRepeatMs: number;
  readonly #ongoing = new Map<string, Ongoing>();

  constructor(logger: Logger, options: FailureLogOptions = {}) {
    this.#logger = logger;
    this.#firstRepeatMs = options.firstRepeatMs ?? 30_000;
    this.#maxRepeatMs = options.maxRepeatMs ?? 600_000;
  }

  /**
   * Logs one failure at `level`: `full` the first time `cause` is seen (since
   * the last {@link recovered}), else `short` when its wait is over, else nothing.
   */
  failed(cause: string, level: "warn" | "error", full: string, short: string): void {
    const now = Date.now();
    const ongoing = this.#ongoing.get(cause);
    if (ongoing === undefined) {
      this.#ongoing.set(cause, { count: 1, since: now, lastLine: now, wait: this.#firstRepeatMs });
      this.#logger[level](full);
      return;
    }
    ongoing.count++;
    if (now - ongoing.lastLine < ongoing.wait) return;
    this.#logger[level](`${short} (still failing: ${ongoing.count} times in ${duration(now - ongoing.since)})`);
    ongoing.lastLine = now;
    ongoing.wait = Math.min(ongoing.wait * 2, this.#maxRepeatMs);
  }

  /** Whether `cause` was logged in full and has not recovered since. */
  isOngoing(cause: string): boolean {
    return this.#ongoing.has(cause);
  }

  /** The failures are over: the next one of any cause is logged in full again. Returns whether any was going on. */
  recovered(): boolean {
    const any = this.#ongoing.size > 0;
    this.#ongoing.clear();
    return any;
  }
}

/**
 * What makes two failures "the same" for a {@link FailureLog}: the error's
 * class, status and network code, not the call (a heartbeat and an inbox
 * refused alike are one cause) nor the message (it may quote a changing body).
 */
export function failureCause(error: unknown): string {
  if (!(error instanceof Error)) return `thrown ${typeof error}`;
  const status = error instanceof WorkerError ? (error.status ?? "") : "";
  return [error.name, status, networkCode(error) ?? ""].filter((part) => part !== "").join(" ");
}

/** A failure in a few words for the short lines: `GET /my-jobs: ConnectionError (ECONNREFUSED)`, `PUT /presence: HTTP 403`. */
export function shortFailure(error: unknown): string {
  if (!(error instanceof WorkerError)) return error instanceof Error ? error.name : String(error);
  const code = networkCode(error);
  const what = error.status === undefined ? `${error.name}${code ? ` (${code})` : ""}` : `HTTP ${error.status}`;
  return `${error.method} ${error.path}: ${what}`;
}

/** The system error code under a failed fetch (`ECONNREFUSED`), if any. */
export function networkCode(error: unknown): string | undefined {
  if (!(error instanceof ConnectionError)) return undefined;
  const code = (error.cause as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  return typeof code === "string" ? code : undefined;
}

/** `45 s`, `3 min`, `2 h`. */
function duration(ms: number): string {
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.round(ms / 3_600_000)} h`;
}
